"""The seed regime's polls against the surveys (docs/validation.md, "Polls against the evidence").

Not a speed benchmark: it measures what the built-in polls of ``seed`` say after a year,
over several seeds, with samples enlarged so that sampling does not hide the designs'
biases. It prints, per group, the polls' estimates; then each survey figure the polls
stand for beside the model's value (mean and sd over seeds) and the mean of its 95%
interval; then the group patterns the surveys report, with their signs.

Usage: python benchmarks/polls_evidence.py [--agents 100000] [--seeds 5] [--small]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import pandas as pd

import scoresim

SIZES = {"polls.kostka_online.size": 20_000, "polls.rt_direct.size": 20_000,
         "polls.rt_list.size": 40_000, "polls.xkc_information.size": 20_000}  # fmt: skip
Row = pd.Series


def _gap(r: Row, by: str = "") -> float:
    """Direct minus list support for the government, of all or of a ``by.`` category."""
    part = f"{by}." if by else ""
    return float(r[f"poll.rt_direct.{part}estimate"] - r[f"poll.rt_list.{part}estimate"])


# Each survey figure: (name, evidence, what it is, the model's value and interval from
# the "all" row of day 364).
FIGURES: list[tuple[str, str, Callable[[Row], tuple[float, float, float]]]] = [
    ("approval_direct", "about 0.80 (Kostka 2019)",
     lambda r: (r["poll.kostka_online.estimate"], r["poll.kostka_online.low"], r["poll.kostka_online.high"])),
    ("approval_neutral", "about 0.19 (Kostka 2019, unconfirmed)",
     lambda r: (r["poll.kostka_online.neutral"], np.nan, np.nan)),
    ("approval_disapproving", "about 0.01 (Kostka 2019, unconfirmed)",
     lambda r: (1 - r["poll.kostka_online.estimate"] - r["poll.kostka_online.neutral"], np.nan, np.nan)),
    ("government_direct", "0.87 to 0.95 face to face; above 0.90 (docs/sources.md 12)",
     lambda r: (r["poll.rt_direct.estimate"], r["poll.rt_direct.low"], r["poll.rt_direct.high"])),
    ("government_list", "0.50 to 0.70 (Carter et al. 2024, later)",
     lambda r: (r["poll.rt_list.estimate"], r["poll.rt_list.low"], r["poll.rt_list.high"])),
    ("government_gap", "0.245 to 0.265 (Robinson & Tannenberg 2019)",
     lambda r: (_gap(r), np.nan, np.nan)),
    ("information_effect_relative", "about -0.12 (Xu, Kostka & Cao 2022; of a 0-10 mean)",
     lambda r: (r["poll.xkc_information.effect.repression.estimate"] / r["poll.xkc_information.estimate"],
                r["poll.xkc_information.effect.repression.low"] / r["poll.xkc_information.estimate"],
                r["poll.xkc_information.effect.repression.high"] / r["poll.xkc_information.estimate"])),
]  # fmt: skip


# Each pattern: (name, the sign the survey found, the model's difference).
PATTERNS: list[tuple[str, str, Callable[[dict[str, Row]], float]]] = [
    ("approval urban - rural", "+ (Kostka)",
     lambda g: g["urban"]["poll.kostka_online.estimate"] - g["rural"]["poll.kostka_online.estimate"]),
    ("approval 60-99 - 20-34", "+ (Kostka: older)",
     lambda g: g["all"]["poll.kostka_online.by.age.60-99.estimate"] - g["all"]["poll.kostka_online.by.age.20-34.estimate"]),
    ("approval university - primary", "+ (Kostka: better educated)",
     lambda g: g["all"]["poll.kostka_online.by.education.university.estimate"]
     - g["all"]["poll.kostka_online.by.education.primary_or_less.estimate"]),
    ("gap urban - rural", "+ (R&T: urban)",
     lambda g: _gap(g["urban"]) - _gap(g["rural"])),
    ("gap women - men", "+ (R&T: female)",
     lambda g: _gap(g["all"], "by.sex.women") - _gap(g["all"], "by.sex.men")),
    ("gap 20-34 - 60-99", "+ (R&T: younger)",
     lambda g: _gap(g["all"], "by.age.20-34") - _gap(g["all"], "by.age.60-99")),
]  # fmt: skip


def measure(agents: int, seed: int, sizes: dict[str, int]) -> dict[str, Row]:
    """Day 364's metrics row of each group (and all) of one run of seed."""
    sc = scoresim.load_scenario("seed").with_overrides(sizes)
    sim = scoresim.Simulation(sc, agents=agents, seed=seed)
    sim.run(365)
    m = sim.metrics
    return {str(r["group"]): r for _, r in m[m["step"] == 364].iterrows()}


def _cell(values: list[float]) -> str:
    v = np.array(values, dtype=np.float64)
    sd = f" ({v.std(ddof=1):.3f})" if len(v) > 1 else ""
    return f"{v.mean():.3f}{sd}"


def main() -> None:
    """Print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=100_000)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--small", action="store_true", help="seed's own poll sizes (quick)")
    a = ap.parse_args()
    runs = [measure(a.agents, s, {} if a.small else SIZES) for s in range(a.seeds)]
    groups = list(runs[0])
    print(f"seed, {a.agents:,} agents, day 364, seeds 0 to {a.seeds - 1}")
    print(f"{'measure':<34}" + "".join(f"{g:>16}" for g in groups))
    per_group = {
        "approval_direct": "poll.kostka_online.estimate", "approval_truth": "poll.kostka_online.truth",
        "government_direct": "poll.rt_direct.estimate", "government_list": "poll.rt_list.estimate",
        "government_truth": "poll.rt_direct.truth",
    }  # fmt: skip
    for key, column in per_group.items():
        print(f"{key:<34}" + "".join(f"{_cell([r[g][column] for r in runs]):>16}" for g in groups))
    print(f"{'gap':<34}" + "".join(f"{_cell([_gap(r[g]) for r in runs]):>16}" for g in groups))
    print()
    print(f"{'survey figure':<30}{'model (sd)':>16}{'95% interval':>18}   evidence")
    for name, evidence, value in FIGURES:
        got = [value(r["all"]) for r in runs]
        ends = np.array([x[1:] for x in got], dtype=np.float64)
        interval = (
            "" if np.isnan(ends).any() else f"{ends[:, 0].mean():.3f} to {ends[:, 1].mean():.3f}"
        )
        print(f"{name:<30}{_cell([x[0] for x in got]):>16}{interval:>18}   {evidence}")
    print()
    print(f"{'group pattern':<30}{'model (sd)':>16}{'sign':>6}   survey")
    for name, sign, diff in PATTERNS:
        values = [diff(r) for r in runs]
        print(f"{name:<30}{_cell(values):>16}{'+' if np.mean(values) > 0 else '-':>6}   {sign}")


if __name__ == "__main__":
    main()
