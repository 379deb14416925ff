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
false record of the same behaviour. ``detected`` keeps every true act a source saw,
misread or not: it is what the error-free world (see ``score``) records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scoresim.core.crn import StepDraws
from scoresim.core.network import Network
from scoresim.society.events import StepEvents
from scoresim.society.params import ObserveParams
from scoresim.society.state import CitizenState


@dataclass(frozen=True)
class PairDraws:
    """Draws for one (source, behaviour) pair.

    Attributes:
        source, behaviour: indices.
        u_cover: (A,) float32, one per act of b today, in agent order (purpose
            ``detect/<source>/<behaviour>``).
        u_label: (A,) float32, one per act of b today (``misread/<source>/<behaviour>``).
        false_ids: (F,) int64, agents given a false record of b, sorted
            (``false/<source>/<behaviour>``: a person's uniform under coverage x rate).
    """

    source: int
    behaviour: int
    u_cover: NDArray[np.float32]
    u_label: NDArray[np.float32]
    false_ids: NDArray[np.int64]


def draw(d: StepDraws, state: CitizenState, p: ObserveParams, ev: StepEvents) -> list[PairDraws]:
    """Draw, per (source, behaviour) pair, each actor's detection and label and the false records.

    Every number is keyed by the source's and the behaviour's names and the person, so
    the same act meets the same draw in any regime that has the same source.
    """
    out: list[PairDraws] = []
    s_count, _ = p.observes.shape
    for s in range(s_count):
        src = p.source_names[s]
        for b in np.flatnonzero(p.observes[s]):
            name = p.behaviour_names[b]
            actors = np.flatnonzero(ev.acts[b])
            u_cover = d.at(f"detect/{src}/{name}", actors)
            pair = int(p.speech_pair[s, b])
            u_label = (
                d.at(f"misread/{src}/{name}", actors)
                if pair >= 0 and p.misclassification[s] > 0
                else np.ones(actors.shape[0], np.float32)
            )
            p_false = p.coverage[s] * p.false_positive[s]
            false_ids = np.flatnonzero(d.below(f"false/{src}/{name}", p_false, state.bounds))
            out.append(PairDraws(s, int(b), u_cover, u_label, false_ids))
    return out


def detection_probability(
    state: CitizenState, p: ObserveParams, s: int, ids: NDArray[np.int64]
) -> NDArray[np.float32]:
    """Probability that source ``s`` records one act by each agent in ``ids``: (K,) float32."""
    prob = p.coverage[s, state.group[ids]]
    r = float(p.informant_report[s])
    if r > 0.0:
        k = state.informant_count[ids].astype(np.float32)
        prob = prob * (1.0 - np.power(np.float32(1.0 - r), k))
    out: NDArray[np.float32] = prob.astype(np.float32, copy=False)
    return out


def apply(
    state: CitizenState,
    net: Network,
    p: ObserveParams,
    draws: list[PairDraws],
    ev: StepEvents,
) -> None:
    """Fill ``ev.detected``, ``ev.caught`` and ``ev.false_records`` from the acts and draws."""
    ev.detected[:] = False
    ev.caught[:] = False
    ev.false_records[:] = False
    for d in draws:
        s, b = d.source, d.behaviour
        actors = np.flatnonzero(ev.acts[b])
        hit = d.u_cover < detection_probability(state, p, s, actors)
        pair = int(p.speech_pair[s, b])
        flip = hit & (d.u_label < p.misclassification[s]) if pair >= 0 else np.zeros_like(hit)
        ev.detected[b, actors[hit]] = True
        ev.caught[b, actors[hit & ~flip]] = True
        if pair >= 0:
            ev.false_records[pair, actors[flip]] = True
        ev.false_records[b, d.false_ids] = True
    ev.false_records &= ~ev.caught
