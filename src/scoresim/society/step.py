"""One step of the scored society: its parts in order on the core's machine.

The order (:data:`scoresim.society.parts.ORDER`) matters: people act (``behave``)
before anyone watches (``observe``); points follow what was recorded (``score``);
sanctions follow the updated score and list (``consequences``), so a person listed
today is already denied today; beliefs learn from everything that happened
(``adapt``); and ``measure`` sees the finished step. Every random number is keyed by
(purpose, step, person) (see :mod:`scoresim.core.crn`), so the order in which parts
draw them does not matter, the slow per-agent references in ``tests/reference`` get
the same numbers by asking for them one at a time, and two regimes share every draw
they have in common.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scoresim.core import machine
from scoresim.core.crn import Keys, StepDraws
from scoresim.core.machine import Part
from scoresim.core.network import Network
from scoresim.society import measure
from scoresim.society.events import StepEvents
from scoresim.society.hooks import AFTER, StepHook
from scoresim.society.params import RegimeParams
from scoresim.society.parts import Step, ordered
from scoresim.society.state import CitizenState


@dataclass(frozen=True)
class Plan:
    """A run's step, fixed once: the parts in order, the mechanisms' hooks among them.

    Attributes:
        parts: every part in the order it acts (:func:`scoresim.society.parts.ordered`).
        after: for each phase of :data:`~scoresim.society.hooks.AFTER`, its hooks in order.
        hooks: every hook in the scenario's order.
    """

    parts: tuple[Part[Step], ...]
    after: dict[str, tuple[StepHook, ...]]
    hooks: tuple[StepHook, ...]


def plan(hooks: Sequence[StepHook]) -> Plan:
    """The step of a run with ``hooks`` (the scenario's mechanisms, in order).

    Raises:
        ValueError: a hook names a phase it cannot act after (a mechanism's bug, so it
            is refused when the run starts rather than silently never acting).
    """
    for hook in hooks:
        if hook.after not in AFTER:
            raise ValueError(
                f"mechanism {hook.name!r}: after={hook.after!r} is not a phase a mechanism "
                f"can act after; use one of: {', '.join(AFTER)}"
            )
    after = {ph: tuple(h for h in hooks if h.after == ph) for ph in AFTER}
    return Plan(ordered(hooks), after, tuple(hooks))


NO_HOOKS = plan(())


def step(
    state: CitizenState,
    net: Network,
    params: RegimeParams,
    keys: Keys,
    buf: measure.MetricsBuffer,
    hooks: Plan = NO_HOOKS,
) -> StepEvents:
    """Advance the model by one step and record its metrics; return the step's events.

    Each hook of ``hooks`` (see :func:`plan`) acts after its phase and writes its own
    metric columns after ``measure``.
    """
    ev = StepEvents.empty(state.n, params.n_behaviours, params.n_opportunities, params.n_groups)
    s = Step(state, net, params, StepDraws(keys, state.step), ev, buf)
    machine.advance(hooks.parts, s, s)
    state.step += 1
    return ev
