"""A run's polls as a table: each estimate, its interval, the truth and the bias.

The truth is the true private share in the same sample (docs/polls.md). Read from the ``poll.<name>.*`` metric columns on each poll's day, so a run folder's
``metrics.parquet`` and ``run.json`` always agree.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from scoresim.mechanisms.experiment import ARM_FIELDS, EFFECT_FIELDS
from scoresim.mechanisms.polls import FIELDS

DESCRIBE = ("day", "question", "design", "mode", "frame", "size")


def _number(x: Any) -> float | None:
    v = float(x)
    return None if math.isnan(v) else v


def poll_table(metrics: pd.DataFrame, polls: list[dict[str, Any]] | None, group: str = "all") -> list[dict[str, Any]]:  # fmt: skip
    """One dict per poll (the scenario's ``polls:`` as resolved, in order).

    Keys: ``name`` and the poll's ``day``, ``question``, ``design``, ``mode``,
    ``frame``, ``size``; ``asked`` (False when the run ended before its day); and
    ``estimate``, ``low``, ``high``, ``truth``, ``n``, ``neutral``, the four parts of the
    bias and ``bias`` (estimate - truth), all None when not asked or when the row's
    sample was too small; and for a survey experiment ``arms``: one dict per arm with
    ``arm``, its ``estimate``, ``low``, ``high``, ``truth``, ``n`` and the effect's
    ``effect``, ``effect_low``, ``effect_high``, ``effect_truth``.
    """
    rows: list[dict[str, Any]] = []
    for poll in polls or []:
        row: dict[str, Any] = {"name": poll["name"], **{k: poll[k] for k in DESCRIBE}}
        hit = metrics[(metrics["step"] == poll["day"]) & (metrics["group"] == group)]
        row["asked"] = not hit.empty
        # A run saved before a field existed has no column for it: None.
        values = {f: _number(hit.iloc[0].get(f"poll.{poll['name']}.{f}", math.nan))
                  if not hit.empty else None for f in FIELDS}  # fmt: skip
        est, truth = values["estimate"], values["truth"]
        n = values["n"]
        values["n"] = None if n is None else int(n)
        row |= values
        row["bias"] = None if est is None or truth is None else est - truth
        if poll.get("experiment"):
            row["arms"] = [_arm(hit, poll["name"], arm) for arm in poll["experiment"]["arms"]]
        rows.append(row)
    return rows


def _arm(hit: pd.DataFrame, poll: str, arm: str) -> dict[str, Any]:
    """One arm's numbers from the poll's metrics row ``hit`` (empty if not asked)."""

    def value(column: str) -> float | None:
        return None if hit.empty else _number(hit.iloc[0][column])

    out: dict[str, Any] = {"arm": arm}
    out |= {f: value(f"poll.{poll}.arm.{arm}.{f}") for f in ARM_FIELDS}
    out["n"] = None if out["n"] is None else int(out["n"])
    names = {
        "estimate": "effect",
        "low": "effect_low",
        "high": "effect_high",
        "truth": "effect_truth",
    }
    out |= {names[f]: value(f"poll.{poll}.effect.{arm}.{f}") for f in EFFECT_FIELDS}
    return out
