"""Summary statistics of a run, as a calibration target names them.

A statistic reads one metric column (docs/model.md section 8) in one group's rows:

- ``aggregate: value`` (the default): the column on ``day``;
- ``aggregate: sum`` / ``mean``: the sum / mean of the column over days ``start`` to
  ``day``, both included (for count columns such as ``denied.travel``, a sum is the
  cumulative count);
- ``per_person: true`` divides the result by the row's ``population`` on ``day``;
- ``poll: NAME`` is the column ``poll.NAME.estimate`` on that poll's own day, and with
  ``field: F`` the column ``poll.NAME.F`` (``neutral``, ``effect.ARM.estimate``,
  ``by.sex.women.estimate``, ...);
- ``minus: STATISTIC`` subtracts another statistic, ``divide_by: STATISTIC`` divides
  by one (a gap between two polls, a ratio of two counts).

A statistic that cannot be computed in a run (a poll's sample too small, a division
by zero, ``per_person`` in a group with no people at the run's size) is NaN, and a particle with a NaN statistic is never accepted.
"""

from __future__ import annotations

import difflib
import math
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, StrictBool, model_validator

from scoresim.experiment.reading import Strict

if TYPE_CHECKING:
    from scoresim.engine.compile import Compiled


class Statistic(Strict):
    """How a run computes one number (see the module's docstring)."""

    metric: str | None = None
    poll: str | None = None
    field: str = "estimate"
    group: str = "all"
    day: Annotated[int, Field(ge=0)] | None = None
    start: Annotated[int, Field(ge=0)] = 0
    aggregate: Literal["value", "sum", "mean"] = "value"
    per_person: StrictBool = False
    minus: Statistic | None = None
    divide_by: Statistic | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Statistic:
        if (self.metric is None) == (self.poll is None):
            raise ValueError("give one of metric: COLUMN or poll: NAME")
        if self.minus is not None and self.divide_by is not None:
            raise ValueError("give minus or divide_by, not both (nest one inside the other)")
        if self.poll is not None and self.aggregate != "value":
            raise ValueError("a poll is asked on one day; leave out aggregate")
        if self.poll is None and self.field != "estimate":
            raise ValueError("field names a poll's column; give poll: NAME, or leave field out")
        return self


def poll_days(compiled: Compiled) -> dict[str, int]:
    """Each poll's day in a compiled scenario (for :func:`compute`)."""
    days: dict[str, int] = {}
    for active in compiled.mechanisms:
        section = active.section
        for poll in getattr(section, "polls", None) or []:
            days[poll.name] = poll.day
    return days


def check_statistic(
    stat: Statistic, compiled: Compiled, steps: int
) -> tuple[list[str], str] | None:
    """Why ``stat`` cannot be computed from a run of ``steps`` steps, or None.

    Returns:
        The field path within the statistic and a one-line message with the fix.
    """
    names = list(compiled.columns)
    groups = [*compiled.labels.groups, "all"]
    if stat.group not in groups:
        return ["group"], f"{stat.group!r} is not a group; use one of {', '.join(groups)}"
    if stat.poll is not None:
        polls = poll_days(compiled)
        if stat.poll not in polls:
            near = difflib.get_close_matches(stat.poll, list(polls), n=1)
            hint = f"did you mean {near[0]!r}?" if near else "name one of the scenario's polls"
            return ["poll"], f"{stat.poll!r} is not a poll of the scenario; {hint}"
        day = polls[stat.poll]
        column = f"poll.{stat.poll}.{stat.field}"
        if column not in names:
            fields = sorted(c.removeprefix(f"poll.{stat.poll}.") for c in names
                            if c.startswith(f"poll.{stat.poll}."))  # fmt: skip
            near = difflib.get_close_matches(stat.field, fields, n=1)
            hint = f"did you mean {near[0]!r}?" if near else f"use one of {', '.join(fields)}"
            return ["field"], f"{stat.field!r} is not a column of poll {stat.poll}; {hint}"
        if stat.day is not None and stat.day != day:
            return ["day"], f"{stat.day} is not poll {stat.poll}'s day ({day}); leave day out"
    else:
        assert stat.metric is not None
        if stat.metric not in names:
            near = difflib.get_close_matches(stat.metric, names, n=1)
            hint = f"did you mean {near[0]!r}?" if near else "see the metrics in docs/model.md"
            return ["metric"], f"{stat.metric!r} is not a metric of this regime; {hint}"
        if stat.day is None:
            return ["day"], "is missing; give the day (step, from 0) the statistic refers to"
        day = stat.day
        if stat.start > day:
            return ["start"], f"{stat.start} is after day {day}; give start <= day"
    if day >= steps:
        return [
            "day"
        ], f"{day} is not reached by a run of {steps} steps; raise run.steps to {day + 1}"
    for key, inner in (("minus", stat.minus), ("divide_by", stat.divide_by)):
        if inner is not None:
            problem = check_statistic(inner, compiled, steps)
            if problem is not None:
                return [key, *problem[0]], problem[1]
    return None


def compute(stat: Statistic, metrics: pd.DataFrame, poll_days: dict[str, int]) -> float:
    """The statistic's value in one run's metrics table (NaN when it cannot be computed)."""
    rows = metrics[metrics["group"] == stat.group].sort_values("step")
    steps = rows["step"].to_numpy()
    if stat.poll is not None:
        column, day = f"poll.{stat.poll}.{stat.field}", poll_days[stat.poll]
    else:
        assert stat.metric is not None and stat.day is not None
        column, day = stat.metric, stat.day
    col = rows[column].to_numpy(dtype=np.float64)
    at = int(np.searchsorted(steps, day))
    if at >= len(steps) or steps[at] != day:
        return math.nan
    if stat.aggregate == "value":
        value = float(col[at])
    else:
        first = int(np.searchsorted(steps, stat.start))
        window = col[first : at + 1]
        value = float(window.sum() if stat.aggregate == "sum" else window.mean())
    if stat.per_person:
        people = float(rows["population"].to_numpy()[at])
        value = value / people if people != 0 else math.nan  # a group with no people
    if stat.minus is not None:
        value -= compute(stat.minus, metrics, poll_days)
    if stat.divide_by is not None:
        under = compute(stat.divide_by, metrics, poll_days)
        value = value / under if under != 0 else math.nan
    return value


def why_missing(stat: Statistic, metrics: pd.DataFrame, poll_days: dict[str, int]) -> str | None:
    """Why :func:`compute` gives no finite number for ``stat`` in this run, or None.

    Returns:
        What is missing, e.g. ``its divisor, sum of list_entries over days 0-821, is 0``.
    """
    if math.isfinite(compute(stat, metrics, poll_days)):
        return None
    own = stat.model_copy(update={"minus": None, "divide_by": None})
    if not math.isfinite(compute(own, metrics, poll_days)):
        if stat.per_person and _people(own, metrics) == 0:
            return f"its group {stat.group} has no people on day {stat.day}"
        if stat.poll is not None:
            where = "" if stat.group == "all" else f" in group {stat.group}"
            return f"poll {stat.poll} has no estimate{where} (its sample gave none)"
        return f"{describe(own)} is not a number"
    for inner in (stat.minus, stat.divide_by):
        if inner is not None:
            why = why_missing(inner, metrics, poll_days)
            if why is not None:
                return why
    if stat.divide_by is not None and compute(stat.divide_by, metrics, poll_days) == 0:
        return f"its divisor, {describe(stat.divide_by)}, is 0"
    return f"{describe(stat)} overflows"


def _people(stat: Statistic, metrics: pd.DataFrame) -> float:
    """The population of ``stat``'s group on its day (NaN if the run has no such row)."""
    rows = metrics[(metrics["group"] == stat.group) & (metrics["step"] == stat.day)]
    return float(rows["population"].iloc[0]) if len(rows) else math.nan


def describe(stat: Statistic) -> str:
    """A short human description, e.g. ``sum of denied.travel over days 0-1539 per person``."""
    if stat.poll is not None:
        text = f"poll {stat.poll}" + ("" if stat.field == "estimate" else f" {stat.field}")
    elif stat.aggregate == "value":
        text = f"{stat.metric} on day {stat.day}"
    else:
        text = f"{stat.aggregate} of {stat.metric} over days {stat.start}-{stat.day}"
    if stat.group != "all":
        text += f" ({stat.group})"
    if stat.per_person:
        text += " per person"
    if stat.minus is not None:
        text += f" minus {describe(stat.minus)}"
    if stat.divide_by is not None:
        text += f" divided by {describe(stat.divide_by)}"
    return text


def as_json(stat: Statistic) -> dict[str, Any]:
    """The statistic's fields that are set, for run records."""
    return stat.model_dump(mode="json", exclude_defaults=True)
