"""Building the CSR arrays from sorted unique pairs in one counting pass (Numba).

Sorting 2E 64-bit keys (the NumPy way) costs two large temporaries and O(E log E);
placing each pair straight into its two rows is linear and allocates only the result.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def csr_from_pairs(
    lo: np.ndarray, hi: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """CSR ``indptr`` (n + 1,) int32 and ``indices`` (2P,) int32 of an undirected graph.

    ``lo < hi`` are the P pairs sorted by (lo, hi), each once. Within a row the columns
    come out ascending: the columns below the row (from pairs where the row is ``hi``,
    in ascending ``lo``) are placed first, then those above it (ascending ``hi``).
    """
    indptr = np.zeros(n + 1, np.int64)
    for p in range(lo.shape[0]):
        indptr[lo[p] + 1] += 1
        indptr[hi[p] + 1] += 1
    for r in range(n):
        indptr[r + 1] += indptr[r]
    fill = indptr[:-1].copy()
    indices = np.empty(2 * lo.shape[0], np.int32)
    for p in range(lo.shape[0]):
        r = hi[p]
        indices[fill[r]] = lo[p]
        fill[r] += 1
    for p in range(lo.shape[0]):
        r = lo[p]
        indices[fill[r]] = hi[p]
        fill[r] += 1
    return indptr.astype(np.int32), indices


@njit(cache=True)
def count_marked_neighbours(
    indptr: np.ndarray, indices: np.ndarray, active: np.ndarray, marked: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """For every agent, the number of marked agents among its active neighbours.

    Pushes from the rows of the marked agents (the graph is symmetric), so the cost
    grows with the number marked times the degree, and no id list is materialised.

    Args:
        indptr: (N + 1,) int32 row offsets.
        indices: (E,) int32 neighbour ids.
        active: (E,) bool, tie still standing.
        marked: (N,) bool, the agents to count.

    Returns:
        (N,) int32 counts.
    """
    n = marked.shape[0]
    counts = np.zeros(n, np.int32)
    for i in range(n):
        if marked[i]:
            for e in range(indptr[i], indptr[i + 1]):
                if active[e]:
                    counts[indices[e]] += 1
    return counts
