"""Points, recovery, clipping and tiers of the ``score`` phase as one compiled pass.

NumPy needed some twenty passes and int32 temporaries over N for these few lines of
arithmetic; here each agent's records and score are read once. Compiled with Numba
at first use and cached on disk; ``tests/reference`` checks it per agent.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def update_points(
    score: np.ndarray,
    tier: np.ndarray,
    records: np.ndarray,
    more_records: np.ndarray,
    scored: np.ndarray,
    points: np.ndarray,
    start: int,
    recovery: int,
    lo: int,
    hi: int,
    tier_of: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Apply today's records to the scores, in place.

    Args:
        score: (N,) int16, updated.
        tier: (N,) uint8, written (or (0,) to skip the tiers).
        records: (B, N) bool; a person is recorded for b if ``records`` or
            ``more_records`` says so (the true and the false records, say).
        more_records: (B, N) bool.
        scored: (N,) bool, whose records change their score.
        points: (B,) int32 points per record (negative for penalties).
        start: the start score, below which scores recover.
        recovery: points regained per step below ``start``.
        lo: lowest score.
        hi: highest score.
        tier_of: (hi - lo + 1,) uint8, the tier of each score from ``lo``.
    """
    b_n, n = records.shape
    # All arithmetic in int32 (scores are int16), which vectorises twice as wide.
    start32, recovery32 = np.int32(start), np.int32(recovery)
    lo32, hi32 = np.int32(lo), np.int32(hi)
    zero = np.int32(0)
    write_tier = tier.shape[0] > 0
    # Behaviour by behaviour into a per-agent total, then one pass per agent:
    # row-wise loops vectorise, a loop over behaviours per agent did not (4x slower).
    gained = np.zeros(n, np.int32)
    for b in range(b_n):
        pts = np.int32(points[b])
        if pts == 0:
            continue
        got, more = records[b], more_records[b]
        for i in range(n):
            gained[i] += pts * np.int32(got[i] | more[i])
    for i in range(n):
        s = np.int32(score[i]) + gained[i] * np.int32(scored[i])
        s += min(max(start32 - s, zero), recovery32)
        s = min(max(s, lo32), hi32)
        score[i] = s
        if write_tier:
            tier[i] = tier_of[s - lo32]
