"""One step of the model: the six phases in their fixed order.

The order matters: people act (``behave``) before anyone watches (``observe``);
points follow what was recorded (``score``); sanctions follow the updated score and
list (``consequences``), so a person listed today is already denied today; beliefs
learn from everything that happened (``adapt``); and ``measure`` sees the finished
step. Each phase draws its random numbers first, from its own stream, and then
applies them; that split lets the slow per-agent references in ``tests/reference``
replay exactly the same draws.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from scoresim.core import threads
from scoresim.core.events import StepEvents
from scoresim.core.network import Network
from scoresim.core.params import RegimeParams
from scoresim.core.phases import adapt, behave, consequences, measure, observe, score
from scoresim.core.rng import Streams
from scoresim.core.state import CitizenState

PHASES = ("behave", "observe", "score", "consequences", "adapt", "measure")


def step(
    state: CitizenState,
    net: Network,
    params: RegimeParams,
    streams: Streams,
    buf: measure.MetricsBuffer,
    u_behave: NDArray[np.float32] | None = None,
) -> StepEvents:
    """Advance the model by one step and record its metrics; return the step's events.

    ``u_behave`` is this step's draw from the ``behave`` stream if the caller made it
    already (see :func:`behave_draws`); the results are the same either way.
    """
    n, b = state.n, params.n_behaviours
    ev = StepEvents.empty(n, b, params.demand.shape[0], params.n_groups)
    u = behave.draw(streams.behave, n, b) if u_behave is None else u_behave
    behave.apply(state, net, params, u, ev)
    observe.apply(state, net, params, observe.draw(streams.observe, state, params, ev), ev)
    score.apply(state, net, params, score.draw(streams.score, n), ev)
    d = consequences.draw(streams.consequences, state, net, params, ev)
    consequences.apply(state, net, params, d, ev)
    gini = measure.begin(state, params, buf)
    adapt.apply(state, net, params, ev)
    measure.apply(state, net, params, ev, buf, gini)
    state.step += 1
    return ev


def behave_draws(streams: Streams, n: int, b: int, steps: int) -> Iterator[NDArray[np.float32]]:
    """The ``behave`` uniforms of ``steps`` consecutive steps, each drawn one step ahead.

    The next step's (B, N) draw is made on a helper thread while the current step runs
    (NumPy releases the GIL while it fills the array); it is the largest draw of a step,
    15 ms at 10^6 agents. The stream is used by nothing else, so the numbers, and their
    order, are exactly those of drawing at the start of each step.
    """
    if steps <= 0:
        return
    ahead = threads.pool().submit(behave.draw, streams.behave, n, b)
    for t in range(steps):
        u = ahead.result()
        if t + 1 < steps:
            ahead = threads.pool().submit(behave.draw, streams.behave, n, b)
        yield u
