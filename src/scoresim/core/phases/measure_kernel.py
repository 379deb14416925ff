"""One pass over the agents for every per-group sum the ``measure`` phase needs.

The NumPy version made some forty separate passes over (N,) and (B, N) arrays
(bincounts, masks, their temporaries); fused, each agent's values are read once.
Compiled with Numba at first use and cached on disk; the per-agent reference in
``tests/reference`` and the differential test check it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Columns of the (G, K) float64 ``scalars`` output.
PRIVATE, EXPRESSED, LISTED, WRONGLY, SHAMED, LOST, DEGREE, WEALTH = range(8)
SCALARS = 8


@njit(cache=True)
def group_sums(
    group: np.ndarray,
    acts: np.ndarray,
    caught: np.ndarray,
    false_records: np.ndarray,
    perceived: np.ndarray,
    stance: np.ndarray,
    last_dissent: np.ndarray,
    dissent_since: int,
    tier: np.ndarray,
    listed_until: np.ndarray,
    wrongly: np.ndarray,
    shamed: np.ndarray,
    ties_lost: np.ndarray,
    degree: np.ndarray,
    wealth: np.ndarray,
    score: np.ndarray,
    lo: int,
    n_groups: int,
    n_tiers: int,
    width: int,
) -> tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray
]:  # pragma: no cover
    """Per-group sums in one pass.

    Returns:
        acts (G, B), recorded (G, B), perceived risk (G, B) sums; tier counts (G, T);
        the scalars (G, 8) in the order of the module constants; the score histogram
        (G, width) int64 from ``lo``.
    """
    b_n, n = acts.shape
    acts_sum = np.zeros((n_groups, b_n))
    rec_sum = np.zeros((n_groups, b_n))
    pr_sum = np.zeros((n_groups, b_n))
    tiers = np.zeros((n_groups, n_tiers))
    scalars = np.zeros((n_groups, SCALARS))
    hist = np.zeros((n_groups, width), np.int64)
    for i in range(n):
        g = group[i]
        for b in range(b_n):
            if acts[b, i]:
                acts_sum[g, b] += 1.0
            if caught[b, i] or false_records[b, i]:
                rec_sum[g, b] += 1.0
            pr_sum[g, b] += perceived[b, i]
        if stance[i] < 0:
            scalars[g, PRIVATE] += 1.0
        if last_dissent[i] > dissent_since:
            scalars[g, EXPRESSED] += 1.0
        tiers[g, tier[i]] += 1.0
        if listed_until[i] > 0:
            scalars[g, LISTED] += 1.0
            if wrongly[i]:
                scalars[g, WRONGLY] += 1.0
        if shamed[i]:
            scalars[g, SHAMED] += 1.0
        scalars[g, LOST] += ties_lost[i]
        scalars[g, DEGREE] += degree[i]
        scalars[g, WEALTH] += wealth[i]
        hist[g, score[i] - lo] += 1
    return acts_sum, rec_sum, pr_sum, tiers, scalars, hist


@njit(cache=True)
def gini_sorted(
    values: np.ndarray, group: np.ndarray, n_groups: int
) -> np.ndarray:  # pragma: no cover - compiled
    """Gini of ``values`` within each group and overall, the values in ascending order.

    Uses Gini = 2 sum(rank x) / (n sum x) - (n + 1) / n over each sorted subset, with
    ranks counted per group in one sequential pass.

    Args:
        values: (N,) float64, ascending.
        group: (N,) uint8, the group of each value.
        n_groups: G.

    Returns:
        (G + 1,) float64, 0 for an empty or all-zero subset.
    """
    count = np.zeros(n_groups + 1)
    total = np.zeros(n_groups + 1)
    ranked = np.zeros(n_groups + 1)
    for i in range(values.shape[0]):
        x = values[i]
        g = np.int64(group[i])
        count[g] += 1.0
        total[g] += x
        ranked[g] += count[g] * x
        count[n_groups] += 1.0
        total[n_groups] += x
        ranked[n_groups] += count[n_groups] * x
    out = np.zeros(n_groups + 1)
    for row in range(n_groups + 1):
        c, t = count[row], total[row]
        if c > 0 and t != 0.0:
            out[row] = 2.0 * ranked[row] / (c * t) - (c + 1.0) / c
    return out
