"""The coverage check (simulation-based calibration) on posteriors known exactly.

A conjugate Gaussian model: theta ~ N(0, 1), x | theta ~ N(theta, s^2), whose
posterior is N(x / (1 + s^2), s^2 / (1 + s^2)). Drawn from the exact posterior, the
check passes; from a posterior shrunk to half its width (planted overconfidence), a
doubled one, or a shifted one, it fails and says how. Seeded; the tolerances are
stated where they are used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoresim.calibrate.coverage import LEVELS, bins_for, check, inside, rank

S = 0.5  # the data's noise sd


def ranks_of(scale: float, shift: float = 0.0, n: int = 300, draws: int = 400, seed: int = 1) -> pd.DataFrame:  # fmt: skip
    """Ranks of the truth among draws from the exact posterior, its sd times ``scale``."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        theta = rng.normal()
        x = rng.normal(theta, S)
        mean, sd = x / (1 + S**2), np.sqrt(S**2 / (1 + S**2))
        post = rng.normal(mean + shift * sd, sd * scale, draws)
        out.append(rank(post, None, theta))
    return pd.DataFrame({"theta": out})


def test_rank_by_hand() -> None:
    draws = np.array([1.0, 2.0, 3.0, 4.0])
    assert rank(draws, None, 2.5) == 0.5
    assert rank(draws, None, 0.0) == 0.0
    assert rank(draws, None, 9.0) == 1.0
    assert rank(draws, None, 2.0) == pytest.approx(0.25 + 0.125)  # half the mass at the truth
    w = np.array([1.0, 1.0, 1.0, 5.0])  # weights are normalised
    assert rank(draws, w, 3.5) == pytest.approx(3 / 8)


def test_inside_central_interval_by_hand() -> None:
    u = np.array([0.0, 0.04, 0.05, 0.5, 0.95, 0.96, 1.0])
    assert inside(u, 0.9).tolist() == [False, False, True, True, True, False, False]


def test_exact_posterior_passes() -> None:
    v = check(ranks_of(1.0))
    assert v.passed, v.table
    # Tolerance: 300 data sets give a binomial sd of at most 2.9 points; 8 sds.
    for level, cov in zip(v.table["level"], v.table["coverage"], strict=True):
        assert abs(cov - level) < 0.08
    assert v.histogram["uniformity_p"].iloc[0] > 0.001


def test_planted_overconfidence_is_caught() -> None:
    v = check(ranks_of(0.5))
    assert not v.passed
    at90 = v.table.set_index("level").loc[0.9]
    # Half the width: the 90% interval is a 58% one, Phi(1.645 / 2) * 2 - 1 = 0.589.
    assert at90["verdict"] == "too narrow"
    assert at90["coverage"] == pytest.approx(0.589, abs=0.08)
    assert (v.table["verdict"] == "too narrow").all()
    assert v.histogram["uniformity_p"].iloc[0] < 1e-6


def test_planted_underconfidence_and_bias_are_caught() -> None:
    wide = check(ranks_of(2.0))
    assert not wide.passed
    assert set(wide.table["verdict"]) <= {"too wide", "consistent"}
    assert wide.table.set_index("level").loc[0.5]["verdict"] == "too wide"
    biased = check(ranks_of(1.0, shift=1.5))
    assert not biased.passed
    assert biased.histogram["uniformity_p"].iloc[0] < 1e-6


def test_table_shape_and_histogram_counts() -> None:
    r = ranks_of(1.0, n=120)
    r["other"] = ranks_of(1.0, n=120, seed=2)["theta"]
    v = check(r)
    assert len(v.table) == 2 * len(LEVELS)
    assert v.confidence == pytest.approx(1 - 0.05 / 8)
    b = bins_for(120)
    assert len(v.histogram) == 2 * b
    for _, rows in v.histogram.groupby("parameter"):
        assert rows["count"].sum() == 120
    assert (
        (v.table["low"] <= v.table["coverage"]) & (v.table["coverage"] <= v.table["high"])
    ).all()


def test_the_validation_case_reads_its_measures() -> None:
    from scoresim.validation import coverage_case

    p = coverage_case.DEFAULTS
    m: dict[str, float] = {}
    for method in ("abc", "neural"):
        m |= {f"{method}.passed": 1, f"{method}.usable": 20, f"{method}.too narrow": 0,
              f"{method}.too wide": 0, f"{method}.coverage.x.0.9": 0.9}  # fmt: skip
    for scale in (1.0, 0.5):
        v = coverage_case._planted(scale, 1)
        m[f"planted.{scale}.passed"] = int(v.passed)
        m[f"planted.{scale}.coverage90"] = float(
            v.table["coverage"][v.table["level"] == 0.9].iloc[0]
        )
    checks = coverage_case.point_checks(p, m)
    assert [c.passed for c in checks] == [True, True, True, True]
    assert 0.5 < m["planted.0.5.coverage90"] < 0.68
    m["neural.passed"] = 0
    assert [c.passed for c in coverage_case.point_checks(p, m)] == [True, False, True, True]
