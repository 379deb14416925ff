"""Per-group harms from a metrics table, shared by the audit and the report's charts."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class GroupCounts:
    """For each group: people at the end, people listed at the end, denials over the run."""

    population: dict[str, float]
    listed: dict[str, float]
    denied: dict[str, float]


def group_counts(metrics: pd.DataFrame, groups: list[str]) -> GroupCounts:
    """Count listings (at the last step) and denials (summed over steps) per group."""
    group_of = metrics["group"].astype(str).to_numpy()
    last = metrics[metrics["step"] == metrics["step"].max()]
    last_group = last["group"].astype(str).to_numpy()
    denied = [str(c) for c in metrics.columns if str(c).startswith("denied.")]

    def at_end(column: str, g: str) -> float:
        return float(last[column].to_numpy(dtype=float)[last_group == g][0])

    population = {g: at_end("population", g) for g in groups}
    return GroupCounts(
        population,
        {g: at_end("listed", g) * population[g] for g in groups},
        {g: float(metrics.loc[group_of == g, denied].to_numpy().sum()) for g in groups},
    )


def rate_ratio(counts: dict[str, float], population: dict[str, float]) -> float:
    """The lowest group's rate over the highest's (1 when nobody is affected)."""
    rates = [counts[g] / population[g] for g in counts if population[g] > 0]
    top = max(rates, default=0.0)
    return min(rates) / top if top > 0 else 1.0
