"""A regime in time: the ``timeline:`` section, and the values it gives each day.

A timeline is a list of dated changes of scenario fields, each addressed by the path
``--set`` takes::

    start_date: 2013-10-01          # optional: lets days be written as dates
    timeline:
      - {day: 800, set: {sources.street_cameras.coverage: 0.9}}
      - {from: 800, to: 1100, ramp: {opportunities.high_speed_rail.demand: [0.0003, 0.002]}}
      - {name: repair, day: 2016-01-01, set: {blacklist.payment_exit: 0.002}}

Day ``t`` is step ``t`` of a run (day 0 is its first step). A ``set`` gives its paths
their values from its day on. A ``ramp`` moves each path linearly from the first value
on day ``from`` to the second on day ``to`` (both days included) and holds the second
after; before ``from`` the path keeps what it had. An entry may have a ``name``, by
which ``--set``, sweeps and calibrations address its day or values
(``timeline.repair.day``, ``timeline.repair.set.blacklist.payment_exit``); an entry
without one is addressed by its position (``timeline.0.day``).

This module holds the models and the arithmetic of values in time; the checks that
need the whole scenario are in :mod:`scoresim.config.timeline_checks`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, Discriminator, Field, Tag

from scoresim import limits
from scoresim.config.types import StrictModel


def iso_date(value: Any) -> Any:
    """A date, or YYYY-MM-DD text, as it is; anything else is refused.

    Pydantic would read a number as a Unix time and a date-time as a date.
    """
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date | str):
        raise ValueError("give a date as YYYY-MM-DD")
    return value


EntryName = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
# A date in a file is a YAML date; a dumped scenario writes it as ISO text, read back too.
Day = int | Annotated[datetime.date, BeforeValidator(iso_date), Field(strict=False)]
RampValue = Annotated[list[float], Field(min_length=2, max_length=2)]  # [start, end]


class SetChange(StrictModel):
    """From ``day`` on, each path of ``set`` takes its value."""

    model_config = StrictModel.model_config | {"serialize_by_alias": True}

    name: EntryName | None = None
    day: Day
    values: Annotated[dict[str, Any], Field(alias="set", min_length=1, max_length=100)]


class RampChange(StrictModel):
    """Each path of ``ramp`` moves linearly from its first value on ``from`` to its second on ``to``."""

    model_config = StrictModel.model_config | {"serialize_by_alias": True}

    name: EntryName | None = None
    start: Annotated[Day, Field(alias="from")]
    end: Annotated[Day, Field(alias="to")]
    ramp: Annotated[dict[str, RampValue], Field(min_length=1, max_length=100)]


def _kind(value: Any) -> str | None:
    """Which kind of entry a mapping is: ``set-change``, ``ramp-change`` or neither."""
    if isinstance(value, SetChange | RampChange):
        return "set-change" if isinstance(value, SetChange) else "ramp-change"
    if not isinstance(value, dict):
        return None
    if "set" in value:
        return "set-change"
    if "ramp" in value:
        return "ramp-change"
    return None


# The tags hold a '-', so that a message's field path leaves them out.
TimelineEntry = Annotated[
    Annotated[SetChange, Tag("set-change")] | Annotated[RampChange, Tag("ramp-change")],
    Discriminator(
        _kind,
        custom_error_type="timeline_entry",
        custom_error_message="an entry has `day` and `set`, or `from`, `to` and `ramp`",
    ),
]
Timeline = Annotated[list[TimelineEntry], Field(max_length=limits.TIMELINE_ENTRIES)]


@dataclass(frozen=True)
class Change:
    """One path's change, its days as step numbers.

    Attributes:
        entry: The entry's position in the timeline.
        kind: ``"set"`` or ``"ramp"``.
        path: The field path it changes.
        first: The day it starts (a set's day, a ramp's ``from``).
        last: The day it ends (a set's day, a ramp's ``to``).
        value: A set's value, or a ramp's (start, end) pair.
    """

    entry: int
    kind: str
    path: str
    first: int
    last: int
    value: Any

    @property
    def where(self) -> str:
        """The change's field path in the file: ``timeline[2].ramp.PATH``."""
        return f"timeline[{self.entry}].{self.kind}.{self.path}"

    def at(self, day: int) -> Any:
        """The value it gives ``day`` (``first`` or later)."""
        if self.kind == "set":
            return self.value
        a, b = self.value
        if day >= self.last:
            return b
        return a + (b - a) * (day - self.first) / (self.last - self.first)


def related(a: str, b: str) -> bool:
    """Whether two paths name the same field, or one is a section the other lies in."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def day_number(day: int | datetime.date, start: datetime.date | None) -> int:
    """A day as a step number: an int as it is, a date counted from ``start``.

    Raises:
        ValueError: A date without a start date (the message is the fix).
    """
    if isinstance(day, datetime.date):
        if start is None:
            raise ValueError(
                f"{day.isoformat()} is a date but the scenario has no start_date; add "
                "start_date: YYYY-MM-DD (the date of day 0) or give the day as a number"
            )
        return (day - start).days
    return day


def changes(entries: list[Any], start: datetime.date | None) -> list[Change]:
    """Every path's change, in the order of the entries and of their paths.

    Raises:
        ValueError: A date without a start date.
    """
    out: list[Change] = []
    for k, e in enumerate(entries):
        if isinstance(e, SetChange):
            day = day_number(e.day, start)
            out += [Change(k, "set", p, day, day, v) for p, v in e.values.items()]
        else:
            a, b = day_number(e.start, start), day_number(e.end, start)
            out += [Change(k, "ramp", p, a, b, tuple(v)) for p, v in e.ramp.items()]
    return out


def values_at(found: list[Change], day: int) -> dict[str, Any]:
    """The value each changed path has on ``day``: that of its latest change begun by then.

    Paths whose first change is later than ``day`` are left out (they keep the
    scenario's own value). The paths come in the order their latest changes began.
    """
    latest: dict[str, Change] = {}
    for c in sorted(found, key=lambda c: (c.first, c.entry)):
        if c.first <= day:
            # Re-inserted, not overwritten: the dict stays in the order the latest
            # changes began, so that a section set after a field in it (or a field set
            # after its section) overrides it when both are applied in turn.
            latest.pop(c.path, None)
            latest[c.path] = c
    return {path: c.at(day) for path, c in latest.items()}


def change_days(found: list[Change], steps: int) -> Iterator[int]:
    """The days before ``steps`` on which some value changes, ascending.

    A set's day, and every day of a ramp from its ``from`` to its ``to``.
    """
    days: set[int] = set()
    for c in found:
        days.update(range(max(c.first, 0), min(c.last, steps - 1) + 1))
    yield from sorted(days)


KEYS = {"day", "from", "to", "set", "ramp"}


def _locate(entries: list[Any], path: str) -> tuple[dict[str, Any], list[Any]]:
    """The entry a ``timeline.<name or position>.<field>`` path names, and the keys into it.

    ``<field>`` is ``day``, ``from``, ``to``, ``set.<path>``, ``ramp.<path>`` (the
    pair) or ``ramp.<path>.start`` / ``.end`` (one of its values).

    Raises:
        ValueError: The entry or its field does not exist (the message says what does).
    """
    _, key, *rest = path.split(".", 2)
    names = [e.get("name") if isinstance(e, dict) else None for e in entries]
    if key in names:
        entry = entries[names.index(key)]
    elif key.isascii() and key.isdigit() and int(key) < len(entries):
        entry = entries[int(key)]
    else:
        known = [n if n else str(k) for k, n in enumerate(names)]
        raise ValueError(f"no timeline entry {key!r}; the entries are {', '.join(known) or 'none'} (by name, or by position from 0)")  # fmt: skip
    if not isinstance(entry, dict) or not rest:
        raise ValueError("name a field of the entry: day, from, to, set.PATH or ramp.PATH")
    field, _, inner = rest[0].partition(".")
    if field in ("day", "from", "to") and not inner and field in entry:
        return entry, [field]
    values = entry.get(field)
    if field in ("set", "ramp") and isinstance(values, dict) and inner:
        if inner in values:
            return entry, [field, inner]
        head, _, side = inner.rpartition(".")
        if field == "ramp" and side in ("start", "end") and head in values:
            return entry, [field, head, 0 if side == "start" else 1]
    have = ", ".join(sorted(f"{k}.{p}" if k in ("set", "ramp") else k for k in entry if k in KEYS
                            for p in (entry[k] if isinstance(entry[k], dict) else [""])))  # fmt: skip
    raise ValueError(f"the entry has no {rest[0]!r}; it has {have}")


def get_at(entries: list[Any], path: str) -> Any:
    """The value a timeline path names (see :func:`_locate`)."""
    node, keys = _locate(entries, path)
    value: Any = node
    for k in keys:
        value = value[k]
    return value


def set_at(entries: list[Any], path: str, value: Any) -> None:
    """Set the value a timeline path names, in place (a ramp's pair is copied first)."""
    node, keys = _locate(entries, path)
    if len(keys) == 3:
        pair = list(node[keys[0]][keys[1]])
        pair[keys[2]] = value
        node[keys[0]] = {**node[keys[0]], keys[1]: pair}
    elif len(keys) == 2:
        node[keys[0]] = {**node[keys[0]], keys[1]: value}
    else:
        node[keys[0]] = value
