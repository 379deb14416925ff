"""A small, drawable piece of a run's network, for the report.

Whole networks of 10^5 people cannot be drawn; a snowball of up to ``SIZE`` people
around a listed person (or a random one when nobody is listed) shows what matters
in a picture: who is listed, who was shamed, which ties were cut. The sample is
drawn from a stream of its own, seeded from the run, so it never shifts the model's
draws and the same run always gives the same picture.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoresim.core.network import Network
from scoresim.society.state import CitizenState

SIZE = 120
SAMPLE_KEY = 2**31 - 7  # a spawn key no model stream uses


def sample_network(
    state: CitizenState, net: Network, root: np.random.SeedSequence, size: int = SIZE
) -> pd.DataFrame:
    """Ties among a snowball sample of agents.

    Columns ``source``, ``target``, ``active``, and ``source_shamed``,
    ``target_shamed`` (whether each end is shown publicly at the run's end; the agents
    table keeps to docs/model.md's columns, so the picture carries this itself).

    The snowball starts from a listed person who lost ties (else a listed person, else
    anyone). Each tie appears once (``source < target``); cut ties are kept with
    ``active == False``. Agents are the rows of the run's agents table (by ``id``).
    """
    rng = np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(SAMPLE_KEY,)))
    # Start where there is something to see: a listed person who lost ties, else a
    # listed person, else anyone.
    listed = state.listed_until > 0
    pool = np.flatnonzero(listed & (state.ties_lost > 0))
    if not pool.shape[0]:
        pool = np.flatnonzero(listed) if listed.any() else np.arange(state.n)
    start = int(rng.choice(pool)) if pool.shape[0] else 0
    chosen = [start]
    seen = {start}
    frontier = [start]
    while frontier and len(chosen) < size:
        nxt: list[int] = []
        for i in frontier:
            row = net.indices[net.indptr[i] : net.indptr[i + 1]]
            for j in rng.permutation(row):
                j = int(j)
                if j not in seen and len(chosen) < size:
                    seen.add(j)
                    chosen.append(j)
                    nxt.append(j)
        frontier = nxt
    sources, targets, active = [], [], []
    for i in chosen:
        lo, hi = net.indptr[i], net.indptr[i + 1]
        for e in range(lo, hi):
            j = int(net.indices[e])
            if i < j and j in seen:
                sources.append(i)
                targets.append(j)
                active.append(bool(net.active[e]))
    src, dst = np.array(sources, np.int64), np.array(targets, np.int64)
    return pd.DataFrame(
        {
            "source": src,
            "target": dst,
            "active": np.array(active, np.bool_),
            "source_shamed": state.shamed[src],
            "target_shamed": state.shamed[dst],
        }
    )
