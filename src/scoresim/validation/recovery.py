"""The ``calibration`` case: simulation-based recovery of known parameters.

Data are simulated from ``court-blacklist`` at known values of two parameters (the
daily rate of the first ground, refusing to perform a judgment, and how often a
person wants to travel), then calibrated by ``scoresim calibrate``'s
own machinery (pyabc's ABC-SMC, the ordered sampler, the folder's store) from wide
log-uniform priors. A calibration that works puts each known value inside its
posterior's 90% interval in about 90% of repeats; the check asks for at least 80%
(8 of 10 with ``--full``; 2 of 3 by default, the small version CI runs). Each
repeat's data come from their own seed, and each target's uncertainty is the
standard deviation of that statistic over 10 pilot simulations at the known values,
so the targets are as noisy as the data are (Talts et al. 2018, "Validating
Bayesian inference algorithms with simulation-based calibration", arXiv:1804.06788,
is the general method; this is its interval-coverage form).
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from scoresim.validation.framework import Case, Check, Measures, Params

TRUTH = {
    "behaviours.refuse_to_perform.base_rate": 3.0e-4,
    "opportunities.travel.demand": 1.0e-2,
}
PRIORS = {
    "behaviours.refuse_to_perform.base_rate": (3.0e-5, 3.0e-3),
    "opportunities.travel.demand": (1.0e-3, 1.0e-1),
}
# The rest of the regime is pinned here, so that calibrating court-blacklist itself
# (docs/calibration.md) does not move this case.
FIXED = {
    "behaviours.obstruct_enforcement.base_rate": 1.0e-5,
    "behaviours.hide_assets.base_rate": 1.0e-5,
    "behaviours.false_asset_report.base_rate": 1.0e-5,
    "behaviours.breach_spending_ban.base_rate": 1.0e-5,
    "behaviours.breach_settlement.base_rate": 1.0e-5,
    "blacklist.payment_exit": 5.0e-4,
    "opportunities.high_speed_rail.demand": 5.0e-3,
    # The list before its history was modelled (constant rates): no timeline, every
    # attempt blocked, the coverage, term and extension the regime had then.
    "timeline": None,
    "blacklist.enforcement.travel": 1.0,
    "blacklist.enforcement.high_speed_rail": 1.0,
    "sources.courts.coverage": 0.8,
    "blacklist.term": 730,
    "blacklist.extension": 365,
    # and the stake it had before its calibration set it to 0
    "blacklist.stake": 30,
}
SHORT = {"behaviours.refuse_to_perform.base_rate": "ground-1 rate", "opportunities.travel.demand": "travel demand"}  # fmt: skip
PILOTS = 10


def _text(p: Params, seed: int, observed: dict[str, float], sd: dict[str, float]) -> str:
    last = p["steps"] - 1
    third = p["steps"] // 3
    lines = [
        "scenario: court-blacklist",
        f"seed: {seed}",
        f"run: {{agents: {p['agents']}, steps: {p['steps']}, replicates: 1}}",
        "fixed:",
        *[f"  {k}: {'null' if v is None else repr(v)}" for k, v in FIXED.items()],
        "parameters:",
        *[
            f"  {k}: {{prior: log-uniform, low: {a!r}, high: {b!r}}}"
            for k, (a, b) in PRIORS.items()
        ],
        "targets:",
    ]
    stats = {
        "listed_early": f"metric: listed, day: {third}",
        "listed_late": f"metric: listed, day: {last}",
        "travel_denials": f"metric: denied.travel, day: {last}, aggregate: sum, per_person: true",
    }
    for name, stat in stats.items():
        lines.append(
            f"  - {{name: {name}, value: {observed[name]!r}, sd: {sd[name]!r}, {stat}, "
            "source: simulated at the known values}"
        )
    lines.append(
        f"abc: {{population: {p['population']}, generations: {p['generations']}, "
        "min_epsilon: 1.0, predictive: 0}"
    )
    return "\n".join(lines) + "\n"


def run(p: Params, seed: int) -> Measures:
    """Calibrate ``repeats`` data sets; count the repeats whose interval holds each truth."""
    from scoresim.calibrate.model import Simulator
    from scoresim.calibrate.neural import population
    from scoresim.calibrate.results import posterior_table
    from scoresim.calibrate.runner import run_calibration
    from scoresim.calibrate.spec import calibration_from_text
    from scoresim.experiment.executors import local_pool
    from scoresim.experiment.seeds import child_seed

    names = ("listed_early", "listed_late", "travel_denials")
    # The simulator needs a calibration; its targets' values and sds play no part in it.
    unused = {n: 1.0 for n in names}
    sim = Simulator(calibration_from_text(_text(p, seed, unused, unused), "recovery"))
    pilots = [sim.statistics(TRUTH, [child_seed(seed, 9, 0, k)]) for k in range(PILOTS)]
    sd = {n: max(float(np.std([s[n] for s in pilots], ddof=1)), 1e-6) for n in names}
    inside = {(m, k): 0 for m in METHODS for k in TRUTH}
    agree = {k: 0 for k in TRUTH}
    widths: dict[tuple[str, str], list[float]] = {(m, k): [] for m in METHODS for k in TRUTH}
    with local_pool(p["workers"]) as engine, tempfile.TemporaryDirectory() as tmp:
        net = _network(p, seed, sd, engine, Path(tmp) / "neural") if p["simulations"] else None
        for r in range(p["repeats"]):
            observed = sim.statistics(TRUTH, [child_seed(seed, 9, 1, r)])
            cal = calibration_from_text(_text(p, seed + 1 + r, observed, sd), f"recovery {r}")
            summary = run_calibration(cal, Path(tmp) / f"r{r}", engine)
            tables = {"abc": posterior_table(cal, summary.population, fit=None)}
            if net is not None:  # the same network for every repeat: it is amortised
                draws = net.sample(observed, 1000, 3, r)
                tables["neural"] = posterior_table(cal, population(cal, draws), fit=None)
            for m, table in tables.items():
                for row in table.to_dict("records"):
                    k = str(row["parameter"])
                    inside[m, k] += int(row["posterior_low"] <= TRUTH[k] <= row["posterior_high"])
                    widths[m, k].append(float(row["width_ratio"]))
            if net is not None:
                a, n = ({str(row["parameter"]): row for row in tables[m].to_dict("records")}
                        for m in METHODS)  # fmt: skip
                for k in TRUTH:
                    agree[k] += int(_within(n[k], a[k]) and _within(a[k], n[k]))
    out: Measures = {"repeats": p["repeats"]}
    for k in TRUTH:
        out[f"inside.{k}"] = inside["abc", k]
        out[f"width_ratio.{k}"] = float(np.mean(widths["abc", k]))
        if net is not None:
            out[f"inside_neural.{k}"] = inside["neural", k]
            out[f"width_ratio_neural.{k}"] = float(np.mean(widths["neural", k]))
            out[f"agree.{k}"] = agree[k]
    return out


def _within(row: dict[Any, Any], other: dict[Any, Any]) -> bool:
    """Whether ``row``'s posterior median lies in ``other``'s 90% interval."""
    return bool(other["posterior_low"] <= row["posterior_median"] <= other["posterior_high"])


def _network(p: Params, seed: int, sd: dict[str, float], engine: Any, out: Path) -> Any:
    """The neural method's network for every repeat: trained on ``simulations`` from the prior."""
    from scoresim.calibrate import neural
    from scoresim.calibrate.spec import calibration_from_text
    from scoresim.calibrate.store import CalibrationStore

    text = _text(p, seed, dict.fromkeys(sd, 0.0), sd)
    text = text.replace("abc: {", f"method: neural\nneural: {{simulations: {p['simulations']}}}\nabc: {{")  # fmt: skip
    cal = calibration_from_text(text, "recovery, neural")
    store = CalibrationStore.open(out, cal)
    try:
        neural.simulate(cal, store, engine, None)
        theta, x = neural.training_set(cal, store)
    finally:
        store.close()
    return neural.Posterior(cal, theta, x)


def point_checks(p: Params, m: Measures) -> list[Check]:
    """Each known value inside each method's 90% interval in 80% of the repeats or more.

    And the two methods' medians each inside the other's interval as often.
    """
    need = math.floor(0.8 * p["repeats"])
    checks = []
    for method, suffix in (("ABC", ""), ("neural", "_neural")):
        if f"inside{suffix}.{next(iter(TRUTH))}" not in m:
            continue
        for k in TRUTH:
            got = int(m[f"inside{suffix}.{k}"])
            checks.append(
                Check(
                    f"recovery ({method}): {SHORT[k]} inside the 90% interval, {p['repeats']} repeats",
                    f">= {need} of {p['repeats']}",
                    f"{got} of {p['repeats']} (mean width {m[f'width_ratio{suffix}.{k}']:.2f} of the prior's)",
                    "80% of repeats, rounded down",
                    got >= need,
                )
            )  # fmt: skip
    for k in TRUTH:
        if f"agree.{k}" in m:
            got = int(m[f"agree.{k}"])
            checks.append(
                Check(
                    f"ABC and neural agree on {SHORT[k]}: each median inside the other's 90% interval",
                    f">= {need} of {p['repeats']}",
                    f"{got} of {p['repeats']}",
                    "80% of repeats, rounded down",
                    got >= need,
                )
            )  # fmt: skip
    return checks


def suite(seed: int, full: bool) -> list[Check]:
    """With ``--full``, the 10-repeat version of the point checks."""
    if not full:
        return []
    p = {**DEFAULTS, "repeats": 10}
    return point_checks(p, run(p, seed))


DEFAULTS: Params = {
    "agents": 3000,
    "steps": 120,
    "repeats": 3,
    "population": 40,
    "generations": 3,
    "workers": 2,
    "simulations": 1500,
}
METHODS = ("abc", "neural")


def _consistent(p: Params) -> None:
    """The network needs 50 simulations or more (0: no neural fit)."""
    from scoresim.validation.framework import ValidationOptionError

    if 0 < p["simulations"] < 50:
        raise ValidationOptionError(
            f"--set simulations={p['simulations']} (calibration): out of range; use 0 (no "
            "neural fit) or 50 or more"
        )


CASE = Case(
    name="calibration",
    source="simulation-based calibration (Talts et al. 2018, arXiv:1804.06788), interval form",
    defaults=DEFAULTS,
    run=run,
    point_checks=point_checks,
    suite=suite,
    consistent=_consistent,
    bounds={
        "agents": (500, 10**6),
        "steps": (30, 60_000),
        "repeats": (1, 100),
        "population": (10, 10_000),
        "generations": (1, 20),
        "workers": (1, 64),
        "simulations": (0, 1_000_000),
    },
)
