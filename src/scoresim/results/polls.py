"""A run's polls as a table: each estimate, its interval, the truth and the bias.

The truth is the true private share in the same sample (docs/polls.md). Read from the ``poll.<name>.*`` metric columns on each poll's day, so a run folder's
``metrics.parquet`` and ``run.json`` always agree.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from scoresim.mechanisms.polls import FIELDS

DESCRIBE = ("day", "question", "design", "mode", "frame", "size")


def _number(x: Any) -> float | None:
    v = float(x)
    return None if math.isnan(v) else v


def poll_table(metrics: pd.DataFrame, polls: list[dict[str, Any]] | None, group: str = "all") -> list[dict[str, Any]]:  # fmt: skip
    """One dict per poll (the scenario's ``polls:`` as resolved, in order).

    Keys: ``name`` and the poll's ``day``, ``question``, ``design``, ``mode``,
    ``frame``, ``size``; ``asked`` (False when the run ended before its day); and
    ``estimate``, ``low``, ``high``, ``truth``, ``n``, ``bias`` (estimate - truth), all
    None when not asked or when the row's sample was too small.
    """
    rows: list[dict[str, Any]] = []
    for poll in polls or []:
        row: dict[str, Any] = {"name": poll["name"], **{k: poll[k] for k in DESCRIBE}}
        hit = metrics[(metrics["step"] == poll["day"]) & (metrics["group"] == group)]
        row["asked"] = not hit.empty
        values = {f: _number(hit.iloc[0][f"poll.{poll['name']}.{f}"]) if not hit.empty else None
                  for f in FIELDS}  # fmt: skip
        est, truth = values["estimate"], values["truth"]
        n = values["n"]
        values["n"] = None if n is None else int(n)
        row |= values
        row["bias"] = None if est is None or truth is None else est - truth
        rows.append(row)
    return rows
