"""The decision rule of ``behave`` as one compiled pass over the agents.

NumPy made about a dozen passes and temporaries of N float32 per behaviour; here
each agent's row of every (B, N) input is read once and its decisions written once.
The regime's constants are folded by :func:`coefficients` into five numbers per
behaviour, so the loop needs no branches on the coupling. Compiled with Numba at
first use and cached on disk; ``tests/reference`` checks it against the per-agent
rule in float64.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

from scoresim.core.crn import SPAN, fill
from scoresim.core.threads import CHUNK
from scoresim.society.params import COUPLING_SCORE, BehaveParams

# Columns of the (B, 6) float32 coefficient table.
AWARE_COST, PROX_COST, LIST_COST, REWARD, CONFORM, ROW = range(6)


def coefficients(p: BehaveParams) -> NDArray[np.float32]:
    """Fold the decision rule's constants into the log-odds per behaviour: (B, 6) float32.

    With ``prox`` the agent's proximity to listing (score coupling only), the rule is::

        logit = logit0 - ra * pr * (aware * (AWARE_COST + PROX_COST * prox) + LIST_COST)
                + aware * REWARD * pr + CONFORM * rel

    where ``rel`` is the clipped relative change of what the agent sees neighbours do,
    read from row ``ROW`` of ``state.seen`` (-1 when the behaviour has no conformity).
    """
    b_n = p.n_behaviours
    table = np.zeros((b_n, 6), dtype=np.float64)
    table[:, ROW] = -1.0
    score_coupled = p.coupling == COUPLING_SCORE
    for b in range(b_n):
        pen = float(p.penalty[b])
        if pen > 0.0:
            if score_coupled:
                table[b, AWARE_COST] = p.deterrence * pen
                if p.has_list:
                    table[b, PROX_COST] = (
                        p.deterrence * pen * p.stakes + p.shame_aversion * p.exposure
                    )
            else:
                prox = 1.0 if p.has_list and p.entry_events[b] else 0.0
                table[b, AWARE_COST] = p.deterrence * pen * (1.0 + p.stakes * prox)
        if not score_coupled and p.has_list and p.entry_events[b]:
            table[b, LIST_COST] = (
                p.deterrence * float(p.listing_stake[b]) * (1.0 + p.stakes)
                + p.shame_aversion * p.exposure
            )
        table[b, REWARD] = p.reward_sensitivity * max(float(p.reward[b]), 0.0)
    for k, b in enumerate(p.conform_idx):
        table[b, CONFORM] = p.conformity[b]
        table[b, ROW] = k
    return table.astype(np.float32)


@njit(cache=True, nogil=True)
def proximity(
    score: np.ndarray, threshold: float, margin: float, out: np.ndarray
) -> None:  # pragma: no cover - compiled
    """out[i] = clip(1 - (score[i] - threshold) / margin, 0, 1). score (N,) int16, out (N,) float32."""
    one = np.float32(1.0)
    zero = np.float32(0.0)
    thr = np.float32(threshold)
    mar = np.float32(margin)
    for i in range(out.shape[0]):
        out[i] = min(max(one - (np.float32(score[i]) - thr) / mar, zero), one)


@njit(cache=True, nogil=True)
def minus_logit(
    coef: np.ndarray,
    logit0: np.ndarray,
    perceived: np.ndarray,
    risk_aversion: np.ndarray,
    aware: np.ndarray,
    prox: np.ndarray,
    seen: np.ndarray,
    seen_ref: np.ndarray,
    out: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Write ``-logit`` of one behaviour for every agent into ``out``.

    Every array is one (N,) row, so that the loop compiles to SIMD code (with the
    (B, N) arrays indexed in two dimensions it did not, and ran 3x slower).

    Args:
        coef: (6,) float32, the behaviour's row of :func:`coefficients`.
        logit0: (N,) float32, the behaviour's pressure-free log-odds.
        perceived: (N,) float32, the behaviour's perceived detection probability.
        risk_aversion: (N,) float32.
        aware: (N,) bool, knows they are scored.
        prox: (N,) float32, proximity to listing (0 without score coupling).
        seen: (N,) float32 smoothed share of neighbours seen doing it; read only if
            ``coef[ROW] >= 0``.
        seen_ref: (N,) float32, its pressure-free reference; read likewise.
        out: (N,) float32, written; clipped to [-80, 80] so that its exponential
            stays finite in float32 (no decision changes: the smallest nonzero
            float32 uniform is 2**-24).
    """
    one = np.float32(1.0)
    zero = np.float32(0.0)
    floor = np.float32(1e-6)
    bound = np.float32(80.0)
    aware_cost = coef[AWARE_COST]
    prox_cost = coef[PROX_COST]
    list_cost = coef[LIST_COST]
    reward = coef[REWARD]
    weight = coef[CONFORM]
    conform = coef[ROW] >= zero
    for i in range(out.shape[0]):
        aw = one if aware[i] else zero
        pr = perceived[i]
        cost = aw * (aware_cost + prox_cost * prox[i]) + list_cost
        logit = logit0[i] - risk_aversion[i] * pr * cost + aw * reward * pr
        if conform:
            ref = max(seen_ref[i], floor)
            logit += weight * min(max((seen[i] - ref) / ref, -one), one)
        out[i] = min(max(-logit, -bound), bound)


@njit(cache=True, inline="always")
def _settle_span(
    lo: int,
    hi: int,
    k0: np.uint32,
    k1: np.uint32,
    step: np.uint32,
    odds: np.ndarray,
    acts: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Ids ``lo`` to ``hi - 1`` (``lo`` a multiple of 4): act when ``u < 1 / (1 + odds)``."""
    one = np.float32(1.0)
    buf = np.empty(SPAN, np.float32)
    for start in range(lo, hi, SPAN):
        fill(k0, k1, step, start, buf)
        m = min(SPAN, hi - start)
        # Slices, so that the loop indexes from 0 and compiles to SIMD code (an index
        # the compiler cannot prove non-negative kept it scalar, 2.6x slower).
        did, against = acts[start : start + m], odds[start : start + m]
        for j in range(m):
            did[j] = buf[j] * (one + against[j]) < one


@njit(cache=True, nogil=True)
def settle(
    k0: np.uint32, k1: np.uint32, step: np.uint32, odds_against: np.ndarray, acts: np.ndarray
) -> None:  # pragma: no cover - compiled
    """acts[i] = u[i] < 1 / (1 + odds_against[i]), without the division, drawing u inline.

    Args:
        k0: the first word of the Philox key of ``act/<behaviour>``.
        k1: its second word.
        step: the step (the draws' counter).
        odds_against: (N,) float32, ``exp(-logit)`` of each person's decision.
        acts: (N,) bool, written.
    """
    _settle_span(0, odds_against.shape[0], k0, k1, step, odds_against, acts)


@njit(cache=True, nogil=True, parallel=True)
def settle_parallel(
    k0: np.uint32, k1: np.uint32, step: np.uint32, odds_against: np.ndarray, acts: np.ndarray
) -> None:  # pragma: no cover - compiled
    """:func:`settle` in chunks of people on every Numba thread.

    The same bits as :func:`settle`: each person's draw is keyed, and each chunk writes
    only its own people's decisions.
    """
    n = odds_against.shape[0]
    for c in prange((n + CHUNK - 1) // CHUNK):
        _settle_span(c * CHUNK, min(n, (c + 1) * CHUNK), k0, k1, step, odds_against, acts)
