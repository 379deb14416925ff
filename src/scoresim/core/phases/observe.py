"""Phase 2, ``observe``: each source records some of today's acts, and some that were not.

For every source s and behaviour b it watches:

* each act of b by agent i is recorded with probability ``coverage[s, group_i]``
  (times ``1 - (1 - r)^k_i`` for informants, where k_i is the number of informant
  neighbours and r the report probability);
* a recorded speech act is given the other speech label of the source with
  probability ``misclassification[s]`` (a false record of the other behaviour);
* every covered person-day yields a false record of b with probability
  ``false_positive[s]`` (for example a face matched to the wrong person).

An agent is recorded at most once per behaviour per day; a true catch wins over a
false record of the same behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scoresim.core.events import StepEvents
from scoresim.core.network import Network
from scoresim.core.params import RegimeParams
from scoresim.core.rng import bernoulli_indices
from scoresim.core.state import CitizenState


@dataclass(frozen=True)
class PairDraws:
    """Draws for one (source, behaviour) pair.

    Attributes:
        source, behaviour: indices.
        u_cover: (A,) float32, one per act of b today, in agent order.
        u_label: (A,) float32, one per act of b today, for misclassification.
        false_ids: (F,) int64, agents given a false record of b, sorted.
    """

    source: int
    behaviour: int
    u_cover: NDArray[np.float32]
    u_label: NDArray[np.float32]
    false_ids: NDArray[np.int64]


def draw(
    rng: np.random.Generator, state: CitizenState, params: RegimeParams, ev: StepEvents
) -> list[PairDraws]:
    """Draw, per (source, behaviour) pair in order, the uniforms and the false records."""
    out: list[PairDraws] = []
    s_count, _ = params.observes.shape
    for s in range(s_count):
        for b in np.flatnonzero(params.observes[s]):
            a = int(np.count_nonzero(ev.acts[b]))
            u_cover = rng.random(a, dtype=np.float32)
            u_label = rng.random(a, dtype=np.float32)
            false_parts = []
            for g in range(params.n_groups):
                # Group g's members are the ids bounds[g] to bounds[g + 1] - 1.
                first, size = int(state.bounds[g]), int(state.bounds[g + 1] - state.bounds[g])
                p = float(params.coverage[s, g]) * float(params.false_positive[s])
                false_parts.append(first + bernoulli_indices(rng, size, p))
            false_ids = (
                np.sort(np.concatenate(false_parts)) if false_parts else np.empty(0, np.int64)
            )
            out.append(PairDraws(s, int(b), u_cover, u_label, false_ids))
    return out


def detection_probability(
    state: CitizenState, params: RegimeParams, s: int, ids: NDArray[np.int64]
) -> NDArray[np.float32]:
    """Probability that source ``s`` records one act by each agent in ``ids``: (K,) float32."""
    p = params.coverage[s, state.group[ids]]
    r = float(params.informant_report[s])
    if r > 0.0:
        k = state.informant_count[ids].astype(np.float32)
        p = p * (1.0 - np.power(np.float32(1.0 - r), k))
    out: NDArray[np.float32] = p.astype(np.float32, copy=False)
    return out


def apply(
    state: CitizenState,
    net: Network,
    params: RegimeParams,
    draws: list[PairDraws],
    ev: StepEvents,
) -> None:
    """Fill ``ev.caught`` and ``ev.false_records`` from today's acts and the draws."""
    ev.caught[:] = False
    ev.false_records[:] = False
    for d in draws:
        s, b = d.source, d.behaviour
        actors = np.flatnonzero(ev.acts[b])
        hit = d.u_cover < detection_probability(state, params, s, actors)
        pair = int(params.speech_pair[s, b])
        flip = hit & (d.u_label < params.misclassification[s]) if pair >= 0 else np.zeros_like(hit)
        ev.caught[b, actors[hit & ~flip]] = True
        if pair >= 0:
            ev.false_records[pair, actors[flip]] = True
        ev.false_records[b, d.false_ids] = True
    ev.false_records &= ~ev.caught
