"""Phase 4, ``consequences``: opportunities granted or denied, perks, shaming, cut ties.

In order:

1. each agent wants each opportunity with its daily ``demand`` probability; it is
   denied if the agent is listed and the list denies it, or if the agent's tier denies
   it; otherwise its ``value`` is added to the agent's wealth;
2. every agent is paid the perk of its tier (CNY per step);
3. each newly listed agent is put on public screens with probability
   ``display_share``; each active neighbour of a newly shamed agent cuts the tie with
   probability ``tie_cut``; people leave the screens when their listing ends;
4. today's screen audience: each agent sees the screens with probability ``reach``
   (drawn only when someone new is on them);
5. association penalty: each agent loses ``association_penalty`` points per listed
   neighbour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scoresim.core.events import StepEvents
from scoresim.core.network import Network
from scoresim.core.params import RegimeParams
from scoresim.core.phases.score import compute_tier
from scoresim.core.rng import bernoulli_indices
from scoresim.core.state import CitizenState


@dataclass(frozen=True)
class ConsequenceDraws:
    """Draws for the consequences phase.

    Attributes:
        wanting: O arrays of int64 ids, who wants each opportunity today (sorted).
        u_display: (L,) float32, one per newly listed agent in id order.
        u_cut: (M,) float32, one per edge of the newly listed agents' rows, in CSR
            order (used only for those who end up displayed).
        viewers: (K,) int64 ids of today's screen audience (drawn only if anyone is
            newly listed and shaming reaches anyone).
    """

    wanting: tuple[NDArray[np.int64], ...]
    u_display: NDArray[np.float32]
    u_cut: NDArray[np.float32]
    viewers: NDArray[np.int64]


def draw(
    rng: np.random.Generator,
    state: CitizenState,
    net: Network,
    params: RegimeParams,
    ev: StepEvents,
) -> ConsequenceDraws:
    """Draw who wants what, who is displayed, which ties are cut, who sees the screens."""
    n = state.n
    wanting = tuple(bernoulli_indices(rng, n, float(p)) for p in params.demand)
    new = np.flatnonzero(ev.newly_listed)
    u_display = rng.random(new.shape[0], dtype=np.float32)
    m = int((net.indptr[new + 1].astype(np.int64) - net.indptr[new]).sum())
    u_cut = rng.random(m, dtype=np.float32)
    viewers = (
        bernoulli_indices(rng, n, params.reach)
        if new.shape[0] and params.display_share > 0.0
        else np.empty(0, np.int64)
    )
    return ConsequenceDraws(wanting, u_display, u_cut, viewers)


def shame(
    state: CitizenState, net: Network, params: RegimeParams, d: ConsequenceDraws, ev: StepEvents
) -> None:
    """Step 3: display newly listed agents and cut some of their ties."""
    state.shamed &= state.listed_until > 0
    new = np.flatnonzero(ev.newly_listed)
    shown = d.u_display < params.display_share
    ev.newly_shamed[:] = False
    ev.newly_shamed[new[shown]] = True
    state.shamed[new[shown]] = True
    state.shamings[new[shown]] += 1
    if not shown.any() or params.tie_cut <= 0.0:
        return
    edges = net.row_edges(new)
    owner = np.repeat(new, (net.indptr[new + 1] - net.indptr[new]).astype(np.int64))
    pick = ev.newly_shamed[owner] & net.active[edges] & (d.u_cut < params.tie_cut)
    pos, who = edges[pick], owner[pick]
    # A tie between two newly shamed people may be picked from both ends; cut it once.
    other = net.indices[pos].astype(np.int64)
    _, first = np.unique(
        np.minimum(who, other) * state.n + np.maximum(who, other), return_index=True
    )
    pos, who, other = pos[first], who[first], other[first]
    net.cut(pos)
    np.subtract.at(state.degree, who, 1)
    np.subtract.at(state.degree, other, 1)
    np.add.at(state.ties_lost, who, 1)
    np.subtract.at(state.informant_count, who, state.informant[other].astype(np.uint16))
    np.subtract.at(state.informant_count, other, state.informant[who].astype(np.uint16))
    state.ties_cut += int(pos.shape[0])


def apply(
    state: CitizenState,
    net: Network,
    params: RegimeParams,
    d: ConsequenceDraws,
    ev: StepEvents,
) -> None:
    """Run the consequences phase with the draws ``d``."""
    listed = state.listed_until > 0
    for o, ids in enumerate(d.wanting):
        denied = (listed[ids] & params.denied_listed[o]) | params.denied_tier[o, state.tier[ids]]
        ev.denied[o] = np.bincount(state.group[ids[denied]], minlength=params.n_groups)
        state.denials[ids[denied]] += 1
        state.wealth[ids[~denied]] += params.value[o]
    perk = params.perk[state.tier]
    state.wealth += perk
    state.rewards += (perk > 0).astype(np.uint16)
    shame(state, net, params, d, ev)
    ev.screen_viewers = d.viewers if ev.newly_shamed.any() else np.empty(0, np.int64)
    if params.association_penalty > 0 and listed.any():
        listed_nb = net.neighbour_counts(np.flatnonzero(listed))
        loss = (listed_nb * params.association_penalty).astype(np.int32)
        state.score[:] = np.clip(state.score.astype(np.int32) - loss, params.lo, params.hi)
        state.tier[:] = compute_tier(state.score, params)
