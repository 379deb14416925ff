"""The protocol a mechanism follows.

A mechanism is named (its key under a scenario's ``mechanisms:``), has a scenario
section (a pydantic model, validated with the same one-line messages as every other
field), compiles that section once per scenario into its parameters
(:meth:`Mechanism.compile`; by default the validated section itself), and starts one
:class:`~scoresim.society.hooks.StepHook` per run: the hook owns the state arrays it
needs, draws only from purposes named ``<name>/...`` (so adding a mechanism moves no
other draw: every purpose is a key of its own), acts after one phase of the step, and
writes the metric columns it declares.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel

from scoresim.core.crn import Keys
from scoresim.core.network import Network
from scoresim.society.hooks import StepHook
from scoresim.society.params import Labels, RegimeParams
from scoresim.society.state import CitizenState


class Mechanism(ABC):
    """A part of a regime that a scenario switches on by naming it under ``mechanisms:``.

    Class attributes:
        name: the key under ``mechanisms:`` (letters, digits and ``_``).
        section: the pydantic model of its section.
    """

    name: ClassVar[str]
    section: ClassVar[type[BaseModel]]

    def check(self, config: Any, scenario: Any) -> list[tuple[str, str]]:
        """Cross-field problems of ``config`` against the whole scenario.

        Returns:
            (field path inside the section, message) per problem; empty when fine.
        """
        return []

    def compile(self, config: Any, labels: Labels) -> Any:
        """The mechanism's parameters, computed once per scenario from its section.

        Whatever this returns is what :meth:`start` receives for every run; the default
        is the validated section itself. Derive arrays here (per behaviour, per group)
        rather than in :meth:`start`, which runs once per run.
        """
        return config

    def columns(self, config: Any, labels: Labels) -> tuple[str, ...]:
        """The metric columns this mechanism adds (names must not clash with others)."""
        return ()

    def changed(self, old: Any, new: Any) -> str | None:
        """Whether its parameters may go from ``old`` to ``new`` during a run (a timeline).

        Returns:
            None if they may (the run's hook is then given ``new`` by ``retune``), or
            why not, in a few words. By default they may not change at all: a hook is
            given its parameters once, when the run starts.
        """
        if same(old, new):
            return None
        return f"{self.name}'s settings cannot change during a run (its hook reads them once, on day 0)"  # fmt: skip

    @abstractmethod
    def start(
        self,
        params: Any,
        labels: Labels,
        regime: RegimeParams,
        state: CitizenState,
        net: Network,
        keys: Keys,
    ) -> StepHook:
        """The hook of one run, with the state it owns.

        Args:
            params: what :meth:`compile` returned for this scenario.
            labels: the scenario's names (groups, behaviours, tiers, opportunities).
            regime: the compiled core parameters (read-only).
            state: the run's people, after set-up (read; write only what you own).
            net: the run's network.
            keys: the run's keys; set-up draws from ``keys.generator("<name>/...")``.
        """


On = tuple[Mechanism, Any]
"""A built-in part a scenario switches on: the mechanism, made with its copies of other
parts' numbers, and its validated section (``switched_on`` of
:mod:`scoresim.mechanisms.catalog`'s parts)."""


def same(a: Any, b: Any) -> bool:
    """Whether two compiled parameter objects hold the same numbers.

    Dataclasses field by field, arrays by shape, dtype and value (NaN equal to NaN),
    tuples, lists and dicts item by item, anything else by ``==``.
    """
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        )
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(
            same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
        )
    if isinstance(a, tuple | list):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)
