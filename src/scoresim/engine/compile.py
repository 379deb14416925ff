"""Compile a validated scenario into the frozen numbers the core reads.

This is the only place where user-facing configuration becomes arrays: each part of
the regime by its own step (:mod:`scoresim.engine.compile_parts`; the built-in
mechanisms' rates by the mechanism), then the scenario's mechanisms in the order they
act, with a check that no mechanism's column overwrites another's. It is also where
what a part needs of another part's numbers is copied into the part's own parameters
(a part reads nothing else when it runs): the society's parts through
:mod:`~scoresim.engine.compile_parts`, the built-in mechanisms by being made with
their copies (:func:`_mechanisms`). Every call into a plug-in's code runs behind
:mod:`scoresim.parts.guard`'s fence, and its hook runs wrapped, so its errors
name it and it writes only the columns it declared.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from scoresim.config.models import ScenarioConfig
from scoresim.core.crn import Keys
from scoresim.core.network import Network, NetworkParams
from scoresim.engine import compile_parts as parts
from scoresim.engine.compile_parts import Names
from scoresim.errors import ScenarioValueError
from scoresim.mechanisms.builtin import Shaming, StanceDrift
from scoresim.mechanisms.catalog import BUILTIN
from scoresim.parts.base import Mechanism
from scoresim.parts.guard import GuardedHook, PluginRef, fault
from scoresim.parts.registry import lookup
from scoresim.society.hooks import StepHook
from scoresim.society.measure import metric_names
from scoresim.society.params import Labels, PopulationParams, RegimeParams
from scoresim.society.state import CitizenState
from scoresim.society.step import Plan, plan


@dataclass(frozen=True)
class Active:
    """One mechanism a scenario switches on: its section and its compiled parameters.

    Attributes:
        mechanism: The mechanism.
        section: Its validated section.
        params: What its ``compile`` returned.
        columns: Its metric columns (asked once, when the scenario is compiled).
        plugin: Who it is, for a plug-in (whose code runs behind the fence); None for a
            built-in one.
    """

    mechanism: Mechanism
    section: Any
    params: Any
    columns: tuple[str, ...] = ()
    plugin: PluginRef | None = None


@dataclass(frozen=True)
class Compiled:
    """Everything the core needs for one scenario.

    ``mechanisms`` holds the scenario's mechanisms (built-ins first, then the
    plug-ins in the scenario's order), each with its validated section and its compiled
    parameters, in the order they act; :func:`start_hooks` starts them for a run.
    """

    population: PopulationParams
    network: NetworkParams
    regime: RegimeParams
    labels: Labels
    mechanisms: tuple[Active, ...] = ()

    @property
    def extra_columns(self) -> tuple[str, ...]:
        """The metric columns the mechanisms add, in their order."""
        return tuple(c for a in self.mechanisms for c in a.columns)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every metric column of a run, in the table's order.

        The core's columns, then the mechanisms': the one list that runs, sweep
        outputs and calibration targets all accept.
        """
        return (*metric_names(self.labels), *self.extra_columns)


def compile_scenario(cfg: ScenarioConfig) -> Compiled:
    """Turn a validated :class:`ScenarioConfig` into core parameters, part by part.

    The parts are compiled in the order their copies need (see
    :mod:`~scoresim.engine.compile_parts`): the score's objects and the shaming
    mechanism's own rates first, then ``behave``, which copies from them, then the
    parts that copy from ``behave``.
    """
    names = Names.of(cfg)
    pop = parts.population(cfg, names)
    sc = parts.score(cfg)
    li = parts.listing(cfg, names)
    own_shaming = Shaming.params(cfg.shaming)
    be = parts.behave(cfg, names, sc, li, own_shaming)
    obs = parts.observe(cfg, names, be)
    drift = parts.drift(StanceDrift.params(cfg.stance_drift), be)
    regime = RegimeParams(
        behave=be,
        observe=obs,
        score=sc,
        listing=li,
        consequences=parts.consequences(cfg, names, sc),
        association=parts.association(sc, li),
        adapt=parts.adapt(cfg, pop, obs, names, be, own_shaming),
        shaming=parts.shaming(own_shaming, be),
        drift=drift,
        measure=parts.measure(names, be, sc, drift),
    )
    labels = Labels(
        groups=tuple(names.groups),
        behaviours=tuple(names.behaviours),
        kinds=tuple(cfg.behaviours[b].kind for b in names.behaviours),
        tiers=tuple(names.tiers),
        opportunities=tuple(names.opportunities),
        education=tuple(cfg.people.education or ()) if cfg.people else (),
        age_bands=tuple(cfg.people.age or ()) if cfg.people else (),
    )
    people = parts.start_values(pop, be, sc, regime.adapt, regime.shaming)
    return Compiled(people, parts.network(cfg), regime, labels, _mechanisms(cfg, labels, regime))


def _mechanisms(cfg: ScenarioConfig, labels: Labels, regime: RegimeParams) -> tuple[Active, ...]:
    """The scenario's mechanisms, each compiled once, their columns checked for clashes.

    The built-in parts of :data:`~scoresim.mechanisms.catalog.BUILTIN` the scenario
    switches on come first, each made with what it reads of the compiled ``regime``
    (its own object of it, or copies of other parts' numbers), then the plug-ins in
    the order the scenario lists them.
    """
    chosen: list[tuple[Mechanism, Any, PluginRef | None]] = []
    for part in BUILTIN:
        on = part.switched_on(cfg, regime)
        if on is not None:
            chosen.append((*on, None))
    for name, raw in cfg.mechanisms.items():
        plugin = lookup(name, cfg.name)
        section = cfg.mechanism_section(name)
        if section is None:  # a ScenarioConfig not made by the loader
            with fault(plugin.ref, "validating its section"):
                section = plugin.mechanism.section.model_validate(raw)
        chosen.append((plugin.mechanism, section, plugin.ref))
    taken = set(metric_names(labels))
    active: list[Active] = []
    for mech, section, ref in chosen:
        columns = _columns(mech, section, labels, ref)
        for column in columns:
            if column in taken:  # it would overwrite another's numbers
                raise ScenarioValueError(
                    f"{cfg.name}: mechanisms.{mech.name}: its column {column!r} is already a "
                    "metrics column; the mechanism must name its columns after itself",
                    f"mechanisms.{mech.name}",
                )
            taken.add(column)
        with _plugin_code(ref, "compiling its section"):
            params = mech.compile(section, labels)
        active.append(Active(mech, section, params, columns, ref))
    return tuple(active)


def _columns(
    mech: Mechanism, section: Any, labels: Labels, ref: PluginRef | None
) -> tuple[str, ...]:
    """A mechanism's metric columns, checked to be a sequence of names."""
    with _plugin_code(ref, "giving its columns"):
        given = mech.columns(section, labels)
        columns = () if isinstance(given, str) else tuple(given)
    bad = [c for c in columns if not isinstance(c, str) or not c]
    if ref is not None and (isinstance(given, str) or bad):
        what = repr(given) if isinstance(given, str) else f"the column {bad[0]!r}"
        raise ref.error(f"gives {what} as its columns; columns() should give a tuple of names")
    return columns


def _plugin_code(ref: PluginRef | None, doing: str) -> AbstractContextManager[None]:
    """The fence around a plug-in's code; nothing around a built-in mechanism's."""
    return nullcontext() if ref is None else fault(ref, doing)


def start_hooks(compiled: Compiled, state: CitizenState, net: Network, keys: Keys) -> Plan:
    """One run's step: the hooks of the scenario's mechanisms started, placed in order.

    A plug-in's hook is wrapped in a :class:`~scoresim.parts.guard.GuardedHook`.
    """
    hooks: list[StepHook] = []
    for a in compiled.mechanisms:
        with _plugin_code(a.plugin, "starting its run"):
            hook = a.mechanism.start(a.params, compiled.labels, compiled.regime, state, net, keys)
        hooks.append(hook if a.plugin is None else GuardedHook(hook, a.plugin, a.columns))
    return plan(hooks)
