"""The dense parts of ``adapt`` as single compiled passes (float32 throughout).

NumPy made three passes and two temporaries per behaviour for forgetting, and
fancy-indexed copies for the conformity update; here each is one loop over the
agents, computing the same float32 expressions in the same order (so the results
are the same bits). Compiled with Numba at first use and cached on disk.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def learn_own(
    perceived: np.ndarray, acts: np.ndarray, caught: np.ndarray, rate: np.float32
) -> None:  # pragma: no cover - compiled
    """Where acts[b, i]: perceived[b, i] += rate * (caught[b, i] - perceived[b, i]).

    Args:
        perceived: (B, N) float32, updated in place.
        acts: (B, N) bool, who did each behaviour today.
        caught: (B, N) bool, whose act was recorded.
        rate: learning rate from one's own experience.
    """
    one = np.float32(1.0)
    zero = np.float32(0.0)
    for b in range(perceived.shape[0]):
        row, did, got = perceived[b], acts[b], caught[b]
        for i in range(row.shape[0]):
            if did[i]:
                target = one if got[i] else zero
                row[i] += rate * (target - row[i])


@njit(cache=True, nogil=True)
def forget(perceived: np.ndarray, prior: np.ndarray, rate: np.float32) -> None:  # pragma: no cover
    """perceived[b, i] += rate * (prior[b] - perceived[b, i]) for all b, i, in place."""
    for b in range(perceived.shape[0]):
        target = prior[b]
        row = perceived[b]
        for i in range(row.shape[0]):
            row[i] += rate * (target - row[i])


@njit(cache=True, nogil=True)
def smooth_seen(
    seen: np.ndarray, counts: np.ndarray, degree: np.ndarray, alpha: np.float32
) -> None:  # pragma: no cover - compiled
    """seen[i] moves towards counts[i] / degree[i] by alpha, for agents with neighbours."""
    for i in range(seen.shape[0]):
        d = degree[i]
        if d > 0:
            share = np.float32(counts[i]) / np.float32(d)
            seen[i] += alpha * (share - seen[i])
