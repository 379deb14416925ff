"""The key measures of a run, derived from the scenario's own declarations.

One place decides what a run's headlines are, so that the CLI summary, the audit, the
report and the explorer show the same numbers under the same names for any regime,
built-in or a user's own: chilling of the scenario's ``dissent_behaviour`` and of its
other speech behaviours, preference falsification, conduct against its pressure-free
rate for every ``conduct`` behaviour, listings, denials of each declared opportunity,
cut ties and wealth. Nothing here knows a behaviour's name in advance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

WINDOW = 30
"""Steps over which rates are averaged at the end of a run (the last 30, or all)."""

How = Literal["tail", "last", "sum"]
Fmt = Literal["signed", "share", "count", "cny"]


@dataclass(frozen=True)
class Headline:
    """One key measure.

    Attributes:
        label: what the tables print, e.g. ``chilling of criticise_government``.
        column: the metrics column it is read from.
        how: ``tail`` (mean over the last :data:`WINDOW` steps), ``last`` (the last
            step) or ``sum`` (over all steps).
        fmt: ``signed`` (a signed percentage), ``share``, ``count`` or ``cny``.
        sign: multiplies the column (conduct is shown as +x% against pressure-free,
            the negative of chilling).
    """

    label: str
    column: str
    how: How
    fmt: Fmt
    sign: float = 1.0


def headlines(parameters: dict[str, Any]) -> list[Headline]:
    """The key measures of a scenario, given its resolved parameters (``run.json``'s).

    Args:
        parameters: the scenario as a plain dict (``ScenarioConfig.model_dump()``).
    """
    behaviours: dict[str, Any] = parameters.get("behaviours", {})
    dissent = parameters.get("dissent_behaviour")
    out: list[Headline] = []
    if dissent:
        out.append(Headline(f"chilling of {dissent}", f"chilling.{dissent}", "tail", "signed"))
    for name, b in behaviours.items():
        if b.get("kind") == "speech" and name != dissent:
            out.append(Headline(f"chilling of {name}", f"chilling.{name}", "tail", "signed"))
    if dissent:
        out += [
            Headline("falsification", "falsification", "tail", "share"),
            Headline("silent dissent", "silent_dissent", "tail", "share"),
            Headline(
                "silent dissent, pressure-free", "silent_dissent.pressure_free", "tail", "share"
            ),
            Headline("private dissent", "private_dissent", "last", "share"),
            Headline("expressed dissent", "expressed_dissent", "tail", "share"),
        ]
    for name, b in behaviours.items():
        if b.get("kind") == "conduct":
            out.append(
                Headline(f"{name} vs pressure-free", f"chilling.{name}", "tail", "signed", -1.0)
            )
    if parameters.get("blacklist") is not None:
        out += [
            Headline("listed", "listed", "last", "share"),
            Headline("listed wrongly", "listed_wrongly", "last", "share"),
        ]
    for name in parameters.get("opportunities", {}):
        out.append(Headline(f"denials: {name}", f"denied.{name}", "sum", "count"))
    out += [
        Headline("ties cut", "ties_cut", "last", "count"),
        Headline("wealth mean (CNY)", "wealth.mean", "last", "cny"),
    ]
    return out


def values(metrics: pd.DataFrame, parameters: dict[str, Any]) -> dict[str, float]:
    """Each headline's value for one run (its ``all`` rows), by label."""
    m = metrics[metrics["group"].astype(str) == "all"]
    tail = m.tail(WINDOW)
    out: dict[str, float] = {}
    for h in headlines(parameters):
        if h.column not in m:
            continue
        col = {"tail": tail, "last": m.tail(1), "sum": m}[h.how][h.column]
        value = float(col.sum()) if h.how == "sum" else float(col.mean())
        out[h.label] = h.sign * value
    return out


def fmt(h: Headline | Fmt, value: float) -> str:
    """``value`` as the headline's tables print it."""
    kind = h.fmt if isinstance(h, Headline) else h
    if kind in ("count", "cny"):
        return f"{value:,.0f}"
    return f"{value:+.1%}" if kind == "signed" else f"{value:.2%}"
