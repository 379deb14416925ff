"""A followed person's life so far, in words: one line per day on which something happened.

Read from the followed table (``people.parquet``, docs/model.md section 8): "day 112:
did criticise government; social media saw criticise government; -50 points (score
950); now 'suspect'". Names are the scenario's, with underscores read as spaces;
nothing is said that the table does not hold.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

SEPARATOR = "; "
"""Between the names in one cell of a list column (``did``, ``seen_by``, ...)."""


def _words(name: str) -> str:
    return name.replace("_", " ")


def _names(cell: Any) -> list[str]:
    """A list column's cell ("a; b", or empty) as its names in words."""
    text = "" if cell is None or (isinstance(cell, float) and math.isnan(cell)) else str(cell)
    return [_words(x) for x in text.split(SEPARATOR)] if text else []


def day_line(row: Mapping[Any, Any], tier_before: str | None) -> str | None:
    """The day's line of one row of the followed table; None when nothing happened.

    Args:
        row: the row as a dict (columns of docs/model.md, section 8).
        tier_before: the person's tier the day before (None on the first day).
    """
    parts: list[str] = []
    did = _names(row["did"])
    if did:
        parts.append("did " + ", ".join(did))
    seen = [pair.replace(": ", " saw ", 1) for pair in _names(row["seen_by"])]
    if seen:
        parts.append("; ".join(seen))
    misread = [pair.replace(": ", " misread ", 1) for pair in _names(row["misread_by"])]
    parts.extend(misread)
    falsely = _names(row["recorded_falsely"])
    if falsely:
        parts.append("falsely recorded: " + ", ".join(falsely))
    points = int(row["points"])
    if points:
        parts.append(f"{points:+d} points (score {int(row['score'])})")
    if row["newly_listed"]:
        parts.append("put on the list" + (" wrongly" if row["listed_wrongly"] else ""))
    if row["left_list"]:
        parts.append(f"left the list ({row['left_list']})")
    if row["appealed"]:
        parts.append("appealed")
    denied = _names(row["denied"])
    if denied:
        parts.append("denied " + ", ".join(denied))
    if row["shamed"]:
        parts.append("made public")
    if int(row["ties_lost"]):
        lost = int(row["ties_lost"])
        parts.append(f"{lost} {'tie' if lost == 1 else 'ties'} cut")
    tier = str(row["tier"])
    if tier_before is not None and tier != tier_before:
        parts.append(f"now '{_words(tier)}'")
    if not parts:
        return None
    return f"day {int(row['step'])}: " + "; ".join(parts)


def life(followed: pd.DataFrame, person: int) -> list[str]:
    """Every day of ``person`` on which something happened, in order, as lines.

    Raises:
        KeyError: ``person`` is not followed in the table.
    """
    rows = followed[followed["id"] == person].sort_values("step")
    if rows.empty:
        raise KeyError(f"person {person} is not followed in this run")
    lines: list[str] = []
    before: str | None = None
    for row in rows.to_dict("records"):
        line = day_line(row, before)
        if line is not None:
            lines.append(line)
        before = str(row["tier"])
    return lines
