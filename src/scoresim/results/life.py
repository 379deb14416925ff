"""A followed person's life so far, in words: one line per day on which something happened.

Read from the followed table (``people.parquet``, docs/model.md section 8): "day 112:
did criticise government; social media saw criticise government; -50 points (score
950); now 'suspect'". Names are the scenario's, with underscores read as spaces;
nothing is said that the table does not hold.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

SEPARATOR = "; "
"""Between the names in one cell of a list column (``did``, ``seen_by``, ...)."""


QUIET_DAY = re.compile(r"day (?P<step>\d+): (?P<points>[+-]\d+) points \(score (?P<score>-?\d+)\)")
"""A day on which nothing but the score moved."""


def words(name: str) -> str:
    """A scenario name in words: underscores read as spaces."""
    return name.replace("_", " ")


def _names(cell: Any) -> list[str]:
    """A list column's cell ("a; b", or empty) as its names in words."""
    text = "" if cell is None or (isinstance(cell, float) and math.isnan(cell)) else str(cell)
    return [words(x) for x in text.split(SEPARATOR)] if text else []


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
        parts.append(f"now '{words(tier)}'")
    if not parts:
        return None
    return f"day {int(row['step'])}: " + "; ".join(parts)


def life(followed: pd.DataFrame, person: int, up_to: int | None = None, since: int = 0) -> list[str]:  # fmt: skip
    """``person``'s life in lines, from step ``since`` to step ``up_to`` (the end when None).

    One line per day on which something happened, except that a run of consecutive
    days on which only the score moved (most often its daily recovery) is one line:
    "days 30 to 41: +12 points over 12 days (score 963)".

    Raises:
        KeyError: ``person`` is not followed in the table.
    """
    days = [(s, line) for s, line in life_days(followed, person)
            if since <= s and (up_to is None or s <= up_to)]  # fmt: skip
    out: list[str] = []
    run: list[tuple[int, int, int]] = []  # (step, points, score) of the quiet days in a row

    def close() -> None:
        if len(run) == 1:
            s, points, score = run[0]
            out.append(f"day {s}: {points:+d} points (score {score})")
        elif run:
            total = sum(p for _, p, _ in run)
            out.append(f"days {run[0][0]} to {run[-1][0]}: {total:+d} points over "
                       f"{len(run)} days (score {run[-1][2]})")  # fmt: skip
        run.clear()

    for s, line in days:
        quiet = QUIET_DAY.fullmatch(line)
        if quiet is None or (run and s != run[-1][0] + 1):
            close()
        if quiet is None:
            out.append(line)
        else:
            run.append((s, int(quiet["points"]), int(quiet["score"])))
    close()
    return out


def life_days(followed: pd.DataFrame, person: int) -> list[tuple[int, str]]:
    """As :func:`life`, each line with its step (the page shows a life up to a day).

    Raises:
        KeyError: ``person`` is not followed in the table.
    """
    rows = followed[followed["id"] == person].sort_values("step")
    if rows.empty:
        raise KeyError(f"person {person} is not followed in this run")
    lines: list[tuple[int, str]] = []
    before: str | None = None
    for row in rows.to_dict("records"):
        line = day_line(row, before)
        if line is not None:
            lines.append((int(row["step"]), line))
        before = str(row["tier"])
    return lines
