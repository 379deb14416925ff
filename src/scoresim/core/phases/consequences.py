"""Phase 4, ``consequences``: opportunities granted or denied, perks, shaming, cut ties.

In order:

1. each agent wants each opportunity with its daily ``demand`` probability; it is
   denied if the agent is listed and the list denies it, or if the agent's tier denies
   it; otherwise its ``value`` is added to the agent's wealth;
2. every agent is paid the perk of its tier (CNY per step; where consent is
   required, only the consenting);
3. shaming: the newly listed are put on the shaming channels, neighbours who are
   confronted may cut ties (see :mod:`scoresim.core.phases.shaming`);
4. association penalty: each agent loses ``association_penalty`` points per listed
   neighbour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scoresim.core.events import StepEvents
from scoresim.core.network import Network
from scoresim.core.params import RegimeParams
from scoresim.core.phases import shaming
from scoresim.core.phases.score import compute_tier
from scoresim.core.rng import bernoulli_indices
from scoresim.core.state import CitizenState


@dataclass(frozen=True)
class ConsequenceDraws:
    """Draws for the consequences phase.

    Attributes:
        wanting: O arrays of int64 ids, who wants each opportunity today (sorted).
        shaming: the draws of :mod:`scoresim.core.phases.shaming`.
    """

    wanting: tuple[NDArray[np.int64], ...]
    shaming: shaming.ShamingDraws


def draw(
    rng: np.random.Generator,
    state: CitizenState,
    net: Network,
    params: RegimeParams,
    ev: StepEvents,
) -> ConsequenceDraws:
    """Draw who wants what, then the shaming draws."""
    wanting = tuple(bernoulli_indices(rng, state.n, float(p)) for p in params.demand)
    new = np.flatnonzero(ev.newly_listed)
    return ConsequenceDraws(wanting, shaming.draw(rng, state, net, params, new))


def apply(
    state: CitizenState,
    net: Network,
    params: RegimeParams,
    d: ConsequenceDraws,
    ev: StepEvents,
) -> None:
    """Run the consequences phase with the draws ``d``."""
    listed = state.listed_until > 0
    ev.denied_any[:] = False
    for o, ids in enumerate(d.wanting):
        denied = (listed[ids] & params.denied_listed[o]) | params.denied_tier[o, state.tier[ids]]
        ev.denied[o] = np.bincount(state.group[ids[denied]], minlength=params.n_groups)
        ev.denied_any[ids[denied]] = True
        state.denials[ids[denied]] += 1
        state.wealth[ids[~denied]] += params.value[o]
    perk = params.perk[state.tier]
    if params.consent_required:
        perk = perk * state.aware
    state.wealth += perk
    state.rewards += (perk > 0).astype(np.uint16)
    shaming.apply(state, net, params, d.shaming, ev)
    if params.association_penalty > 0 and listed.any():
        listed_nb = net.neighbour_counts(listed)
        loss = (listed_nb * params.association_penalty).astype(np.int32)
        state.score[:] = np.clip(state.score.astype(np.int32) - loss, params.lo, params.hi)
        state.tier[:] = compute_tier(state.score, params)
