"""``observe`` as one compiled pass per step, drawing its keyed numbers inline.

The NumPy version made, per (source, behaviour) pair, a list of actors, an array of
their detection draws, an array of label draws, an (N,) array of false-record draws
and boolean masks of each, about a dozen Python-level calls a pair. Here every pair's
draws are made a span of people at a time from the same Philox counters
(:func:`scoresim.core.crn.fill_at` for the span's actors,
:func:`~scoresim.core.crn.fill` for false records), so the records are the same bits,
with no (N,) temporaries and one call. ``tests/reference`` checks the phase against the
per-agent rule of docs/model.md, and ``benchmarks/output_hashes.py`` the tables.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from scoresim.core.crn import SPAN, fill, fill_at
from scoresim.core.threads import CHUNK


@njit(cache=True, inline="always")
def _span(
    lo: int,
    hi: int,
    acts: np.ndarray,
    group: np.ndarray,
    informants: np.ndarray,
    pairs: np.ndarray,
    keys: np.ndarray,
    coverage: np.ndarray,
    unheard: np.ndarray,
    report: np.ndarray,
    misclassification: np.ndarray,
    speech_pair: np.ndarray,
    pair_misread: np.ndarray,
    pair_false: np.ndarray,
    step: np.uint32,
    detected: np.ndarray,
    caught: np.ndarray,
    false_records: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Today's records of people ``lo`` to ``hi - 1`` (``lo`` a multiple of 4).

    Args:
        lo: the first id.
        hi: one past the last id.
        acts: (B, N) bool, today's acts.
        group: (N,) uint8, each person's group.
        informants: (N,) int32, informant neighbours per person.
        pairs: (P, 2) int32, source and behaviour of each watched pair.
        keys: (3P, 2) uint32, the Philox keys of each pair's ``detect``, ``misread``
            and ``false`` purposes.
        coverage: (S, G) float32, each source's coverage per group.
        unheard: (S, K + 1) float32, ``(1 - report[s]) ** k`` for k = 0..K, computed
            by NumPy (K the largest informant count), so the power is NumPy's.
        report: (S,) float32, informants' report probability (0: no informants).
        misclassification: (S,) float32, each source's misreading probability.
        speech_pair: (S, B) int32, the label a misread act of b takes (-1: none).
        pair_misread: (P,) bool, whether a pair's records can be misread.
        pair_false: (P, G) float32, each pair's daily false-record probability.
        step: the step (the draws' counter).
        detected: (B, N) bool, written: true acts seen, misread or not.
        caught: (B, N) bool, written: true acts recorded as what they were.
        false_records: (B, N) bool, written: records of acts not done.
    """
    one = np.float32(1.0)
    buf = np.empty(SPAN, np.float32)
    u_cover = np.empty(SPAN, np.float32)
    u_label = np.empty(SPAN, np.float32)
    ids = np.empty(SPAN, np.int64)
    detected[:, lo:hi] = False
    caught[:, lo:hi] = False
    false_records[:, lo:hi] = False
    for q in range(pairs.shape[0]):
        s, b = pairs[q, 0], pairs[q, 1]
        kd0, kd1 = keys[3 * q, 0], keys[3 * q, 1]
        km0, km1 = keys[3 * q + 1, 0], keys[3 * q + 1, 1]
        other = speech_pair[s, b]
        informed = report[s] > np.float32(0.0)
        misread = pair_misread[q]
        for start in range(lo, hi, SPAN):
            # The actors of this span, then their draws in tight loops, then the records.
            did = acts[b, start : min(start + SPAN, hi)]
            m = 0
            for j in range(did.shape[0]):
                if did[j]:
                    ids[m] = start + j
                    m += 1
            fill_at(kd0, kd1, step, ids, m, u_cover)
            if misread:
                fill_at(km0, km1, step, ids, m, u_label)
            for j in range(m):
                i = ids[j]
                prob = coverage[s, group[i]]
                if informed:
                    prob = prob * (one - unheard[s, informants[i]])
                if u_cover[j] < prob:
                    detected[b, i] = True
                    if misread and u_label[j] < misclassification[s]:
                        false_records[other, i] = True
                    else:
                        caught[b, i] = True
        if pair_false[q].max() <= np.float32(0.0):
            continue  # no false record can be drawn (as Keys.below skips the draws)
        kf0, kf1 = keys[3 * q + 2, 0], keys[3 * q + 2, 1]
        rates = pair_false[q]
        for start in range(lo, hi, SPAN):
            fill(kf0, kf1, step, start, buf)
            m = min(SPAN, hi - start)
            who, record = group[start : start + m], false_records[b, start : start + m]
            for j in range(m):
                if buf[j] < rates[who[j]]:
                    record[j] = True
    for b in range(acts.shape[0]):
        wins, record = caught[b, lo:hi], false_records[b, lo:hi]
        for j in range(wins.shape[0]):
            if wins[j]:
                record[j] = False


@njit(cache=True, nogil=True)
def observe(
    acts: np.ndarray,
    group: np.ndarray,
    informants: np.ndarray,
    pairs: np.ndarray,
    keys: np.ndarray,
    coverage: np.ndarray,
    unheard: np.ndarray,
    report: np.ndarray,
    misclassification: np.ndarray,
    speech_pair: np.ndarray,
    pair_misread: np.ndarray,
    pair_false: np.ndarray,
    step: np.uint32,
    detected: np.ndarray,
    caught: np.ndarray,
    false_records: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Fill today's records from the acts, for everyone (the arguments are :func:`_span`'s)."""
    _span(0, acts.shape[1], acts, group, informants, pairs, keys, coverage, unheard, report,
          misclassification, speech_pair, pair_misread, pair_false, step, detected, caught,
          false_records)  # fmt: skip


@njit(cache=True, nogil=True, parallel=True)
def observe_parallel(
    acts: np.ndarray,
    group: np.ndarray,
    informants: np.ndarray,
    pairs: np.ndarray,
    keys: np.ndarray,
    coverage: np.ndarray,
    unheard: np.ndarray,
    report: np.ndarray,
    misclassification: np.ndarray,
    speech_pair: np.ndarray,
    pair_misread: np.ndarray,
    pair_false: np.ndarray,
    step: np.uint32,
    detected: np.ndarray,
    caught: np.ndarray,
    false_records: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """:func:`observe` in chunks of people on every Numba thread.

    The same bits as :func:`observe`: every draw is keyed, and each chunk writes only
    its own people's records.
    """
    n = acts.shape[1]
    for c in prange((n + CHUNK - 1) // CHUNK):
        _span(c * CHUNK, min(n, (c + 1) * CHUNK), acts, group, informants, pairs, keys,
              coverage, unheard, report, misclassification, speech_pair, pair_misread,
              pair_false, step, detected, caught, false_records)  # fmt: skip
