"""The ``coverage`` case: do the calibration methods' intervals hold the truth as often as they say?

Simulation-based calibration (Talts et al. 2018, arXiv:1804.06788) of both of
``scoresim calibrate``'s methods, with the real ``--check-coverage`` machinery, on a
small court-list calibration (two parameters, two targets): ABC at a small size (a
whole calibration per data set), and the neural method at the size it needs to be
calibrated there (one network, asked once per data set). And that the check itself
can fail: on a conjugate normal model whose posterior is known exactly, draws from
it pass, and draws from a posterior shrunk to half its width (a 90% interval that
holds the truth 59% of the time) are called too narrow.

docs/calibration.md, "Coverage", defines the check; docs/validation.md gives the figures.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from scoresim.calibrate.coverage import Verdict
from scoresim.validation.framework import Case, Check, Measures, Params

TEXT = """\
scenario: court-blacklist
seed: {seed}
run: {{agents: {agents}, steps: {steps}, replicates: 1}}
fixed: {{blacklist.payment_exit: 0.001, timeline: null}}
parameters:
  behaviours.refuse_to_perform.base_rate: {{prior: log-uniform, low: 1.0e-5, high: 1.0e-3}}
  sources.courts.coverage: {{prior: uniform, low: 0.2, high: 1.0}}
targets:
  - {{name: listed_end, value: 0.004, sd: 0.002, day: {last}, metric: listed, source: replaced by each data set}}
  - {{name: denials, value: 0.0005, sd: 0.0005, day: {last}, metric: denied.travel, aggregate: sum,
     per_person: true, source: replaced by each data set}}
{method}abc: {{population: {population}, generations: {generations}, min_epsilon: 0.1, predictive: 0, noise: 2}}
"""


def _file(p: Params, seed: int, neural: bool) -> str:
    method = f"method: neural\nneural: {{simulations: {p['simulations']}}}\n" if neural else ""
    return TEXT.format(seed=seed, agents=p["agents"], steps=p["steps"], last=p["steps"] - 1,
                       method=method, population=p["population"], generations=p["generations"])  # fmt: skip


def run(p: Params, seed: int) -> Measures:
    """Both methods' coverage tables, and the planted miscalibration's."""
    from scoresim.calibrate.coverage_run import run_coverage
    from scoresim.calibrate.spec import calibration_from_text
    from scoresim.experiment.executors import local_pool

    out: Measures = {}
    with local_pool(p["workers"]) as engine, tempfile.TemporaryDirectory() as tmp:
        for method, n in (("abc", p["datasets_abc"]), ("neural", p["datasets_neural"])):
            cal = calibration_from_text(_file(p, seed, method == "neural"), f"coverage ({method})")
            summary = run_coverage(cal, Path(tmp) / method, n, engine)
            table = summary.verdict.table
            out[f"{method}.passed"] = int(summary.verdict.passed and not summary.outside_prior)
            out[f"{method}.usable"] = n - summary.excluded - summary.outside_prior
            out[f"{method}.outside_prior"] = summary.outside_prior
            out[f"{method}.simulations"] = summary.simulations
            for row in table.to_dict("records"):
                out[f"{method}.coverage.{row['parameter']}.{row['level']}"] = float(row["coverage"])
            for verdict in ("too narrow", "too wide"):
                out[f"{method}.{verdict}"] = int((table["verdict"] == verdict).sum())
    for scale in (1.0, 0.5):
        v = _planted(scale, seed)
        out[f"planted.{scale}.passed"] = int(v.passed)
        at90 = [r for r in v.table.to_dict("records") if r["level"] == 0.9]
        out[f"planted.{scale}.coverage90"] = float(at90[0]["coverage"])
    return out


def _planted(scale: float, seed: int, n: int = 300) -> Verdict:
    """The check on a conjugate normal model's posterior, its width times ``scale``."""
    from scoresim.calibrate.coverage import check, rank

    rng = np.random.default_rng(seed)
    s = 0.5
    ranks = []
    for _ in range(n):
        theta = rng.normal()
        x = rng.normal(theta, s)
        sd = np.sqrt(s**2 / (1 + s**2))
        ranks.append(rank(rng.normal(x / (1 + s**2), sd * scale, 400), None, theta))
    return check(pd.DataFrame({"theta": ranks}))


def point_checks(p: Params, m: Measures) -> list[Check]:
    """Each method passes its coverage check; the planted miscalibration is caught."""
    checks = []
    for method in ("abc", "neural"):
        at90 = ", ".join(f"{m[k]:.0%}" for k in m if k.startswith(f"{method}.coverage.") and k.endswith(".0.9"))  # fmt: skip
        checks.append(
            Check(
                f"coverage ({method}): every interval holds the truth as often as it claims",
                "consistent at 50/80/90/95%",
                f"{m[f'{method}.too narrow']} rows too narrow, {m[f'{method}.too wide']} too "
                f"wide, on {m[f'{method}.usable']} data sets"
                + (
                    f", {m[f'{method}.outside_prior']} more outside the prior"
                    if m.get(f"{method}.outside_prior")
                    else ""
                )
                + f" (90%: {at90})",
                "exact binomial, 95% for the whole table",
                bool(m[f"{method}.passed"]),
            )
        )
    checks.append(
        Check(
            "coverage check: the exact posterior of a normal model passes",
            "passes",
            f"90% interval holds the truth {m['planted.1.0.coverage90']:.0%}",
            "300 data sets",
            bool(m["planted.1.0.passed"]),
        )
    )
    checks.append(
        Check(
            "coverage check: a posterior shrunk to half its width is caught",
            "fails (about 59% at 90%)",
            f"90% interval holds the truth {m['planted.0.5.coverage90']:.0%}",
            "300 data sets",
            not m["planted.0.5.passed"],
        )
    )
    return checks


def suite(seed: int, full: bool) -> list[Check]:
    """No runs of its own."""
    return []


DEFAULTS: Params = {
    "agents": 400,
    "steps": 40,
    "datasets_abc": 20,
    "datasets_neural": 100,
    "population": 60,  # 20 is too narrow on the courts' coverage (docs/validation.md)
    "generations": 2,
    "simulations": 2000,
    "workers": 2,
}

CASE = Case(
    name="coverage",
    source="simulation-based calibration (Talts et al. 2018, arXiv:1804.06788), both methods",
    defaults=DEFAULTS,
    run=run,
    point_checks=point_checks,
    suite=suite,
    bounds={
        "agents": (100, 10**6),
        "steps": (10, 60_000),
        "datasets_abc": (2, 10_000),
        "datasets_neural": (2, 100_000),
        "population": (10, 10_000),
        "generations": (1, 20),
        "simulations": (50, 1_000_000),
        "workers": (1, 64),
    },
)
