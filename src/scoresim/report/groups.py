"""Per-group outcomes from a metrics table, and the four-fifths rule with Fisher's test.

Shared by the audit and the report's disparity chart. The four-fifths rule (US
EEOC, 29 CFR 1607.4(D)) compares groups' rates of the *favourable* outcome: a group
whose rate is under four fifths of the best-treated group's shows adverse impact. Here
the favourable outcomes are "not listed" (share of the group not on the list at the
end) and "granted" (share of the group's requests for an opportunity that were not
denied, over the run). A small group can fall under 0.8 by chance, so a pair of groups
is flagged only when Fisher's exact test (two-sided, SciPy) also finds the two rates
different at p < 0.05.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import pandas as pd

FOUR_FIFTHS = 0.8
ALPHA = 0.05


@dataclass(frozen=True)
class GroupCounts:
    """For each group: people, people listed (at the end), requests and denials (run).

    Attributes:
        population: people at the last step.
        listed: people on the list at the last step.
        wanted: requests for any opportunity over the run.
        denied: denials of any opportunity over the run.
    """

    population: dict[str, float]
    listed: dict[str, float]
    wanted: dict[str, float]
    denied: dict[str, float]


def group_counts(metrics: pd.DataFrame, groups: list[str]) -> GroupCounts:
    """Count listings (at the last step), requests and denials (summed) per group."""
    group_of = metrics["group"].astype(str).to_numpy()
    last = metrics[metrics["step"] == metrics["step"].max()]
    last_group = last["group"].astype(str).to_numpy()
    denied = [str(c) for c in metrics.columns if str(c).startswith("denied.")]
    wanted = [str(c) for c in metrics.columns if str(c).startswith("wanted.")]

    def at_end(column: str, g: str) -> float:
        return float(last[column].to_numpy(dtype=float)[last_group == g][0])

    def total(cols: list[str], g: str) -> float:
        return float(metrics.loc[group_of == g, cols].to_numpy().sum()) if cols else 0.0

    population = {g: at_end("population", g) for g in groups}
    return GroupCounts(
        population,
        {g: round(at_end("listed", g) * population[g]) for g in groups},
        {g: total(wanted, g) for g in groups},
        {g: total(denied, g) for g in groups},
    )


@dataclass(frozen=True)
class Disparity:
    """The four-fifths rule between the pair of groups with the lowest ratio.

    Attributes:
        rates: each group's favourable rate (groups with no trials left out).
        low, high: the pair's groups (lower rate first).
        ratio: ``rates[low] / rates[high]`` (1 when there is no pair).
        p_value: Fisher's exact test of the pair's 2x2 table (1 when there is no pair).
        flagged: whether any pair has ratio < 0.8 and p < 0.05.
    """

    rates: dict[str, float]
    low: str
    high: str
    ratio: float
    p_value: float
    flagged: bool


def disparity(favourable: dict[str, float], trials: dict[str, float]) -> Disparity:
    """Compare every pair of groups' favourable rates ``favourable[g] / trials[g]``."""
    from scipy.stats import fisher_exact

    rates = {g: favourable[g] / trials[g] for g in favourable if trials[g] > 0}
    worst = Disparity(rates, "", "", 1.0, 1.0, False)
    flagged = False
    for a, b in combinations(rates, 2):
        low, high = (a, b) if rates[a] <= rates[b] else (b, a)
        ratio = rates[low] / rates[high] if rates[high] > 0 else 1.0
        table = [
            [round(favourable[low]), round(trials[low] - favourable[low])],
            [round(favourable[high]), round(trials[high] - favourable[high])],
        ]
        p = float(fisher_exact(table, alternative="two-sided").pvalue)
        flagged = flagged or (ratio < FOUR_FIFTHS and p < ALPHA)
        if ratio < worst.ratio or not worst.low:
            worst = Disparity(rates, low, high, ratio, p, False)
    return Disparity(worst.rates, worst.low, worst.high, worst.ratio, worst.p_value, flagged)


def not_listed(counts: GroupCounts) -> Disparity:
    """The four-fifths rule on the share not listed at the end."""
    fav = {g: counts.population[g] - counts.listed[g] for g in counts.population}
    return disparity(fav, counts.population)


def granted(counts: GroupCounts) -> Disparity:
    """The four-fifths rule on the share of requests granted over the run."""
    fav = {g: counts.wanted[g] - counts.denied[g] for g in counts.wanted}
    return disparity(fav, counts.wanted)
