"""The ``thresholds`` case: Granovetter (1978) cascades and Kuran's bandwagon.

Agent i acts once at least theta_i others act. From nobody acting, the number acting
is iterated synchronously, r <- #{i : theta_i <= r}, to its fixed point.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from scoresim.validation.framework import Case, Check, Measures, Params
from scoresim.validation.rng import make_streams

F64 = NDArray[np.float64]


def equilibrium(thresholds: F64) -> int:
    """The fixed point of r <- #{i : theta_i <= r} from r = 0 (exact; sorted search)."""
    ordered = np.sort(thresholds)
    r = 0
    while True:
        nxt = int(np.searchsorted(ordered, r, side="right"))
        if nxt == r:
            return r
        r = nxt


def share_equilibrium(thresholds_percent: F64) -> float:
    """Kuran's form: thresholds as percentages of the population; returns the share."""
    n = thresholds_percent.shape[0]
    s = 0.0
    while True:
        nxt = float(np.count_nonzero(thresholds_percent <= s * 100.0 + 1e-9)) / n
        if nxt == s:
            return s
        s = nxt


def draw_thresholds(p: Params, seed: int) -> F64:
    """Thresholds 0, 1, ..., n-1 (``uniform``) or n normal draws (``normal``)."""
    n = p["n"]
    if p["distribution"] == "uniform":
        out = np.arange(n, dtype=np.float64)
    else:
        streams, _ = make_streams(seed)
        out = p["mean"] + p["sd"] * streams.population.standard_normal(n)
    if p["perturb"]:
        out[out == 1.0] = 2.0
    return out


def run(p: Params, seed: int) -> Measures:
    """The equilibrium number (and share) acting."""
    eq = equilibrium(draw_thresholds(p, seed))
    return {"equilibrium": float(eq), "equilibrium_share": eq / p["n"]}


def mean_field_critical_sd(n: int = 100, mean: float = 25.0) -> float:
    """Find by bisection the spread above which the mean-field cascade runs to everyone.

    The map is r <- n Phi((r - mean) / sd), started at 0.
    """

    def final(sd: float) -> float:
        r = 0.0
        for _ in range(10_000):
            nxt = n * 0.5 * (1.0 + math.erf((r - mean) / (sd * math.sqrt(2.0))))
            if abs(nxt - r) < 1e-9:
                break
            r = nxt
        return r

    lo, hi = 1.0, 50.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if final(mid) > n / 2 else (mid, hi)
    return (lo + hi) / 2


def point_checks(p: Params, m: Measures) -> list[Check]:
    """Exact cascades of the uniform distribution, with and without the perturbation."""
    if p["distribution"] != "uniform":
        return []
    expected = 1.0 if p["perturb"] and p["n"] > 2 else float(p["n"])
    name = "uniform thresholds: " + (
        "one changed, cascade stops" if p["perturb"] else "full cascade"
    )
    return [Check(name, expected, m["equilibrium"], "exact", m["equilibrium"] == expected)]


# Kuran's ten-person example (thresholds in percent of the population).
KURAN = np.array([0, 20, 20, 30, 40, 50, 60, 70, 80, 100], dtype=np.float64)
KURAN_PRIME = np.array([0, 10, 20, 30, 40, 50, 60, 70, 80, 100], dtype=np.float64)


def suite(seed: int, full: bool) -> list[Check]:
    """Granovetter's 100 -> 1, Kuran's 10% -> 90%, and the critical spread."""
    out: list[Check] = []
    out += point_checks({**DEFAULTS, "perturb": True}, run({**DEFAULTS, "perturb": True}, seed))
    low = share_equilibrium(KURAN)
    high = share_equilibrium(KURAN_PRIME)
    out.append(
        Check(
            "Kuran: thresholds (0,20,20,30,...,100) -> public opposition",
            0.1,
            low,
            "exact",
            low == 0.1,
        )
    )
    out.append(
        Check("Kuran: one threshold 20 -> 10 gives the bandwagon", 0.9, high, "exact", high == 0.9)
    )
    crit = mean_field_critical_sd()
    out.append(
        Check(
            "normal thresholds (n 100, mean 25): mean-field critical sd",
            "between 10 and 15",
            round(crit, 3),
            "Granovetter's figure, read loosely",
            10.0 <= crit <= 15.0,
        )
    )
    seeds = range(seed, seed + (1000 if full else 200))
    for sd, want_full in ((8.0, False), (18.0, True)):
        p = {**DEFAULTS, "distribution": "normal", "sd": sd}
        share = float(np.mean([run(p, s)["equilibrium"] >= 0.99 * p["n"] for s in seeds]))
        ok = share >= 0.8 if want_full else share <= 0.2
        out.append(
            Check(
                f"normal thresholds, sd {sd:g}: share of runs with a full cascade",
                ">= 0.8" if want_full else "<= 0.2",
                round(share, 3),
                f"over {len(seeds)} seeds",
                ok,
            )
        )
    return out


DEFAULTS: Params = {
    "distribution": "uniform",
    "n": 100,
    "mean": 25.0,
    "sd": 10.0,
    "perturb": False,
}

CASE = Case(
    name="thresholds",
    source="Granovetter (1978) AJS 83(6); Kuran (1991) World Politics 44(1)",
    defaults=DEFAULTS,
    run=run,
    point_checks=point_checks,
    suite=suite,
    choices={"distribution": ("uniform", "normal")},
    bounds={"n": (1, 10**8), "mean": (-1e9, 1e9), "sd": (0.0, 1e9)},
)
