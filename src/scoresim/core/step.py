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
) -> StepEvents:
    """Advance the model by one step and record its metrics; return the step's events."""
    n, b = state.n, params.n_behaviours
    ev = StepEvents.empty(n, b, params.demand.shape[0], params.n_groups)
    behave.apply(state, net, params, behave.draw(streams.behave, n, b), ev)
    observe.apply(state, net, params, observe.draw(streams.observe, state, params, ev), ev)
    score.apply(state, net, params, score.draw(streams.score, n), ev)
    d = consequences.draw(streams.consequences, state, net, params, ev)
    consequences.apply(state, net, params, d, ev)
    adapt.apply(state, net, params, ev)
    measure.apply(state, net, params, ev, buf)
    state.step += 1
    return ev
