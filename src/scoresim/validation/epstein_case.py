"""The ``epstein`` validation case: checks of Model I against analysis and the paper."""

from __future__ import annotations

from dataclasses import asdict, fields

import numpy as np

from scoresim.validation.epstein import JAILED, RATIOS, UPDATES, EpsteinParams, measures, simulate
from scoresim.validation.framework import (
    Case,
    Check,
    Measures,
    Params,
    ValidationOptionError,
    greater,
    near,
)
from scoresim.validation.lattice import von_neumann

# NetLogo's Rebellion defaults (and Mesa's app sliders): the bursty regime.
BURSTY = {"legitimacy": 0.82, "cop_density": 0.04, "max_jail_term": 30}


def _params(p: Params) -> EpsteinParams:
    names = {f.name for f in fields(EpsteinParams)}
    return EpsteinParams(**{k: v for k, v in p.items() if k in names})


def consistent(p: Params) -> None:
    """Citizens and cops share the cells, and vision must not wrap onto itself.

    Raises:
        ValidationOptionError: densities summing to more than 1, or a vision
            diamond wider than the grid.
    """
    span = 2 * max(p["citizen_vision"], p["cop_vision"]) + 1
    if span > min(p["width"], p["height"]):
        raise ValidationOptionError(
            f"--set citizen_vision={p['citizen_vision']}, cop_vision={p['cop_vision']} (epstein): "
            f"a vision this wide wraps around a {p['width']}x{p['height']} torus onto itself; "
            "make the grid at least 2 x vision + 1 wide"
        )
    if p["citizen_density"] + p["cop_density"] > 1.0:
        raise ValidationOptionError(
            f"--set citizen_density={p['citizen_density']} and cop_density={p['cop_density']} "
            "(epstein): they sum to more than 1; lower one of them"
        )


def run(p: Params, seed: int) -> Measures:
    """Measures of one run of Model I with parameters ``p``."""
    return measures(simulate(_params(p), seed))


def first_step_share(legitimacy: float, threshold: float) -> float:
    """Share of citizens turning active in the first step when arrest is certain.

    Pr[H (1 - L) - R > T] with H, R ~ U(0, 1) is (a - T)^2 / (2a) for a = 1 - L > T.
    """
    a = 1.0 - legitimacy
    return (a - threshold) ** 2 / (2.0 * a) if a > threshold else 0.0


def point_checks(p: Params, m: Measures) -> list[Check]:
    """The analytic checks that hold for this configuration."""
    out: list[Check] = []
    grievance_max = 1.0 - p["legitimacy"]
    if p["cop_density"] == 0.0:
        expected = max(0.0, 1.0 - p["threshold"] / grievance_max) if grievance_max > 0 else 0.0
        out.append(
            near("no cops: active share = 1 - T/(1-L)", expected, m["active_fraction_mean"], 0.03)
        )
    if grievance_max <= p["threshold"]:
        out.append(
            Check(
                "no grievance above T: nobody ever active",
                0.0,
                m["active_max"],
                "exact",
                m["active_max"] == 0,
            )
        )
    cops_in_view = p["cop_density"] * von_neumann(p["citizen_vision"]).shape[0]
    if cops_in_view >= 5 and p["k"] >= 2.0 and grievance_max > p["threshold"]:
        expected = first_step_share(p["legitimacy"], p["threshold"])
        out.append(
            near(
                "first step: share turning active = (1-L-T)^2 / (2(1-L))",
                expected,
                m["first_step_active_fraction"],
                0.01,
            )
        )
    return out


def suite(seed: int, full: bool) -> list[Check]:
    """Analytic runs, monotone trends over seeds, and burstiness."""
    base = asdict(EpsteinParams())
    out: list[Check] = []
    quick = {"steps": 100}
    for change in ({"cop_density": 0.0}, {"legitimacy": 1.0}):
        p = {**base, **quick, **change}
        out += point_checks(p, run(p, seed))
    seeds = range(seed, seed + (30 if full else 8))
    steps = 1000 if full else 300
    bursty = {**base, **BURSTY, "steps": steps}

    def sample(change: Params, key: str) -> list[float]:
        return [run({**bursty, **change}, s)[key] for s in seeds]

    out.append(
        greater(
            "active count falls as legitimacy rises (0.76 -> 0.86)",
            sample({"legitimacy": 0.86}, "active_mean"),
            sample({"legitimacy": 0.76}, "active_mean"),
        )
    )
    out.append(
        greater(
            "active count falls as cops are added (0.03 -> 0.06)",
            sample({"cop_density": 0.06}, "active_mean"),
            sample({"cop_density": 0.03}, "active_mean"),
        )
    )
    out.append(
        greater(
            "jailed share rises with the maximum term (5 -> 200)",
            sample({"max_jail_term": 5}, "jailed_fraction_mean"),
            sample({"max_jail_term": 200}, "jailed_fraction_mean"),
        )
    )
    runs = [run({**bursty, "steps": 500 if not full else 1000}, s) for s in seeds]
    bursts = float(np.median([r["outbursts"] for r in runs]))
    cv = float(np.median([r["active_cv"] for r in runs]))
    out.append(
        Check(
            "bursts: outbursts above 50 actives (median)",
            ">= 2",
            bursts,
            "median over seeds",
            bursts >= 2,
        )
    )
    out.append(
        Check(
            "bursts: coefficient of variation of actives (median)",
            "> 1",
            round(cv, 3),
            "median over seeds",
            cv > 1,
        )
    )
    return out


CASE = Case(
    name="epstein",
    source="Epstein (2002), PNAS 99 suppl. 3, 7243-7250; Mesa 3.3 example defaults",
    defaults=asdict(EpsteinParams()),
    run=run,
    point_checks=point_checks,
    suite=suite,
    choices={"ratio": RATIOS, "jailed": JAILED, "update": UPDATES},
    consistent=consistent,
    bounds={
        "width": (3, 4000),
        "height": (3, 4000),
        "citizen_density": (0.0, 1.0),
        "cop_density": (0.0, 1.0),
        "citizen_vision": (1, 50),
        "cop_vision": (1, 50),
        "legitimacy": (0.0, 1.0),
        "max_jail_term": (0, 10**6),
        "threshold": (-1.0, 1.0),
        "k": (0.0, 100.0),
        "steps": (1, 10**6),
        "batches": (1, 10**7),
    },
)

__all__ = ["CASE", "first_step_share"]
