"""One step of the model: the six phases in their fixed order.

The order matters: people act (``behave``) before anyone watches (``observe``);
points follow what was recorded (``score``); sanctions follow the updated score and
list (``consequences``), so a person listed today is already denied today; beliefs
learn from everything that happened (``adapt``); and ``measure`` sees the finished
step. Every random number is keyed by (purpose, step, person) (see
:mod:`scoresim.core.crn`), so the order in which phases draw them does not matter, the
slow per-agent references in ``tests/reference`` get the same numbers by asking for
them one at a time, and two regimes share every draw they have in common.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import wait
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scoresim.core import threads
from scoresim.core.crn import Keys, StepDraws
from scoresim.core.network import Network
from scoresim.society import adapt, behave, consequences, measure, observe, score
from scoresim.society.events import StepEvents
from scoresim.society.hooks import AFTER, StepHook
from scoresim.society.params import RegimeParams
from scoresim.society.state import CitizenState

PHASES = ("behave", "observe", "score", "consequences", "adapt", "measure")


@dataclass(frozen=True)
class Plan:
    """A run's step, fixed once: each phase of :data:`PHASES`, then the hooks acting after it.

    Attributes:
        after: for each phase of :data:`~scoresim.society.hooks.AFTER`, its hooks in order.
        hooks: every hook in the scenario's order (their columns are written in it).
    """

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
    return Plan({ph: tuple(h for h in hooks if h.after == ph) for ph in AFTER}, tuple(hooks))


NO_HOOKS = plan(())


def step(
    state: CitizenState,
    net: Network,
    params: RegimeParams,
    keys: Keys,
    buf: measure.MetricsBuffer,
    u_behave: NDArray[np.float32] | None = None,
    hooks: Plan = NO_HOOKS,
) -> StepEvents:
    """Advance the model by one step and record its metrics; return the step's events.

    ``u_behave`` is this step's ``act/<behaviour>`` draws if the caller made them
    already (see :func:`behave_draws`); the results are the same either way. Each hook
    of ``hooks`` (see :func:`plan`) acts after its phase and writes its own metric
    columns after ``measure``.
    """
    n, b = state.n, params.n_behaviours
    d = StepDraws(keys, state.step)
    ev = StepEvents.empty(n, b, params.n_opportunities, params.n_groups)

    def after(phase: str) -> None:
        for hook in hooks.after[phase]:
            hook.act(state, net, d, ev)

    u = behave.draw(d, params, n) if u_behave is None else u_behave
    behave.apply(state, net, params, u, ev)
    after("behave")
    observe.apply(state, net, params, observe.draw(d, state, params, ev), ev)
    after("observe")
    score.apply(state, net, params, d, ev)
    after("score")
    consequences.apply(state, net, params, d, ev)
    after("consequences")
    consequences.associate(state, net, params)
    gini = measure.begin(state, params, buf)
    try:
        adapt.apply(state, net, params, ev)
        if hooks.after["adapt"]:
            # The Gini reads the wealth as ``adapt`` leaves it; a hook may change it.
            wait([gini])
        after("adapt")
    except BaseException:
        wait([gini])  # it writes ``buf``: let it end before the caller undoes the step
        raise
    measure.apply(state, net, params, ev, buf, gini)
    for hook in hooks.hooks:
        hook.measure(state, ev, {c: buf.values[c][state.step] for c in hook.columns})
    state.step += 1
    return ev


def behave_draws(
    keys: Keys, params: RegimeParams, n: int, first: int, steps: int
) -> Iterator[NDArray[np.float32]]:
    """The ``act/<behaviour>`` uniforms of steps ``first`` to ``first + steps - 1``.

    Each step's (B, N) draw is made on a helper thread while the step before runs (the
    compiled generator releases the GIL). The numbers are keyed by step, so they are
    exactly those of drawing at the start of each step.
    """
    if steps <= 0:
        return

    def make(t: int) -> NDArray[np.float32]:
        return behave.draw(StepDraws(keys, t), params, n)

    ahead = threads.pool().submit(make, first)
    for t in range(first, first + steps):
        u = ahead.result()
        if t + 1 < first + steps:
            ahead = threads.pool().submit(make, t + 1)
        yield u
