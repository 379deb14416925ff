"""The followed people's days read again from the keyed draws.

Which source saw what, and what they wanted and were denied (docs/model.md, section 8,
"the followed people"). Many person-days at once: each purpose's draws in one compiled call over every
(step, person) row (:meth:`scoresim.core.crn.Keys.uniform_at_steps`), and detection only
where there was an act. Nothing here draws a number that changes a run.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scoresim.core.crn import Keys
from scoresim.society.params import ConsequenceParams, ObserveParams

Ids = NDArray[np.int64]


def sources_seen(p: ObserveParams, group: NDArray[np.uint8], informants: NDArray[np.int32],
                 acts: NDArray[np.bool_], recorded: NDArray[np.bool_], ids: Ids, steps: Ids,
                 keys: Keys) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]:  # fmt: skip
    """Per (source, behaviour) pair, which of M person-days its source saw, misread, falsely recorded.

    Read again from the keyed draws exactly as docs/model.md (section 3, phase 2)
    defines the sources: an act of b by i is seen when i's ``detect/<s>/<b>`` draw is
    below the source's coverage of i's group (times ``1 - (1 - r)^k`` for informants);
    a seen speech act is misread when its ``misread/...`` draw is below the source's
    misclassification; a false record is drawn when i's ``false/...`` draw is below
    ``coverage x false_positive``. Detection is drawn only where there was an act, and
    the false draws only where a record of the behaviour was made: a false draw that
    comes up always leaves one (a false record, or the true record that won over it).

    Args:
        p: the sources of those days.
        group: (M,) uint8, each person-day's group.
        informants: (M,) int32, the person's informant neighbours when the sources
            watched (before that day's ties were cut).
        acts: (B, M) bool, what each person did that day.
        recorded: (B, M) bool, the behaviours recorded of each person that day, truly
            or falsely.
        ids: (M,) int64, the person of each row.
        steps: (M,) int64, the day of each row.
        keys: the run's keys.

    Returns:
        seen, misread, false_drawn: (P, M) bool each.
    """
    m = ids.shape[0]
    pairs = p.pairs
    seen = np.zeros((pairs.shape[0], m), np.bool_)
    misread, false_drawn = np.zeros_like(seen), np.zeros_like(seen)
    count = informants.astype(np.float32)
    for q in range(pairs.shape[0]):
        s, b = int(pairs[q, 0]), int(pairs[q, 1])
        did = np.flatnonzero(acts[b])
        prob = p.coverage[s, group[did]]
        if p.informant_report[s] > 0:
            base = np.float32(1.0 - np.float64(p.informant_report[s]))
            prob = prob * (np.float32(1.0) - np.power(base, count[did]))
        u = keys.uniform_at_steps(p.pair_purposes[3 * q], steps[did], ids[did])
        seen[q, did] = u < prob
        if p.pair_misread[q]:
            was = np.flatnonzero(seen[q])
            u = keys.uniform_at_steps(p.pair_purposes[3 * q + 1], steps[was], ids[was])
            misread[q, was] = u < p.misclassification[s]
        if p.pair_false[q].max() > 0:
            at = np.flatnonzero(recorded[b])
            u = keys.uniform_at_steps(p.pair_purposes[3 * q + 2], steps[at], ids[at])
            false_drawn[q, at] = u < p.pair_false[q, group[at]]
    return seen, misread, false_drawn


def opportunities(p: ConsequenceParams, tier: NDArray[np.uint8], listed: NDArray[np.bool_],
                  ids: Ids, steps: Ids, keys: Keys) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:  # fmt: skip
    """(O, M) bool each: which opportunities M person-days wanted, and were denied.

    ``tier`` and ``listed`` ((M,) each) are the person's as that day's consequences
    phase saw them (after the score phase). docs/model.md, section 3, phase 4.
    """
    o_n = p.demand.shape[0]
    wanted = np.zeros((o_n, ids.shape[0]), np.bool_)
    denied = np.zeros_like(wanted)
    for o in range(o_n):
        demand = np.float32(p.demand[o])
        if demand <= 0:
            continue
        wanted[o] = keys.uniform_at_steps(p.want_purposes[o], steps, ids) < demand
        blocked = listed & p.denied_listed[o]
        if p.enforcement[o] < 1:
            # The enforcement draw decides only a listed person's wish: read only those.
            at = np.flatnonzero(blocked & wanted[o])
            blocked[:] = False
            blocked[at] = keys.uniform_at_steps(p.enforce_purposes[o], steps[at], ids[at]) < p.enforcement[o]  # fmt: skip
        denied[o] = wanted[o] & (blocked | p.denied_tier[o, tier])
    return wanted, denied
