"""The followed people's values at the end of a day, gathered from the state and events in one pass.

A followed person's values lie far apart in memory (one cache line per array and
person), and at the end of a step they are far from the caches, so the gather is
bound by memory, not arithmetic: one compiled loop over the K people reading every
array, rather than fifteen NumPy gathers, each with its own call, allocation and
pass (docs/performance.md, "What following people costs"). The values are the
arrays' own: nothing here computes or draws.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray


@njit(cache=True, nogil=True)
def gather_after(ids: NDArray[np.int64], left_by: tuple[NDArray[np.bool_], ...],
                 flags_by: tuple[NDArray[np.bool_], ...], listed_until: NDArray[np.int32],
                 listed_wrongly: NDArray[np.bool_], score: NDArray[np.int16],
                 tier: NDArray[np.uint8], ties_lost: NDArray[np.uint32],
                 stance: NDArray[np.float32], approval: NDArray[np.float32],
                 flags: NDArray[np.bool_], left: NDArray[np.uint8],
                 score_out: NDArray[np.int16], tier_out: NDArray[np.uint8],
                 ties_out: NDArray[np.uint32], stance_out: NDArray[np.float32],
                 approval_out: NDArray[np.float32]) -> None:  # fmt: skip
    """Gather the end of a day's values of the followed people into the outputs.

    Args:
        ids: (K,) int64, the followed people.
        left_by: 4 (N,) bool arrays: who left the list by paying, repairing, expiry
            and an appeal won (the later one named when several happened).
        flags_by: F (N,) bool arrays, further per-person values, copied in order.
        listed_until: (N,) int32, the state's listing.
        listed_wrongly: (N,) bool.
        score: (N,) int16.
        tier: (N,) uint8.
        ties_lost: (N,) uint32.
        stance: (N,) float32.
        approval: (N,) float32, or (0,) when the regime has no approval (NaN then).
        flags: (F + 2, K) bool, written: ``flags_by``'s rows, then listed, then
            listed wrongly (and listed).
        left: (K,) uint8, written: 0 none, 1 paid, 2 repaired, 3 expired, 4 appeal won.
        score_out: (K,) int16, written.
        tier_out: (K,) uint8, written.
        ties_out: (K,) uint32, written.
        stance_out: (K,) float32, written.
        approval_out: (K,) float32, written.
    """
    f_n = len(flags_by)
    for k in range(ids.shape[0]):
        i = ids[k]
        code = 0
        for r in range(4):
            if left_by[r][i]:
                code = r + 1
        left[k] = code
        for r in range(f_n):
            flags[r, k] = flags_by[r][i]
        listed = listed_until[i] > 0
        flags[f_n, k] = listed
        flags[f_n + 1, k] = listed and listed_wrongly[i]
        score_out[k] = score[i]
        tier_out[k] = tier[i]
        ties_out[k] = ties_lost[i]
        stance_out[k] = stance[i]
        approval_out[k] = approval[i] if approval.shape[0] > 0 else np.float32(np.nan)
