"""The social network: undirected, stored as CSR arrays with an active mask per edge.

Generator: every agent sits on a ring of its own group and is tied to
the next ``mean_degree / 2`` members, which gives clustering (Watts-Strogatz); each
ring tie is rewired with probability ``rewire`` to a random person, drawn from the
same group with probability ``homophily`` and from the whole population otherwise
(a stochastic-block model). Self-ties and duplicates are dropped, so the realised
mean degree is slightly below the target. Everything is vectorised; no Python loop
runs over agents or edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scoresim.core import network_kernel


@dataclass(frozen=True)
class NetworkParams:
    """Network generator settings: mean degree (even), homophily and rewiring probabilities."""

    mean_degree: int
    homophily: float
    rewire: float


@dataclass
class Network:
    """CSR adjacency of an undirected graph; each tie appears once in each row.

    Attributes:
        indptr: (N + 1,) int32, row offsets.
        indices: (E,) int32, neighbour ids, sorted within each row.
        active: (E,) bool, tie still standing (cut ties stay in the arrays).
    """

    indptr: NDArray[np.int32]
    indices: NDArray[np.int32]
    active: NDArray[np.bool_]

    @property
    def n(self) -> int:
        """N, the number of agents."""
        return int(self.indptr.shape[0] - 1)

    def row_edges(self, rows: NDArray[np.int64]) -> NDArray[np.int64]:
        """Positions of all edges of ``rows``, row by row in CSR order: (M,) int64."""
        starts = self.indptr[rows].astype(np.int64)
        counts = self.indptr[rows + 1].astype(np.int64) - starts
        offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
        out: NDArray[np.int64] = np.arange(int(counts.sum()), dtype=np.int64) + offsets
        return out

    def neighbour_counts(self, marked: NDArray[np.bool_]) -> NDArray[np.int32]:
        """For every agent, the number of active neighbours that are ``marked``.

        Args:
            marked: (N,) bool.

        Returns:
            (N,) int32 counts. One compiled pass from the rows of the marked (the graph
            is symmetric), so the cost grows with the number marked times the degree.
        """
        counts: NDArray[np.int32] = network_kernel.count_marked_neighbours(
            self.indptr, self.indices, self.active, marked
        )
        return counts

    def neighbour_sum(self, values: NDArray[np.float32]) -> NDArray[np.float32]:
        """For every agent, the sum of ``values`` ((N,) float32) over active neighbours."""
        total: NDArray[np.float32] = network_kernel.neighbour_sum(
            self.indptr, self.indices, self.active, values
        )
        return total

    def find_edges(self, rows: NDArray[np.int64], cols: NDArray[np.int64]) -> NDArray[np.int64]:
        """Positions of the edges (rows[k], cols[k]), by a vectorised binary search.

        Every pair must be an edge of the graph.

        Returns:
            (K,) int64 positions into ``indices``.
        """
        lo = self.indptr[rows].astype(np.int64)
        hi = self.indptr[rows + 1].astype(np.int64)
        while True:
            open_ = lo < hi
            if not open_.any():
                return lo
            mid = (lo + hi) // 2
            go_right = open_ & (self.indices[np.minimum(mid, self.indices.shape[0] - 1)] < cols)
            lo = np.where(go_right, mid + 1, lo)
            hi = np.where(open_ & ~go_right, mid, hi)

    def cut(self, positions: NDArray[np.int64]) -> NDArray[np.int64]:
        """Deactivate the ties at ``positions`` in both directions.

        Returns:
            (K,) int64 positions of the reverse edges.
        """
        rows = np.searchsorted(self.indptr, positions, side="right") - 1
        rev = self.find_edges(self.indices[positions].astype(np.int64), rows)
        for pos in (positions, rev):
            self.active[pos] = False
        return rev


def from_edges(n: int, u: NDArray[np.integer], v: NDArray[np.integer]) -> Network:
    """Build the CSR network from undirected edge endpoints (self-ties and repeats dropped).

    The indices array is a view of the placed ties after deduplication; repeats are
    rare, so keeping its few spare entries costs less than a copy at peak.
    """
    start, raw = network_kernel.place_ties(
        u.astype(np.int32, copy=False), v.astype(np.int32, copy=False), n
    )
    indptr = network_kernel.sort_rows_unique(start, raw)
    del start
    indices = raw[: int(indptr[-1])]
    return Network(indptr=indptr, indices=indices, active=np.ones(indices.shape[0], np.bool_))


def generate_network(
    group: NDArray[np.uint8], params: NetworkParams, rng: np.random.Generator
) -> Network:
    """Generate the homophilous, clustered network for a population.

    Args:
        group: (N,) uint8 group of each agent.
        params: Mean degree, homophily, rewiring.
        rng: The network's random stream.
    """
    n = group.shape[0]
    half = params.mean_degree // 2
    # Ids fit in int32 (N < 2^31 is checked by the scenario bounds); the 5N-long tie
    # arrays are the set-up's largest, so they are int32 and freed as soon as used.
    # Ring order: by group, then by id. Agents are drawn independently given their
    # group, so id order is as random as any shuffle, and with the population stored
    # group by group (state.init_state) it is the identity: ring neighbours are
    # neighbours in memory.
    order = np.argsort(group, kind="stable").astype(np.int32)
    sizes = np.bincount(group, minlength=int(group.max()) + 1 if n else 1).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    g_sorted = group[order]
    size_of = sizes[g_sorted].astype(np.int32)
    start_of = starts[g_sorted].astype(np.int32)
    del g_sorted
    pos = np.arange(n, dtype=np.int32) - start_of
    us, vs = [], []
    for d in range(1, half + 1):
        ok = d < size_of
        us.append(order[ok])
        vs.append(order[start_of[ok] + (pos[ok] + d) % size_of[ok]])
    del size_of, start_of, pos
    u = np.concatenate(us) if us else np.empty(0, np.int32)
    v = np.concatenate(vs) if vs else np.empty(0, np.int32)
    del us, vs
    m = u.shape[0]
    rewire = np.flatnonzero(rng.random(m, dtype=np.float32) < params.rewire)
    k = rewire.shape[0]
    same = rng.random(k, dtype=np.float32) < params.homophily
    gu = group[u[rewire]]
    within = order[starts[gu] + (rng.random(k) * sizes[gu]).astype(np.int64)]
    anyone = rng.integers(0, n, size=k)
    v[rewire] = np.where(same, within, anyone)
    del order, same, gu, within, anyone, rewire
    return from_edges(n, u, v)
