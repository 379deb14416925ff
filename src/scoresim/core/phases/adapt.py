"""Phase 5, ``adapt``: beliefs move towards what each agent saw happen.

Deterministic given the step's events (all randomness was drawn earlier). For every
behaviour b, in order:

1. own experience: an agent who did b today moves its perceived risk of b towards 1
   if it was caught and towards 0 if not, by ``learn_own``;
2. neighbours: an agent with at least one neighbour newly listed today moves its
   perceived risk of every penalised behaviour towards 1 by ``learn_social``;
3. public shaming: today's screen audience moves it towards 1 by ``shame_effect``;
4. forgetting: every belief drifts back towards the prior (the true detection
   probability) by ``forget``;
5. conformity: the smoothed share of active neighbours seen doing each conformity
   behaviour moves towards today's share by ``conformity_smoothing``;
6. the last step of dissent is remembered, for expressed dissent.
"""

from __future__ import annotations

import numpy as np

from scoresim.core.events import StepEvents
from scoresim.core.network import Network
from scoresim.core.params import RegimeParams
from scoresim.core.state import CitizenState


def apply(state: CitizenState, net: Network, params: RegimeParams, ev: StepEvents) -> None:
    """Update ``perceived_risk``, ``seen`` and ``last_dissent`` from the step's events."""
    pr = state.perceived_risk
    penalised = np.flatnonzero(params.penalty > 0)
    near_listing = np.empty(0, np.int64)
    if params.learn_social > 0.0 and ev.newly_listed.any():
        near_listing = np.flatnonzero(net.neighbour_counts(np.flatnonzero(ev.newly_listed)))
    for b in range(params.n_behaviours):
        row = pr[b]
        actors = np.flatnonzero(ev.acts[b])
        target = ev.caught[b, actors].astype(np.float32)
        row[actors] += np.float32(params.learn_own) * (target - row[actors])
        if b in penalised:
            for ids, rate in (
                (near_listing, params.learn_social),
                (ev.screen_viewers, params.shame_effect),
            ):
                if ids.shape[0] and rate > 0.0:
                    row[ids] += np.float32(rate) * (1.0 - row[ids])
        row += np.float32(params.forget) * (params.prior_risk[b] - row)
    if params.conform_idx.shape[0]:
        deg = np.maximum(state.degree, 1).astype(np.float32)
        alpha = np.float32(params.conformity_smoothing)
        has_nb = state.degree > 0
        for k, b in enumerate(params.conform_idx):
            share = net.neighbour_counts(np.flatnonzero(ev.acts[b])).astype(np.float32) / deg
            state.seen[k, has_nb] += alpha * (share[has_nb] - state.seen[k, has_nb])
    if params.dissent >= 0:
        state.last_dissent[ev.acts[params.dissent]] = state.step
