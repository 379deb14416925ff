"""A run's timeline: the regime recompiled on each day a change begins, and applied.

On a day some value changes (:func:`scoresim.config.timeline.change_days`), the
scenario as it stands that day is compiled again and the run takes its parameters
from the next step on: the society's parts read the new regime, each mechanism's hook
is given its new parameters, and, where a behaviour's base rate or stance weight
moved, everyone's pressure-free log-odds move by the difference
(:func:`scoresim.society.state.rebase`). Nothing else of the run changes: the people,
their network, their state and every random number are the same, so two scenarios
that differ only from day D on give the same bits up to day D, and a timeline that
changes nothing gives the bits of none.

What a change may not do, because a run under way cannot follow it, is refused when
the run starts (:func:`check`), naming the change: add or remove a column (a
behaviour, a tier, an opportunity, a poll, a mechanism switched on or off), change the
people (their groups, traits, awareness, a start value such as ``scoring.start``), or
change what a mechanism's hook set up on day 0.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoresim.config.loading import Scenario, parse_scenario
from scoresim.config.models import ScenarioConfig
from scoresim.config.timeline import Change, change_days, changes
from scoresim.config.timeline_checks import config_on
from scoresim.core.network import Network
from scoresim.engine.compile import Compiled, compile_scenario
from scoresim.errors import OverrideError, ScenarioValueError
from scoresim.parts.base import same
from scoresim.society.measure import MetricsBuffer
from scoresim.society.state import CitizenState, rebase
from scoresim.society.step import Plan

MOVABLE = ("base_logit", "stance_weight", "prior_risk")
"""Population fields a change may move: the log-odds follow them (``prior_risk``, the
day-0 belief, is only a start value; the belief's anchor later is the adapt part's)."""


START = "set it in the scenario itself, where it takes effect on day 0"
OFF = "declare it in the scenario from day 0 with values that do nothing (a rate or demand of 0), and change those values on the day"  # fmt: skip


def difference(base: Compiled, other: Compiled) -> str | None:
    """Why a run compiled as ``base`` cannot go on as ``other`` (and what to do), or None."""
    if base.labels != other.labels or base.columns != other.columns:
        return f"it would change the run's columns (its behaviours, tiers, opportunities or polls); {OFF}"  # fmt: skip
    if [a.mechanism.name for a in base.mechanisms] != [a.mechanism.name for a in other.mechanisms]:  # fmt: skip
        return f"it would switch a mechanism on or off, whose hook is started on day 0; {OFF}"
    for f in dataclasses.fields(base.population):
        if f.name not in MOVABLE and not same(getattr(base.population, f.name), getattr(other.population, f.name)):  # fmt: skip
            what = f.name.replace("_", " ")
            return f"it would change how the people are made on day 0 (their {what}); {START}"
    if not same(base.network, other.network):
        return f"the network is made on day 0; {START}"
    if base.regime.listing.has_list != other.regime.listing.has_list:
        return ("it would switch the list on or off, whose listings run on; declare the "
                "list from day 0 and change its rates (entry events, exits) instead")  # fmt: skip
    for a, b in zip(base.mechanisms, other.mechanisms, strict=True):
        why = a.mechanism.changed(a.params, b.params)
        if why is not None:
            return f"{why}; {START}"
    return None


def check(scenario: Scenario, base: Compiled | None = None) -> list[Change]:
    """The scenario's changes, each checked to be one a run can follow.

    ``base`` is the scenario compiled, if the caller has it already.

    Each entry is compiled alone on its first day (its paths together: an entry may
    change fields that must agree), then the scenario as it stands on each day a
    change begins or ends, so that the message names the entry at fault.

    Raises:
        ScenarioValueError: ``origin: timeline[k].set.PATH: <why>; <what to do>``.
    """
    cfg = scenario.config
    if not cfg.timeline:
        return []
    found = changes(cfg.timeline, cfg.start_date)
    base = compile_scenario(cfg) if base is None else base
    for k in sorted({c.entry for c in found}):
        mine = [c for c in found if c.entry == k]
        why = difference(base, compile_scenario(config_on(cfg, scenario.raw, mine, mine[0].first, scenario.origin, parse_scenario)))  # fmt: skip
        if why is not None:
            where = mine[0].where if len(mine) == 1 else f"timeline[{k}]"
            raise ScenarioValueError(f"{scenario.origin}: {where}: {why}", where)
    for day in sorted({d for c in found for d in (c.first, c.last)}):
        why = difference(base, compile_scenario(config_on(cfg, scenario.raw, found, day, scenario.origin, parse_scenario)))  # fmt: skip
        if why is not None:
            c = max((c for c in found if c.first <= day), key=lambda c: (c.first, c.entry))
            raise ScenarioValueError(f"{scenario.origin}: {c.where}: on day {day}, {why}", c.where)  # fmt: skip
    return found


@dataclass
class RunTimeline:
    """One run's timeline, applied day by day (:meth:`apply`).

    Attributes:
        scenario: The scenario with its timeline.
        found: Its changes.
        now: The compiled scenario in force (the base one until the first change).
    """

    scenario: Scenario
    found: list[Change]
    now: Compiled
    _days: set[int] = field(default_factory=set)
    _resolved: dict[str, Any] = field(init=False)  # the scenario dumped, once

    def __post_init__(self) -> None:
        self._resolved = self.scenario.config.model_dump(mode="json")

    @classmethod
    def of(
        cls, scenario: Scenario, compiled: Compiled, found: list[Change] | None = None
    ) -> RunTimeline:
        """The timeline of ``scenario`` (compiled as ``compiled``), checked (:func:`check`).

        ``found`` is what :func:`check` returned for it, if the caller checked it already.
        """
        found = check(scenario, compiled) if found is None else found
        days = set(change_days(found, max((c.last for c in found), default=0) + 1))
        return cls(scenario, found, compiled, days)

    def config_on(self, day: int) -> ScenarioConfig | None:
        """The scenario as it stands on ``day`` if some value changes that day, else None."""
        if day not in self._days:
            return None
        sc = self.scenario
        return config_on(sc.config, sc.raw, self.found, day, sc.origin, parse_scenario, self._resolved)  # fmt: skip

    def apply(
        self, day: int, state: CitizenState, net: Network, hooks: Plan, buf: MetricsBuffer
    ) -> None:
        """Before step ``day``: take the day's parameters if some value changes on it."""
        cfg = self.config_on(day)
        if cfg is None:
            return
        new = compile_scenario(cfg)
        old = self.now
        # The log-odds are stored as float32: move them by the float32 values' difference.
        f32 = np.float32
        shift = new.population.base_logit.astype(f32) - old.population.base_logit.astype(f32)
        weight = new.population.stance_weight.astype(f32) - old.population.stance_weight.astype(f32)
        moved = bool(shift.any() or weight.any())
        if moved:
            rebase(state, net, shift, weight, new.population.conform_idx)
            buf.silence.clear()  # the pressure-free silence follows the log-odds
        for hook, a, b in zip(hooks.hooks, old.mechanisms, new.mechanisms, strict=True):
            if not same(a.params, b.params):
                retune: Any = getattr(hook, "retune")  # noqa: B009 - checked by difference()
                retune(b.params)
            if moved and hasattr(hook, "rebased"):  # a reference it took from the log-odds
                hook.rebased(state, net)
        self.now = new


def with_change(
    scenario: Scenario, base: Compiled, day: int, path: str, value: Any, own: int | None
) -> tuple[Scenario, int, list[Change]]:
    """``scenario`` with ``path`` set to ``value`` from ``day`` on, as a timeline entry.

    ``own`` is the position of the entry an earlier call made for the same day (None if
    none): the change is added to it, replacing that path's earlier value, so that a
    second change of one path on one day replaces the first. Otherwise a new entry
    ``{day: day, set: {path: value}}`` is appended. The file's own entries are never
    edited: a change of the same path on the same day there is refused as any two
    overlapping changes are.

    ``base`` is the scenario compiled (the run's, which the check compares with).

    Returns:
        The new scenario, the position of the entry made or extended, and the changes
        :func:`check` found (for :meth:`RunTimeline.of`).

    Raises:
        OverrideError, ScenarioValueError: One line naming ``Simulation.set PATH``.
    """
    if not isinstance(path, str) or not path:
        raise OverrideError(f"Simulation.set: path {path!r} is not a field path; give one such as sources.street_cameras.coverage")  # fmt: skip
    if isinstance(value, np.generic):  # NumPy's numbers as Python's, as overrides= takes them
        value = value.item()
    raw = copy.deepcopy(scenario.raw)
    entries = list(raw.get("timeline") or [])
    if own is not None:
        entries[own] = {**entries[own], "set": {**entries[own]["set"], path: value}}
        k = own
    else:
        entries.append({"day": day, "set": {path: value}})
        k = len(entries) - 1
    raw["timeline"] = entries
    origin = scenario.origin
    label = f"Simulation.set {path}"
    try:
        config = parse_scenario(raw, origin)
        changed = Scenario(config=config, origin=origin, raw=raw, overrides=scenario.overrides, _checked=True)  # fmt: skip
        found = check(changed, base)
    except ScenarioValueError as exc:
        text = str(exc).replace(f"{origin}: timeline[{k}].set.{path}: ", f"{label}: ", 1)
        text = text.replace(f"{origin}: timeline[{k}].day: ", f"{label}: day {day}: ", 1)
        text = text.replace(f"{origin}: timeline[{k}]: ", f"{label}: ", 1)
        raise ScenarioValueError(text, exc.path) from None
    return changed, k, found
