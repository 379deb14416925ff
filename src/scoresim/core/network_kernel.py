"""Compiled passes over the network: building its CSR arrays, counting, summing.

The build places every raw tie straight into the rows of both its ends (a counting
pass), then sorts and deduplicates each short row in place. The NumPy way sorted all
2E directed 64-bit keys at once, which cost O(E log E) and two large temporaries
(about 250 bytes per agent at peak, the largest term in a 10^7-agent run's memory).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def place_ties(
    u: np.ndarray, v: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Place every raw tie (u[k], v[k]) in the rows of both its ends; drop self-ties.

    Args:
        u: (M,) int32 one end of each raw tie.
        v: (M,) int32 the other end.
        n: N, the number of agents.

    Returns:
        start (N + 1,) int64 row offsets and raw (2M',) int32 neighbours, unsorted and
        possibly repeated within a row (M' the ties that are not self-ties).
    """
    start = np.zeros(n + 1, np.int64)
    for k in range(u.shape[0]):
        if u[k] != v[k]:
            start[u[k] + 1] += 1
            start[v[k] + 1] += 1
    for r in range(n):
        start[r + 1] += start[r]
    fill = start[:-1].copy()
    raw = np.empty(start[n], np.int32)
    for k in range(u.shape[0]):
        a, b = u[k], v[k]
        if a != b:
            raw[fill[a]] = b
            fill[a] += 1
            raw[fill[b]] = a
            fill[b] += 1
    return start, raw


@njit(cache=True, nogil=True)
def sort_rows_unique(start: np.ndarray, raw: np.ndarray) -> np.ndarray:  # pragma: no cover
    """Sort each row of ``raw`` and keep one of equal neighbours, compacting in place.

    A row never moves right, so the compaction can overwrite ``raw`` as it goes.

    Args:
        start: (N + 1,) int64 row offsets into ``raw``, from :func:`place_ties`.
        raw: (R,) int32 neighbours; on return its first ``indptr[N]`` entries are
            the CSR indices.

    Returns:
        indptr: (N + 1,) int32.
    """
    n = start.shape[0] - 1
    indptr = np.zeros(n + 1, np.int32)
    out = 0
    for r in range(n):
        row = np.sort(raw[start[r] : start[r + 1]])
        last = -1
        for c in row:
            if c != last:
                raw[out] = c
                out += 1
                last = c
        indptr[r + 1] = out
    return indptr


@njit(cache=True, nogil=True)
def neighbour_sum(
    indptr: np.ndarray, indices: np.ndarray, active: np.ndarray, values: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """For every agent, the float32 sum of ``values`` over its active neighbours.

    Args:
        indptr: (N + 1,) int32 row offsets.
        indices: (E,) int32 neighbour ids.
        active: (E,) bool, tie still standing.
        values: (N,) float32.

    Returns:
        (N,) float32, accumulated in row order.
    """
    n = indptr.shape[0] - 1
    out = np.zeros(n, np.float32)
    for r in range(n):
        total = np.float32(0.0)
        for e in range(indptr[r], indptr[r + 1]):
            if active[e]:
                total += values[indices[e]]
        out[r] = total
    return out


@njit(cache=True, nogil=True)
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
