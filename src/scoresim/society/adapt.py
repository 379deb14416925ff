"""Phase 5, ``adapt``: beliefs move towards what each agent saw happen.

Deterministic given the step's events (all randomness was drawn earlier). For every
behaviour b, in order:

1. own experience: an agent who did b today moves its perceived risk of b towards 1
   if it was caught and towards 0 if not, by ``learn_own``;
2. neighbours: an agent with at least one neighbour newly listed today moves its
   perceived risk of every penalised behaviour towards 1 by ``learn_social``;
3. public shaming: today's screen audience, and the neighbours who learned of a
   listing through the map or the ringtone, move it towards 1 by ``shame_effect``;
4. forgetting: every belief drifts back towards the prior (the true detection
   probability) by ``forget``;
5. conformity: the smoothed share of active neighbours seen doing each conformity
   behaviour moves towards today's share by ``conformity_smoothing``;
6. the last step of dissent is remembered, for expressed dissent.

Right after this phase, if the scenario turns it on, stance drift (:func:`drift_stance`,
run by the ``stance_drift`` mechanism as a hook, with its own
:class:`~scoresim.society.params.DriftParams`): the sanctioned (newly listed or
denied an opportunity today) move their stance towards -1 by ``resentment``; then
everyone with active neighbours moves it towards the climate they express,
``1 - 2 * d`` where ``d`` is the share of neighbours who voiced dissent within the
dissent window, by ``pressure``. The pressure-free log-odds follow the new stance.
"""

from __future__ import annotations

import numpy as np

from scoresim.core.network import Network
from scoresim.society import adapt_kernel as kernel
from scoresim.society.events import StepEvents
from scoresim.society.params import AdaptParams, DriftParams
from scoresim.society.state import CitizenState


def apply(state: CitizenState, net: Network, p: AdaptParams, ev: StepEvents) -> None:
    """Update ``perceived_risk``, ``seen`` and ``last_dissent`` from the step's events."""
    pr = state.perceived_risk
    penalised = p.penalised
    # Every neighbour count this phase needs. On this thread: the helper threads are
    # busy with the wealth sort and the next step's draws by now, and queueing behind
    # them cost more than the counts themselves.
    social = p.learn_social > 0.0 and bool(ev.newly_listed.any())
    masks = [ev.acts[b] for b in p.conform_idx] + ([ev.newly_listed] if social else [])
    counts = [net.neighbour_counts(m) for m in masks]
    near_listing = np.flatnonzero(counts[-1]) if social else np.empty(0, np.int64)
    kernel.learn_own(pr, ev.acts, ev.caught, np.float32(p.learn_own))
    for b in range(p.n_behaviours):
        row = pr[b]
        if b in penalised:
            for ids, rate in (
                (near_listing, p.learn_social),
                (ev.screen_viewers, p.shame_effect),
                (ev.shame_learners, p.shame_effect),
            ):
                if ids.shape[0] and rate > 0.0:
                    row[ids] += np.float32(rate) * (1.0 - row[ids])
    # Rows are independent, so forgetting every row after all the sparse updates
    # above is the same as forgetting each right after its own.
    kernel.forget(pr, p.prior_risk, np.float32(p.forget))
    alpha = np.float32(p.conformity_smoothing)
    for k in range(p.conform_idx.shape[0]):
        kernel.smooth_seen(state.seen[k], counts[k], state.degree, alpha)
    if p.dissent >= 0:
        state.last_dissent[ev.acts[p.dissent]] = state.step
    # Stance drift (drift_stance) runs right after this phase, as a mechanism
    # (scoresim.mechanisms.builtin.StanceDrift) the step calls when the scenario has one.


def drift_stance(state: CitizenState, net: Network, p: DriftParams, ev: StepEvents) -> None:
    """Step 7: resentment, then pressure from the expressed climate; logit0 follows."""
    before = state.stance.copy()
    stance = state.stance
    if p.resentment > 0.0:
        # Sanctions, not points: a docked point is too small and too common to embitter.
        hit = ev.newly_listed | ev.denied_any
        stance[hit] -= np.float32(p.resentment) * (stance[hit] + 1.0)
    if p.pressure > 0.0 and p.dissent >= 0:
        voiced = state.last_dissent > state.step - p.dissent_window
        has_nb = state.degree > 0
        share = net.neighbour_counts(voiced)[has_nb] / state.degree[has_nb].astype(np.float32)
        climate = (1.0 - 2.0 * share).astype(np.float32)
        stance[has_nb] += np.float32(p.pressure) * (climate - stance[has_nb])
    np.clip(stance, -1.0, 1.0, out=stance)
    state.logit0 += p.stance_weight[:, None] * (stance - before)[None, :]
