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
    fp_points: np.ndarray,
    tier: np.ndarray,
    caught: np.ndarray,
    false_records: np.ndarray,
    aware: np.ndarray,
    points: np.ndarray,
    consent_required: bool,
    start: int,
    recovery: int,
    lo: int,
    hi: int,
    tier_of: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Apply today's records to the scores, in place.

    Args:
        score: (N,) int16, updated.
        fp_points: (N,) int16, points lost to false records and not yet recovered.
        tier: (N,) uint8, written.
        caught: (B, N) bool, true records.
        false_records: (B, N) bool, false records (never where ``caught``).
        aware: (N,) bool, consenting; only they are scored if ``consent_required``.
        points: (B,) int32 points per record (negative for penalties).
        consent_required: whether only the consenting are scored.
        start: the start score, below which scores recover.
        recovery: points regained per step below ``start``.
        lo: lowest score.
        hi: highest score.
        tier_of: (hi - lo + 1,) uint8, the tier of each score from ``lo``.
    """
    b_n, n = caught.shape
    # All arithmetic in int32 (scores are int16), which vectorises twice as wide.
    start32, recovery32 = np.int32(start), np.int32(recovery)
    lo32, hi32, cap = np.int32(lo), np.int32(hi), np.int32(hi - lo)
    zero = np.int32(0)
    # Behaviour by behaviour into two per-agent totals, then one pass per agent:
    # row-wise loops vectorise, a loop over behaviours per agent did not (4x slower).
    gained = np.zeros(n, np.int32)
    false_lost = np.zeros(n, np.int32)
    for b in range(b_n):
        pts = np.int32(points[b])
        # Only points lost count as error; a false gain does not cancel a false loss.
        lost = pts if pts < 0 else np.int32(0)
        if pts == 0:
            continue
        got, false = caught[b], false_records[b]
        for i in range(n):
            gained[i] += pts * np.int32(got[i] | false[i])
            false_lost[i] += lost * np.int32(false[i])
    for i in range(n):
        scored = np.int32(aware[i] or not consent_required)
        s = np.int32(score[i]) + gained[i] * scored
        fp = np.int32(fp_points[i]) - false_lost[i] * scored
        rec = min(max(start32 - s, zero), recovery32)
        s += rec
        fp = max(fp - rec, zero)
        s = min(max(s, lo32), hi32)
        score[i] = s
        fp_points[i] = min(fp, cap)
        tier[i] = tier_of[s - lo32]
