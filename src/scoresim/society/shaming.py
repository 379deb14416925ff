"""Shaming, part of phase 4: how listings are made public and who learns of them.

Three channels, each taking a share of the newly listed (independently):

* screens: the person is shown in the street; a random ``reach`` share of everyone
  sees the screens that day, and all the person's active neighbours are confronted;
* deadbeat map: each active neighbour who uses the map (probability ``map_usage``)
  is confronted on the day of listing;
* ringtone: from the next day on, as long as the listing lasts, each active
  neighbour calls with probability ``contact_rate`` per day and hears it.

A neighbour confronted with a listing for the first time cuts the tie with
probability ``tie_cut`` (``told`` remembers, per tie, who already knows, so the
ringtone does not make a caller decide again each day). Map users and callers
(every call) move their perceived risk towards certainty by ``shame_effect`` in
``adapt``; so do the strangers at the screens. Everyone leaves every channel when
the listing ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scoresim.core.crn import StepDraws
from scoresim.core.network import Network
from scoresim.society.events import StepEvents
from scoresim.society.params import ShamingParams
from scoresim.society.state import CitizenState, refresh_seen_ref

_F32 = NDArray[np.float32]
_I64 = NDArray[np.int64]


@dataclass(frozen=True)
class ShamingDraws:
    """Draws for shaming; L newly listed agents, M edges in their rows.

    Every number is keyed by its purpose, the step and the person (for memberships and
    the audience) or the tie's CSR position (for cuts, map use and calls), so it does
    not depend on who else was listed today.

    Attributes:
        u_display: (L,) float32, ``shame/screens`` of each newly listed agent, id order.
        u_cut: (M,) float32, ``shame/cut`` of each edge in the newly listed agents'
            rows, CSR order.
        viewers: (V,) int64 ids of today's screen audience (``shame/screen_view`` under
            ``reach``; drawn only if screens exist and anyone is newly listed).
        u_ring, u_map: (L,) float32, ``shame/ringtone`` and ``shame/map`` (empty when
            the channel does not exist).
        u_map_use: (M,) float32, ``shame/map_use`` of each edge (empty likewise).
        calls: (K,) int64 edge positions in the rows of agents with a ringtone whose
            ``shame/call`` is under ``contact_rate``: that neighbour calls today.
        u_call_cut: (K,) float32, ``shame/call_cut`` of each call's edge.
    """

    u_display: _F32
    u_cut: _F32
    viewers: _I64
    u_ring: _F32
    u_map: _F32
    u_map_use: _F32
    calls: _I64
    u_call_cut: _F32


def _empty() -> _F32:
    return np.empty(0, np.float32)


def draw(
    d: StepDraws, state: CitizenState, net: Network, p: ShamingParams, ev: StepEvents
) -> ShamingDraws:
    """Draw channel memberships, tie cuts, the screen audience and today's calls."""
    new = np.flatnonzero(ev.newly_listed)
    count = int(new.shape[0])
    edges = net.row_edges(new)
    u_display = d.at("shame/screens", new)
    u_cut = d.at("shame/cut", edges)
    viewers = (
        np.flatnonzero(
            d.below(
                "shame/screen_view",
                np.full(state.n_groups, p.reach, np.float32),
                state.bounds,
            )
        )
        if count and p.display_share > 0.0
        else np.empty(0, np.int64)
    )
    u_ring = d.at("shame/ringtone", new) if p.ring_share > 0 else _empty()
    has_map = p.map_share > 0.0
    u_map = d.at("shame/map", new) if has_map else _empty()
    u_map_use = d.at("shame/map_use", edges) if has_map else _empty()
    calls = np.empty(0, np.int64)
    if p.ring_share > 0.0 and p.contact_rate > 0.0:
        ringing = state.ringtone & (state.listed_until > 0) & ~ev.newly_listed
        ring_edges = net.row_edges(np.flatnonzero(ringing))
        calls = ring_edges[d.at("shame/call", ring_edges) < p.contact_rate]
    u_call_cut = d.at("shame/call_cut", calls)
    return ShamingDraws(u_display, u_cut, viewers, u_ring, u_map, u_map_use, calls, u_call_cut)


def _member(u: _F32, share: float, size: int) -> NDArray[np.bool_]:
    return u < share if u.shape[0] else np.zeros(size, np.bool_)


def apply(
    state: CitizenState, net: Network, p: ShamingParams, d: ShamingDraws, ev: StepEvents
) -> None:
    """Put the newly listed on their channels, confront neighbours, cut ties."""
    # A listing that ended, or ended and restarted today (a new listing), leaves every
    # channel; the new one draws its channels afresh below.
    kept = (state.listed_until > 0) & ~ev.newly_listed
    if state.told.shape[0]:
        state.told[net.row_edges(np.flatnonzero(state.shamed & ~kept))] = False
    state.shamed &= kept
    state.ringtone &= kept
    new = np.flatnonzero(ev.newly_listed)
    shown = d.u_display < p.display_share
    rung = _member(d.u_ring, p.ring_share, new.shape[0])
    mapped = _member(d.u_map, p.map_share, new.shape[0])
    public = new[shown | rung | mapped]
    ev.newly_shamed[:] = False
    ev.newly_shamed[public] = True
    state.shamed[public] = True
    state.shamings[public] += 1
    state.ringtone[new[rung]] = True
    ev.screen_viewers = d.viewers if shown.any() else np.empty(0, np.int64)

    counts = (net.indptr[new + 1] - net.indptr[new]).astype(np.int64)
    edges = net.row_edges(new)
    k = np.repeat(np.arange(new.shape[0]), counts)
    uses_map = (
        mapped[k] & (d.u_map_use < p.map_usage)
        if d.u_map_use.shape[0]
        else np.zeros(k.shape[0], np.bool_)
    )
    confront = (shown[k] | uses_map) & net.active[edges]
    calls = d.calls[net.active[d.calls]]
    u_call = d.u_call_cut[net.active[d.calls]]
    learners = [net.indices[edges[uses_map & net.active[edges]]], net.indices[calls]]
    ev.shame_learners = np.unique(np.concatenate(learners).astype(np.int64))
    fresh = ~state.told[calls] if state.told.shape[0] else np.ones(calls.shape[0], np.bool_)
    if state.told.shape[0]:
        state.told[edges[confront]] = True
        state.told[calls] = True
    pos = np.concatenate([edges[confront], calls[fresh]])
    who = np.concatenate(
        [new[k[confront]], np.searchsorted(net.indptr, calls[fresh], side="right") - 1]
    )
    u = np.concatenate([d.u_cut[confront], u_call[fresh]])
    pick = u < p.tie_cut
    if pick.any():
        cut_ties(state, net, p, pos[pick], who[pick])


def cut_ties(state: CitizenState, net: Network, p: ShamingParams, pos: _I64, who: _I64) -> None:
    """Cut the ties at CSR positions ``pos`` (in rows ``who``), each undirected tie once.

    Both ends' conformity references are then recomputed from the ties they have left.
    """
    other = net.indices[pos].astype(np.int64)
    # A tie may be picked from both ends on one day; cut it once.
    _, first = np.unique(
        np.minimum(who, other) * state.n + np.maximum(who, other), return_index=True
    )
    pos, who, other = pos[first], who[first], other[first]
    net.cut(pos)
    np.subtract.at(state.degree, who, 1)
    np.subtract.at(state.degree, other, 1)
    np.add.at(state.ties_lost, who, 1)
    np.subtract.at(state.informant_count, who, state.informant[other].astype(np.int32))
    np.subtract.at(state.informant_count, other, state.informant[who].astype(np.int32))
    state.ties_cut += int(pos.shape[0])
    refresh_seen_ref(state, net, p.conform_idx, np.unique(np.concatenate([who, other])))
