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


def test_the_comparison_score_by_hand() -> None:
    from scoresim.calibrate.compare import Comparison, compare, pointwise

    sims = pd.DataFrame({"a": [1.0, 2.0, 3.0, np.nan], "b": [0.0, 0.0, 0.5, 1.0]})
    targets = [{"target": "a", "observed": 2.0, "sd": 1.0}, {"target": "b", "observed": 0.2, "sd": 0.5}]  # fmt: skip
    got = pointwise(sims, targets).set_index("target")
    for name, t in (("a", targets[0]), ("b", targets[1])):
        s = sims[name].dropna().to_numpy()
        p = np.exp(-0.5 * ((t["observed"] - s) / t["sd"]) ** 2) / (t["sd"] * np.sqrt(2 * np.pi))
        w = np.minimum(1 / p, np.mean(1 / p) * np.sqrt(len(s)))  # truncated at sqrt(J) x mean
        assert got.loc[name, "elpd"] == pytest.approx(np.log(np.sum(w * p) / np.sum(w)), rel=1e-12)
        assert got.loc[name, "draws"] == len(s)
    other = pointwise(sims.assign(a=[2.0, 2.0, 2.0, 2.0]), targets)
    c = compare(other, got.reset_index())
    d = other["elpd"].to_numpy() - got["elpd"].to_numpy()
    assert c.difference == pytest.approx(d.sum()) and c.difference > 0
    assert c.difference_se == pytest.approx(np.sqrt(2 * np.var(d, ddof=1)))
    assert "do not tell" in c.verdict("x", "y") or "x predicts" in c.verdict("x", "y")
    # Written as a reader would: no exponent for a difference in the hundreds.
    big = Comparison(table=c.table, elpd=(0.0, 0.0), se=(0.0, 0.0), difference=233.7, difference_se=121.3)  # fmt: skip
    assert big.verdict("x", "y") == "the targets do not tell x and y apart: 234 ± 121 (difference ± standard error)"  # fmt: skip
    small = Comparison(table=c.table, elpd=(0.0, 0.0), se=(0.0, 0.0), difference=-1.98, difference_se=0.5)  # fmt: skip
    assert small.verdict("x", "y") == "y predicts the targets better than x: 1.98 ± 0.5 (difference ± standard error)"  # fmt: skip


def test_a_far_draw_does_not_underflow() -> None:
    from scoresim.calibrate.compare import pointwise

    sims = pd.DataFrame({"a": [0.0, 1e6]})
    got = pointwise(sims, [{"target": "a", "observed": 0.0, "sd": 1.0}])
    assert np.isfinite(got["elpd"].iloc[0])
