"""Checking a scenario's timeline, and the scenario as it stands on a given day.

A timeline is checked like every other field, when the scenario is read:

- each day is a day of a run (0 to the most steps a run may have; a date needs the
  scenario's ``start_date``), and a ramp's ``from`` comes before its ``to``;
- each path is one ``--set`` accepts, outside what a run makes on day 0 and keeps
  (:data:`FIXED`: the people, their network, the plug-in mechanisms);
- no two changes of one path overlap: two sets on one day, or a set or a ramp inside
  another ramp's days, would leave which value holds to the order of the file;
- the scenario as it stands on every day a change begins or ends, and on the first
  day inside each ramp, passes every check a file gets. A ramp's values on the days
  between are on the segment between two checked values, and every bound a field has
  is an interval, so they pass too; a ramp of a whole-number field fails on its first
  day inside.

What a change may not do to a run already under way (add a column, change the
people) is checked where the scenario is compiled (:mod:`scoresim.engine.timeline`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from scoresim import limits
from scoresim.config.models import ScenarioConfig
from scoresim.config.overrides import known_paths, set_path
from scoresim.config.timeline import (
    Change,
    RampChange,
    SetChange,
    changes,
    day_number,
    related,
    values_at,
)
from scoresim.errors import ScenarioValueError

FIXED = ("name", "description", "start_date", "timeline", "groups", "people", "network", "mechanisms", "polls")  # fmt: skip
"""Sections a timeline cannot change: the run's identity, its people and network, the
plug-ins (whose hooks are started once) and the polls (whose designs and days the run's
summary reports; a timeline may change the interview model, ``interviews``)."""


def _fail(origin: str, path: str, message: str) -> ScenarioValueError:
    return ScenarioValueError(f"{origin}: {path}: {message}", path)


def check_days(cfg: ScenarioConfig, origin: str) -> list[Change]:
    """Each entry's days, as step numbers in range, and its changes.

    Raises:
        ScenarioValueError: A date without ``start_date``, a day outside a run, or a
            ramp that does not run forwards.
    """
    assert cfg.timeline is not None
    last = limits.RUN_STEPS - 1
    named: dict[str, int] = {}
    for k, e in enumerate(cfg.timeline):
        if e.name is not None and e.name in named:
            raise _fail(origin, f"timeline[{k}].name", f"{e.name!r} already names "
                        f"timeline[{named[e.name]}]; give each entry its own name (paths "
                        "such as timeline.NAME.day address one entry)")  # fmt: skip
        if e.name is not None:
            named[e.name] = k
        days = [("day", e.day)] if isinstance(e, SetChange) else [("from", e.start), ("to", e.end)]
        numbers = []
        for key, day in days:
            path = f"timeline[{k}].{key}"
            try:
                n = day_number(day, cfg.start_date)
            except ValueError as exc:
                raise _fail(origin, path, str(exc)) from None
            if not 0 <= n <= last:
                shown = str(n) if isinstance(day, int) else f"{day.isoformat()} is day {n}, so it"
                raise _fail(origin, path, f"{shown} is outside a run; a run's days "
                            f"are 0 (its first step{', ' + str(cfg.start_date) if cfg.start_date else ''}) "
                            f"to {last}")  # fmt: skip
            numbers.append(n)
        if isinstance(e, RampChange) and numbers[1] <= numbers[0]:
            raise _fail(origin, f"timeline[{k}].to", f"day {numbers[1]} is not after from (day "
                        f"{numbers[0]}); a ramp runs from an earlier day to a later one, or "
                        "use set for a change on one day")  # fmt: skip
    return changes(cfg.timeline, cfg.start_date)


def check_paths(found: list[Change], cfg: ScenarioConfig, origin: str) -> None:
    """Each path is one ``--set`` accepts and a timeline may change.

    Raises:
        ScenarioValueError: An unknown path (with the nearest known one), or a path in
            :data:`FIXED`.
    """
    import difflib

    known = known_paths(cfg.model_dump(mode="json"))
    for c in found:
        root = c.path.split(".", 1)[0]
        if root in FIXED:
            raise _fail(origin, c.where, (
                f"{root} cannot change during a run (the people, their network, the "
                "plug-in mechanisms and the polls' designs are set on day 0); a timeline "
                "changes the regime: sources, behaviours, scoring, blacklist, "
                "opportunities, rewards, shaming, response, interviews"))  # fmt: skip
        if c.path not in known:
            near = difflib.get_close_matches(c.path, sorted(known), n=1, cutoff=0.5)
            hint = f"did you mean {near[0]!r}?" if near else "`scoresim scenarios show --resolved NAME` prints every field"  # fmt: skip
            raise _fail(origin, c.where, f"no such field in the scenario; {hint}")


def check_overlaps(found: list[Change], origin: str) -> None:
    """No two changes of one path (or of a section and a field in it) overlap in time.

    Raises:
        ScenarioValueError: Naming the later of the two changes and the earlier one.
    """
    ordered = sorted(found, key=lambda c: (c.first, c.entry))
    for i, b in enumerate(ordered):
        for a in ordered[:i]:
            if related(a.path, b.path) and b.first <= a.last:
                when = f"day {a.first}" if a.kind == "set" else f"days {a.first} to {a.last}"
                raise _fail(origin, b.where, (
                    f"starts on day {b.first}, while {a.where} changes {a.path} ({when}); "
                    "which value holds would depend on the order of the entries: move one "
                    "of them, or merge them into one entry"))  # fmt: skip


Parse = Callable[[dict[str, Any], str], ScenarioConfig]
"""How a mapping becomes a checked scenario (``loading.parse_scenario``, which calls
this module: passed in rather than imported, so that the two do not import each other)."""


def check_timeline(cfg: ScenarioConfig, raw: dict[str, Any], origin: str, parse: Parse) -> None:
    """Every check of the module's docstring, in that order.

    Raises:
        ScenarioValueError: One line naming the entry's field, the value and the fix.
    """
    if not cfg.timeline:
        return
    found = check_days(cfg, origin)
    check_paths(found, cfg, origin)
    check_overlaps(found, origin)
    days = {d for c in found for d in (c.first, c.last)}
    days |= {c.first + 1 for c in found if c.kind == "ramp" and c.last > c.first + 1}
    for day in sorted(days):
        try:
            config_on(cfg, raw, found, day, "\x00", parse)
        except ScenarioValueError as exc:
            raise _blame(exc, found, day, origin) from None


def config_on(
    cfg: ScenarioConfig,
    raw: dict[str, Any],
    found: list[Change],
    day: int,
    origin: str,
    parse: Parse,
    resolved: dict[str, Any] | None = None,
) -> ScenarioConfig:
    """The scenario as it stands on ``day``: ``raw`` with the values in force set, checked.

    ``resolved`` is ``cfg`` dumped as JSON, for a caller that asks for many days.

    Raises:
        ScenarioValueError: The scenario on that day is not valid (``origin`` names it).
    """
    values = values_at(found, day)
    if not values:
        return cfg
    resolved = cfg.model_dump(mode="json") if resolved is None else resolved
    data = _thawed(raw, values)
    for path, value in values.items():
        # A section's value is copied: a later field set inside it must not write into
        # the timeline's own entry.
        set_path(data, path, copy.deepcopy(value) if isinstance(value, dict | list) else value, resolved)  # fmt: skip
    data.pop("timeline", None)  # checked above; the day's scenario has none of its own
    data.pop("mechanisms", None)  # a timeline cannot change them: keep them as validated
    on_day = parse(data, origin).model_copy(update={"mechanisms": cfg.mechanisms})
    on_day._sections = cfg._sections  # the plug-ins' sections, validated once on load
    return on_day


def _thawed(raw: dict[str, Any], paths: Any) -> dict[str, Any]:
    """A copy of ``raw`` in which what setting ``paths`` changes is copied, the rest shared.

    Every mapping and list on the way to each path is copied (a list's mappings too: a
    named item of a list, a poll, is addressed by its name), so setting the paths
    leaves ``raw`` as it was, without a deep copy of the whole scenario each day.
    """
    data = dict(raw)
    for path in paths:
        node: Any = data
        for key in str(path).split(".")[:-1]:
            if isinstance(node, list):  # a named item: copied with its list, go into it
                node = next((i for i in node if isinstance(i, dict) and i.get("name") == key), None)
                continue
            child = node.get(key) if isinstance(node, dict) else None
            if isinstance(child, dict):
                child = dict(child)
            elif isinstance(child, list):
                child = [dict(i) if isinstance(i, dict) else i for i in child]
            else:
                break
            node[key] = child
            node = child
    return data


def _blame(exc: ScenarioValueError, found: list[Change], day: int, origin: str) -> ScenarioValueError:  # fmt: skip
    """The message of a day's failed check, naming the change that made it fail."""
    inner = exc.path or ""
    text = str(exc).removeprefix("\x00: ")
    live = [c for c in found if c.first <= day]
    live.sort(key=lambda c: (c.first, c.entry))
    match = [c for c in live if inner == c.path or inner.startswith(c.path + ".")]
    if match:
        c = match[-1]
        rest = text.removeprefix(f"{inner}: ")
        rest = rest.replace(" is not allowed;", f" is not allowed on day {day};", 1)
        return _fail(origin, c.where, rest)
    c = live[-1] if live else found[0]
    return _fail(origin, f"timeline[{c.entry}]", f"on day {day}, {text}")
