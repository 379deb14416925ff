"""Phase 1, ``behave``: every agent decides, for every behaviour, whether it acts today.

Decision rule, per agent i and behaviour b (log-odds; see docs/model.md)::

    logit p = logit0_ib - risk_aversion_i * perceived_risk_ib * cost_ib
              + incentive_ib + conformity_ib

    score coupling (penalty_b > 0):
    cost_ib      = aware_i * (deterrence * penalty_b * (1 + stakes * proximity_ib)
                              + shame_aversion * exposure * proximity_ib)
    list coupling:
    cost_ib      = aware_i * deterrence * penalty_b * (1 + stakes * proximity_b)
                   + [b is an entry event] * (deterrence * listing_stake_b * (1 + stakes)
                                              + shame_aversion * exposure)
    incentive_ib = aware_i * reward_sensitivity * perceived_risk_ib * reward_b
    conformity_ib = conformity_b * clip((seen_ib - seen_ref_ib) / seen_ref_ib, -1, 1)

``logit0`` already holds the base rate and the stance term, so with no regime the
probability is the pressure-free one. Only people who know they are scored respond
to points, and, under score coupling, to the list the score leads to; under list
coupling the list is a legal record everyone knows, so its stake and its shaming
deter everyone.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scoresim.core.events import StepEvents
from scoresim.core.network import Network
from scoresim.core.params import COUPLING_SCORE, RegimeParams
from scoresim.core.state import CitizenState, sigmoid


def draw(rng: np.random.Generator, n: int, b: int) -> NDArray[np.float32]:
    """Uniforms for the decisions: (B, N) float32 in [0, 1)."""
    return rng.random((b, n), dtype=np.float32)


def proximity(state: CitizenState, params: RegimeParams) -> NDArray[np.float32]:
    """How close each agent stands to a listing: (1, N) float32, or (B, 1) under list coupling.

    Under score coupling it is 1 at or below the threshold, falling linearly to 0 at
    ``proximity_margin`` points above it (the same for every behaviour). Under list
    coupling it is 1 for entry-event behaviours and 0 for others. With no list it is 0.
    """
    n = state.n
    if not params.has_list:
        return np.zeros((1, n), dtype=np.float32)
    if params.coupling == COUPLING_SCORE:
        gap = (state.score.astype(np.float32) - np.float32(params.threshold)) / np.float32(
            params.proximity_margin
        )
        near: NDArray[np.float32] = np.clip(1.0 - gap, 0.0, 1.0).astype(np.float32)[None, :]
        return near
    # (B, 1): broadcasts over agents without a (B, N) copy.
    per_behaviour: NDArray[np.float32] = params.entry_events.astype(np.float32)[:, None]
    return per_behaviour


def apply(
    state: CitizenState,
    net: Network,
    params: RegimeParams,
    u: NDArray[np.float32],
    ev: StepEvents,
) -> None:
    """Set ``ev.acts`` from the decision rule and the uniforms ``u`` ((B, N) float32)."""
    prox = proximity(state, params)
    aware = state.aware.astype(np.float32)
    ra = state.risk_aversion
    conform_row = {int(b): k for k, b in enumerate(params.conform_idx)}
    for b in range(params.n_behaviours):
        logit = state.logit0[b].copy()
        pr = state.perceived_risk[b]
        pen = float(params.penalty[b])
        p_b = prox[b] if prox.shape[0] > 1 else prox[0]
        if pen > 0.0:
            cost = params.deterrence * pen * (1.0 + params.stakes * p_b)
            if params.coupling == COUPLING_SCORE:
                cost += params.shame_aversion * params.exposure * p_b
            logit -= ra * pr * cost * aware
        if params.coupling != COUPLING_SCORE and params.has_list and params.entry_events[b]:
            listing = params.deterrence * float(params.listing_stake[b]) * (1.0 + params.stakes)
            listing += params.shame_aversion * params.exposure
            logit -= ra * pr * np.float32(listing)
        rew = float(params.reward[b])
        if rew > 0.0:
            logit += params.reward_sensitivity * rew * pr * aware
        if b in conform_row:
            k = conform_row[b]
            ref = np.maximum(state.seen_ref[k], np.float32(1e-6))
            rel = np.clip((state.seen[k] - ref) / ref, -1.0, 1.0)
            logit += np.float32(params.conformity[b]) * rel
        ev.acts[b] = u[b] < sigmoid(logit)
