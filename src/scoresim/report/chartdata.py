"""The report's charts as plain data, drawn by two renderers (Plotly and matplotlib).

Each chart is built once from the subjects (runs or sweep points); the HTML page and
the PNG/SVG figures draw the same numbers, so they cannot disagree. This module holds
the data classes and the helpers every chart module shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from scoresim.report.data import Subject
from scoresim.report.glossary import Term


@dataclass
class Trace:
    """A line (x, y) or a bar series (y per category), with an optional band."""

    name: str
    x: list[float]
    y: list[float]  # NaN: nothing to draw there (no bar)
    color: int
    dash: bool = False
    low: list[float] | None = None
    high: list[float] | None = None
    ink: str = ""  # a colour of its own (#rrggbb), instead of its subject's


@dataclass
class Picture:
    """A drawn network sample: node positions and attributes, ties kept and cut.

    Colour is the score tier; the list is drawn apart from it (a ring), since a listing
    has its own term and rules and a listed person can be in any tier.
    """

    x: list[float]
    y: list[float]
    tier: list[str]
    tier_order: list[str]
    listed: list[bool]
    shamed: list[bool]
    kept: list[tuple[int, int]]
    cut: list[tuple[int, int]]
    wrongly: list[bool] = field(default_factory=list)  # on the list wrongly
    hover: list[str] = field(default_factory=list)  # each person in words


@dataclass
class Chart:
    """One figure of the report.

    Every axis but the network sample's starts at zero, so that a small change looks
    small; ``share`` charts print their y axis as percentages.
    """

    key: str
    title: str
    xlabel: str
    ylabel: str
    kind: str  # "lines", "bars" or "network"
    traces: list[Trace] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    threshold: float | None = None
    picture: Picture | None = None
    note: str = ""
    share: bool = False  # y is a share of people (0 to 1): drawn as percentages
    empty: str = ""  # why there is nothing to draw, written across an empty chart
    values: bool = False  # each bar labelled with its value
    terms: list[Term] = field(default_factory=list)  # the measures it shows, explained


# Axis titles, with their units: every axis of the report says what it counts.
DAYS = "days since the start"
SHARE = "share of people"


def _column(frame: pd.DataFrame | None, name: str, group: str) -> list[float]:
    assert frame is not None
    rows = frame[frame["group"].astype(str) == group].sort_values("step")
    return rows[name].astype(float).tolist()


def line(
    s: Subject, i: int, name: str, label: str, dash: bool = False, group: str = "all"
) -> Trace:
    """The metric ``name`` over time for subject ``s`` (with its band for a sweep point)."""
    rows = s.metrics[s.metrics["group"].astype(str) == group].sort_values("step")
    band = s.low is not None and s.high is not None
    return Trace(
        label,
        rows["step"].astype(float).tolist(),
        rows[name].astype(float).tolist(),
        i,
        dash,
        _column(s.low, name, group) if band else None,
        _column(s.high, name, group) if band else None,
    )


def tier_order(subjects: list[Subject]) -> list[str]:
    """Every subject's tiers, lowest first (as the scenario lists them), merged.

    A tier's colour follows its place in this order, so the same tier looks the same
    in every chart and every regime's picture.
    """
    order: list[str] = []
    for s in subjects:
        tiers = s.agents["tier"]
        if hasattr(tiers, "cat"):  # a run's agents table keeps the scenario's order
            names = [str(t) for t in tiers.cat.categories]
        else:  # a sweep's catalogue keeps names only; its tier columns are in order
            names = [str(c).removeprefix("tier.") for c in s.metrics.columns
                     if str(c).startswith("tier.")]  # fmt: skip
        for k, name in enumerate(names):
            if name in order:
                continue
            later = [n for n in names[k + 1 :] if n in order]  # keep below what it is below
            order.insert(order.index(later[0]) if later else len(order), name)
    return order


def last(s: Subject, group: str = "all") -> pd.Series:
    """The metrics row of ``group`` at the last step."""
    rows = s.metrics[s.metrics["group"].astype(str) == group].sort_values("step")
    return rows.iloc[-1]


def groups_of(s: Subject) -> list[str]:
    """The subject's groups, sorted, without ``all``."""
    return sorted({str(g) for g in s.metrics["group"]} - {"all"})
