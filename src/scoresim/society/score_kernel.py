"""Points, recovery, clipping and tiers of the ``score`` phase as one compiled pass.

NumPy needed some twenty passes and int32 temporaries over N for these few lines of
arithmetic; here each agent's records and score are read once. Compiled with Numba
at first use and cached on disk; ``tests/reference`` checks it per agent.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange


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


@njit(cache=True, inline="always")
def _listing(
    end: Any,
    score: Any,
    entry: bool,
    pays: bool,
    t: int,
    score_coupled: bool,
    threshold: int,
    term: int,
    extension: int,
    cap: int,
) -> tuple[Any, Any, Any, Any]:  # pragma: no cover - compiled
    """One person's listing in one world: (its new end, listed today, ended today, expired).

    ``expired``: the listing reached its term today and was neither renewed nor
    extended (it ended, or a new entry event today began a new one).

    Scalars only: with the arrays passed in, the inlined serial loop ran 75x slower.
    ``end`` and ``score`` are int64.
    """
    listed = end > 0
    expired = listed and end <= t
    if score_coupled:
        below = score < threshold
        start = below and (not listed or expired)
        renew = start and listed
        stop = expired and not below
        fresh = start and not listed
    else:
        # A listing that expires today has ended: an entry event today is a new listing.
        start = entry
        renew = start and listed and not expired
        stop = (expired and not start) or (listed and not expired and not start and pays)
        fresh = start and (not listed or expired)
    until = end
    if start:
        until = t + term
    if renew and extension >= 0:
        # An extension counts from the current end; at expiry that is today.
        from_day = end if end > t else t
        until = min(from_day + extension, cap)
    if stop:
        until = 0
    lapsed = expired and not renew
    return until, fresh, stop, lapsed


@njit(cache=True, nogil=True)
def advance_listing(
    until: np.ndarray,
    score: np.ndarray,
    entry: np.ndarray,
    pays: np.ndarray,
    t: int,
    score_coupled: bool,
    threshold: int,
    term: int,
    extension: int,
    cap: int,
    new: np.ndarray,
    ends: np.ndarray,
    lapsed: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Listings of one world in one pass (``score.advance_listing`` gives the rule).

    Args:
        until: (N,) int32, the world's listing ends (0 = not listed), updated.
        score: (N,) int16, the world's score after today's points.
        entry: (N,) bool, an entry event recorded today (list coupling).
        pays: (N,) bool, would pay off a listing today (list coupling).
        t: the current step.
        score_coupled: the list follows the score (else entry events).
        threshold: the score below which a person is listed (score coupling).
        term: a listing's length in steps.
        extension: steps a renewal adds, or -1 to restart the term.
        cap: the largest listing end (int32 step counts must not overflow).
        new: (N,) bool, written: listed today, not listed before.
        ends: (N,) bool, written: listing ended today.
        lapsed: (N,) bool, written: listing reached its term today, not renewed.
    """
    for i in range(until.shape[0]):
        until[i], new[i], ends[i], lapsed[i] = _listing(
            np.int64(until[i]),
            np.int64(score[i]),
            entry[i],
            pays[i],
            t,
            score_coupled,
            threshold,
            term,
            extension,
            cap,
        )


@njit(cache=True, nogil=True, parallel=True)
def advance_listing_parallel(
    until: np.ndarray,
    score: np.ndarray,
    entry: np.ndarray,
    pays: np.ndarray,
    t: int,
    score_coupled: bool,
    threshold: int,
    term: int,
    extension: int,
    cap: int,
    new: np.ndarray,
    ends: np.ndarray,
    lapsed: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """:func:`advance_listing` on every Numba thread (each person is their own: same bits)."""
    for i in prange(until.shape[0]):
        until[i], new[i], ends[i], lapsed[i] = _listing(
            np.int64(until[i]),
            np.int64(score[i]),
            entry[i],
            pays[i],
            t,
            score_coupled,
            threshold,
            term,
            extension,
            cap,
        )
