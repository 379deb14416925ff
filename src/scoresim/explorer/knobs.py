"""The main knobs of a regime, as the explorer's page shows them.

Each knob names the scenario fields it sets (as ``--set`` paths) and their current
value; a knob a regime does not have (no source watching conduct, no points for its
dissent behaviour, no list) is left out, so the page offers only what the regime can
change. A number knob's range (and whether it takes whole numbers only) is one the
scenario's own validation accepts from end to end, so a value the page lets through
is never refused by the server; the page refuses the rest before sending.
"""

from __future__ import annotations

import math
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from scoresim import limits
from scoresim.config.loading import Scenario
from scoresim.config.models import ScenarioConfig
from scoresim.config.timeline import Change, SetChange, changes, related
from scoresim.results.life import words


def knobs(sc: Scenario) -> list[dict[str, Any]]:
    """The regime's main knobs: key, label, kind, paths, value and range.

    The first two follow the scenario's own declarations, not fixed names: the
    coverage of the first source (in file order) that watches a conduct behaviour,
    and the points for the dissent behaviour.
    """
    cfg = sc.config
    out: list[dict[str, Any]] = []
    conduct = {b for b, beh in cfg.behaviours.items() if beh.kind == "conduct"}
    watcher = next(
        (n for n, s in cfg.sources.items() if conduct & set(s.behaviours) and s.informants is None),
        None,
    )
    coverage = cfg.sources[watcher].coverage if watcher is not None else None
    if watcher is not None and isinstance(coverage, float):  # not one per group
        out.append(_number("conduct_coverage", f"Coverage of {words(watcher)}",
                           [f"sources.{watcher}.coverage"], coverage, 0.0, 1.0, 0.05,
                           unit="share of acts in sight"))  # fmt: skip
    dissent = cfg.dissent_behaviour
    points = cfg.scoring.points.get(dissent) if dissent is not None else None
    if dissent is not None and points is not None:
        # A tolerance of the behaviour needs it to cost points (the scenario's checks).
        top = -1 if dissent in cfg.scoring.tolerance else max(0, points)
        out.append(_number("dissent_points", f"Points for {words(dissent)}",
                           [f"scoring.points.{dissent}"], points, min(-200, points), top, 5,
                           integer=True, unit="points per act recorded"))  # fmt: skip
    bl = cfg.blacklist
    if bl is not None and bl.threshold is not None:
        out.append(_number("blacklist_threshold", "Blacklist threshold (score)",
                           ["blacklist.threshold"], bl.threshold, cfg.scoring.min,
                           cfg.scoring.max, 10, integer=True, unit="score points"))  # fmt: skip
    if cfg.sources:
        paths = [f"sources.{name}.false_positive_rate" for name in cfg.sources]
        rate = max(s.false_positive_rate for s in cfg.sources.values())
        # The arrows step within the rate's own order of magnitude (a court list's
        # 2e-7 must not jump to 0.0005 on one press).
        step = 10.0 ** math.floor(math.log10(rate)) if rate > 0 else 0.0005
        out.append(_number("false_positive_rate", "False-positive rate of every source", paths,
                           rate, 0.0, max(0.01, rate), min(step, 0.0005),
                           unit="false records per person-day in sight"))  # fmt: skip
    if cfg.shaming is not None:
        out.append({"key": "shaming", "label": "Public shaming", "kind": "switch",
                    "paths": ["shaming"], "value": True})  # fmt: skip
    return out + _timeline_knobs(sc)


def _timeline_knobs(sc: Scenario) -> list[dict[str, Any]]:
    """A knob for each named timeline entry's day (a set) and each of its numbers.

    A day knob's range is the days the entry can move to without meeting another
    change of its paths (docs/model.md, regimes in time); a number knob's is its
    field's own bounds. Only fractional fields with closed bounds get one: a
    whole-number field (a score, a tier's minimum) is bound to others as well as to its
    own range, which the page could not enforce.
    """
    cfg = sc.config
    if not cfg.timeline:
        return []
    found = changes(cfg.timeline, cfg.start_date)
    since = f" (day 0 is {cfg.start_date.isoformat()})" if cfg.start_date else ""
    out: list[dict[str, Any]] = []
    for k, entry in enumerate(cfg.timeline):
        if entry.name is None:
            continue
        mine = [c for c in found if c.entry == k]
        name = words(entry.name)
        if isinstance(entry, SetChange):
            lo, hi = _free_days(found, mine)
            out.append(_number(f"timeline_{entry.name}_day", f"Day of the change '{name}'{since}",
                               [f"timeline.{entry.name}.day"], mine[0].first, lo, hi, 1,
                               integer=True, unit="day"))  # fmt: skip
        for i, c in enumerate(mine):
            bounds = field_bounds(c.path)
            value = c.value if c.kind == "set" else c.value[1]
            if bounds is None or isinstance(value, bool) or not isinstance(value, int | float):
                continue
            lo_v, hi_v, whole = bounds
            if whole:  # whole numbers (points, tiers' minimums, terms) are bound to others
                continue
            path = f"timeline.{entry.name}.{c.kind}.{c.path}" + (".end" if c.kind == "ramp" else "")
            when = "from" if c.kind == "set" else "at the end of"
            step = _step(float(value), hi_v - lo_v)
            field = words(" ".join(c.path.split(".")[-2:]))  # "high speed rail demand"
            out.append(_number(f"timeline_{entry.name}_{i}", f"{field.capitalize()}, {when} '{name}'",
                               [path], value, lo_v, hi_v, step))  # fmt: skip
    return out


def _step(value: float, span: float) -> float:
    """An arrow's step in the value's own order of magnitude (or a hundredth of the span)."""
    if value > 0:
        return min(10.0 ** math.floor(math.log10(value)), span / 100)
    return span / 100


def _free_days(found: list[Change], mine: list[Change]) -> tuple[int, int]:
    """The days a set entry's changes can move to without overlapping another change."""
    day = mine[0].first
    lo, hi = 0, limits.RUN_STEPS - 1
    for c in mine:
        for other in found:
            if other.entry == c.entry:
                continue
            if not related(other.path, c.path):
                continue
            if other.last < day:
                lo = max(lo, other.last + 1)
            elif other.first > day:
                hi = min(hi, other.first - 1)
    return lo, hi


def field_bounds(path: str) -> tuple[float, float, bool] | None:
    """The closed bounds ``(lo, hi, whole numbers)`` of a scenario field, from its model.

    None where the path is not a number field or a bound is open or strict.
    """
    ann: Any = ScenarioConfig
    for part in path.split("."):
        model = _model_of(ann)
        if model is not None:
            info = model.model_fields.get(part)
            if info is None:
                return None
            ann = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
            continue
        mapping = next((a for a in _members(ann) if get_origin(a) is dict), None)
        if mapping is None:
            return None
        ann = get_args(mapping)[1]  # a named item: the key is ``part``
    for member in _members(ann):
        base, *meta = get_args(member) if get_origin(member) is Annotated else (member,)
        if base not in (int, float) or base is bool:
            continue
        found = {type(m).__name__: m for f in meta for m in getattr(f, "metadata", [f])}
        if "Ge" in found and "Le" in found:
            return float(found["Ge"].ge), float(found["Le"].le), base is int
    return None


def _members(ann: Any) -> list[Any]:
    """The members of a union (or the annotation itself)."""
    if get_origin(ann) is Union or isinstance(ann, types.UnionType):
        return list(get_args(ann))
    return [ann]


def _model_of(ann: Any) -> type[BaseModel] | None:
    for member in _members(ann):
        if get_origin(member) is Annotated:
            member = get_args(member)[0]
        if isinstance(member, type) and issubclass(member, BaseModel):
            return member
    return None


def _number(
    key: str,
    label: str,
    paths: list[str],
    value: float,
    lo: float,
    hi: float,
    step: float,
    *,
    integer: bool = False,
    unit: str = "",
) -> dict[str, Any]:
    return {"key": key, "label": label, "kind": "number", "paths": paths, "value": value,
            "min": lo, "max": hi, "step": step, "integer": integer, "unit": unit}  # fmt: skip
