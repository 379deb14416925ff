"""Compile a validated scenario into the frozen numbers the core reads.

This is the only place where user-facing configuration becomes arrays: each part of
the regime by its own step (:mod:`scoresim.engine.compile_parts`; the built-in
mechanisms' rates by the mechanism), then the scenario's mechanisms in the order they
act, with a check that no mechanism's column overwrites another's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scoresim.config.models import ScenarioConfig
from scoresim.config.opinion import PollingConfig
from scoresim.core.crn import Keys
from scoresim.core.network import Network
from scoresim.core.params import Labels, NetworkParams, PopulationParams, RegimeParams
from scoresim.core.phases.measure import metric_names
from scoresim.core.state import CitizenState
from scoresim.core.step import Plan, plan
from scoresim.engine import compile_parts as parts
from scoresim.engine.compile_parts import Names
from scoresim.errors import ScenarioValueError
from scoresim.mechanisms.approval import Approval
from scoresim.mechanisms.base import Mechanism
from scoresim.mechanisms.builtin import Shaming, StanceDrift
from scoresim.mechanisms.polls import Polls
from scoresim.mechanisms.registry import lookup


@dataclass(frozen=True)
class Active:
    """One mechanism a scenario switches on: its section and its compiled parameters."""

    mechanism: Mechanism
    section: Any
    params: Any


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
        return tuple(
            c for a in self.mechanisms for c in a.mechanism.columns(a.section, self.labels)
        )


def compile_scenario(cfg: ScenarioConfig) -> Compiled:
    """Turn a validated :class:`ScenarioConfig` into core parameters, part by part."""
    names = Names.of(cfg)
    pop = parts.population(cfg, names)
    obs = parts.observe(cfg, names)
    regime = RegimeParams(
        behave=parts.behave(cfg, names),
        observe=obs,
        score=parts.score(cfg),
        listing=parts.listing(cfg, names),
        consequences=parts.consequences(cfg, names),
        adapt=parts.adapt(cfg, pop, obs, names),
        shaming=Shaming.params(cfg.shaming),
        drift=StanceDrift.params(cfg.stance_drift),
    )
    labels = Labels(
        groups=tuple(names.groups),
        behaviours=tuple(names.behaviours),
        kinds=tuple(cfg.behaviours[b].kind for b in names.behaviours),
        tiers=tuple(names.tiers),
        opportunities=tuple(names.opportunities),
    )
    return Compiled(pop, parts.network(cfg), regime, labels, _mechanisms(cfg, labels))


def _mechanisms(cfg: ScenarioConfig, labels: Labels) -> tuple[Active, ...]:
    """The scenario's mechanisms, each compiled once, their columns checked for clashes.

    Built-in mechanisms configured by their own top-level sections come first, then
    the plug-ins in the order the scenario lists them.
    """
    chosen: list[tuple[Mechanism, Any]] = []
    if cfg.shaming is not None:
        chosen.append((Shaming(), cfg.shaming))
    drift = cfg.stance_drift
    if drift is not None and (drift.resentment > 0.0 or drift.pressure > 0.0):
        chosen.append((StanceDrift(), drift))
    if cfg.approval is not None:
        chosen.append((Approval(), cfg.approval))
    if cfg.polls:
        chosen.append((Polls(), PollingConfig(polls=cfg.polls, interviews=cfg.interviews)))
    for name, raw in cfg.mechanisms.items():
        mech = lookup(name, cfg.name)
        chosen.append((mech, mech.section.model_validate(raw)))
    taken = set(metric_names(labels))
    for mech, section in chosen:
        for column in mech.columns(section, labels):
            if column in taken:  # it would overwrite another's numbers
                raise ScenarioValueError(
                    f"{cfg.name}: mechanisms.{mech.name}: its column {column!r} is already a "
                    "metrics column; the mechanism must name its columns after itself",
                    f"mechanisms.{mech.name}",
                )
            taken.add(column)
    return tuple(Active(m, section, m.compile(section, labels)) for m, section in chosen)


def start_hooks(compiled: Compiled, state: CitizenState, net: Network, keys: Keys) -> Plan:
    """One run's step: the hooks of the scenario's mechanisms started, placed in order."""
    return plan(
        [
            a.mechanism.start(a.params, compiled.labels, compiled.regime, state, net, keys)
            for a in compiled.mechanisms
        ]
    )
