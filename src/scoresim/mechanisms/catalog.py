"""The built-in parts a scenario switches on by a top-level section, in the order they act.

A built-in part is a :class:`~scoresim.parts.base.Mechanism` with a classmethod
``switched_on(cfg, regime)``: given the validated scenario and the compiled regime,
it returns itself (made with the copies of other parts' numbers it reads) and its
section, or None when the scenario leaves it off. :func:`scoresim.engine.compile.
compile_scenario` asks every part of :data:`BUILTIN` in turn, then adds the
plug-ins of ``mechanisms:``; from there on built-ins and plug-ins take the same road
(compile, columns, start, hook). Adding a built-in part is its module, its section
model (a field of :class:`~scoresim.config.models.ScenarioConfig`) and one line here
(docs/architecture.md, "Adding a part").
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel

from scoresim.config.models import ScenarioConfig
from scoresim.mechanisms.approval import Approval
from scoresim.mechanisms.builtin import Shaming, StanceDrift
from scoresim.mechanisms.polls import Polls
from scoresim.parts.base import On
from scoresim.society.params import RegimeParams


class BuiltinPart(Protocol):
    """What :data:`BUILTIN` holds: a mechanism class that knows when a scenario wants it."""

    @property
    def name(self) -> str:
        """Its name (its hook's, its purposes' prefix)."""
        ...

    @property
    def section(self) -> type[BaseModel]:
        """The pydantic model of its section."""
        ...

    def switched_on(self, cfg: ScenarioConfig, regime: RegimeParams) -> On | None:
        """The part made for ``cfg`` and its section, or None when ``cfg`` leaves it off."""
        ...


BUILTIN: tuple[BuiltinPart, ...] = (
    # Each acts right after the society's phase it names (``after``); parts after the
    # same phase act in this order, and before the scenario's plug-ins.
    Shaming,  # after consequences: the listing is known before anyone is shamed for it
    StanceDrift,  # after adapt: stances move with what the step did to people
    Approval,  # after adapt: approval moves with what the step did to people
    Polls,  # after adapt and approval: people are asked about the finished step
)
"""The built-in parts, in the order they act (and their columns' order)."""
