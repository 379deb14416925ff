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

import numpy as np

from scoresim.core import threads
from scoresim.core.crn import StepDraws
from scoresim.core.network import Network
from scoresim.society import observe_kernel as kernel
from scoresim.society.events import StepEvents
from scoresim.society.params import ObserveParams
from scoresim.society.state import CitizenState


def apply(
    state: CitizenState, net: Network, p: ObserveParams, d: StepDraws, ev: StepEvents
) -> None:
    """Fill ``ev.detected``, ``ev.caught`` and ``ev.false_records`` from ``ev.acts``.

    Per (source, behaviour) pair, in the order the sources and their behaviours are
    declared, each act of b by i is recorded when i's draw for
    ``detect/<source>/<behaviour>`` is below the source's coverage of i's group (times
    ``1 - (1 - r)^k`` for informants: k informant neighbours, report probability r; the
    power is NumPy's, tabulated here for k = 0 to the largest count); a recorded
    act of a speech pair is misread when i's ``misread/...`` draw is below the source's
    misclassification (a false record of the other label); and each person whose
    ``false/...`` draw is below ``coverage x false_positive`` of their group gets a false
    record of b. A true record of a behaviour wins over a false one. Every number is
    keyed by the source's and the behaviour's names and the person, so the same act
    meets the same draw in any regime that has the same source. One compiled pass
    (:mod:`~scoresim.society.observe_kernel`).
    """
    largest = int(state.informant_count.max(initial=0))
    base = (1.0 - p.informant_report.astype(np.float64)).astype(np.float32)
    unheard = np.power(base[:, None], np.arange(largest + 1, dtype=np.float32)[None, :])
    run = kernel.observe_parallel if threads.parallel(state.n) else kernel.observe
    run(
        ev.acts,
        state.group,
        state.informant_count,
        p.pairs,
        d.keys.table(p.pair_purposes),
        p.coverage,
        unheard,
        p.informant_report,
        p.misclassification,
        p.speech_pair,
        p.pair_misread,
        p.pair_false,
        np.uint32(d.step),
        ev.detected,
        ev.caught,
        ev.false_records,
    )
