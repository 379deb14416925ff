"""One pass over the agents for every per-group sum the ``measure`` phase needs.

The NumPy version made some forty separate passes over (N,) and (B, N) arrays
(bincounts, masks, their temporaries); fused, each agent's values are read once.
Compiled with Numba at first use and cached on disk; the per-agent reference in
``tests/reference`` and the differential test check it.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

# Columns of the (G, K) float64 ``scalars`` output.
PRIVATE, EXPRESSED, LISTED, WRONGLY, SHAMED, LOST, DEGREE, WEALTH, SILENT = range(9)
SCALARS = 9


@njit(cache=True, inline="always")
def _row_sum(
    b: int,
    g: int,
    bounds: np.ndarray,
    acts: np.ndarray,
    caught: np.ndarray,
    false_records: np.ndarray,
    perceived: np.ndarray,
    acts_sum: np.ndarray,
    rec_sum: np.ndarray,
    false_sum: np.ndarray,
    pr_sum: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Group ``g``'s sums of behaviour ``b``'s rows over the group's contiguous ids."""
    lo, hi = bounds[g], bounds[g + 1]
    # Slices indexed from 0: with a loop from ``lo`` Numba must allow for
    # negative indices, and that check kept the loops from vectorising (8x).
    act, got = acts[b, lo:hi], caught[b, lo:hi]
    false, risk = false_records[b, lo:hi], perceived[b, lo:hi]
    n_act = 0
    n_rec = 0
    n_false = 0
    for i in range(act.shape[0]):
        n_act += act[i]
        n_rec += got[i] | false[i]
        n_false += false[i]
    # Four partial sums: independent additions pipeline (and the order is fixed,
    # so the result does not depend on the machine or the number of threads).
    r0 = r1 = r2 = r3 = 0.0
    m = risk.shape[0] - risk.shape[0] % 4
    for i in range(0, m, 4):
        r0 += risk[i]
        r1 += risk[i + 1]
        r2 += risk[i + 2]
        r3 += risk[i + 3]
    for i in range(m, risk.shape[0]):
        r0 += risk[i]
    acts_sum[g, b] = n_act
    rec_sum[g, b] = n_rec
    false_sum[g, b] = n_false
    pr_sum[g, b] = (r0 + r1) + (r2 + r3)


@njit(cache=True, inline="always")
def _group(
    g: int,
    bounds: np.ndarray,
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
    tiers: np.ndarray,
    scalars: np.ndarray,
    hist: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Group ``g``'s scalars, tier counts and score histogram (its rows of the outputs)."""
    private = expressed = listed = wrong = shame = silent = 0
    lost = deg = 0
    rich = 0.0
    counts = np.zeros(tiers.shape[1], np.int64)
    h = hist[g]
    a, z = bounds[g], bounds[g + 1]
    view = listed_until[a:z], wrongly[a:z], shamed[a:z], ties_lost[a:z], degree[a:z]
    until, wrong_g, shamed_g, lost_g, degree_g = view
    stance_g, dissent_g, wealth_g = stance[a:z], last_dissent[a:z], wealth[a:z]
    tier_g, score_g = tier[a:z], score[a:z]
    for i in range(z - a):
        dissenter = stance_g[i] < 0
        voiced = dissent_g[i] > dissent_since
        private += dissenter
        expressed += voiced
        silent += dissenter & ~voiced
        on_list = until[i] > 0
        listed += on_list
        wrong += on_list & wrong_g[i]
        shame += shamed_g[i]
        lost += lost_g[i]
        deg += degree_g[i]
        rich += wealth_g[i]
    # The histograms apart: their scattered increments would keep the sums above
    # from vectorising.
    for i in range(z - a):
        counts[tier_g[i]] += 1
        h[score_g[i] - lo] += 1
    scalars[g, PRIVATE] = private
    scalars[g, EXPRESSED] = expressed
    scalars[g, LISTED] = listed
    scalars[g, WRONGLY] = wrong
    scalars[g, SHAMED] = shame
    scalars[g, LOST] = lost
    scalars[g, DEGREE] = deg
    scalars[g, WEALTH] = rich
    scalars[g, SILENT] = silent
    tiers[g] = counts


Sums = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@njit(cache=True, inline="always")
def _outputs(b_n: int, n_groups: int, n_tiers: int, width: int) -> Sums:  # pragma: no cover
    """The zeroed outputs of :func:`group_sums`."""
    return (
        np.zeros((n_groups, b_n)),
        np.zeros((n_groups, b_n)),
        np.zeros((n_groups, b_n)),
        np.zeros((n_groups, b_n)),
        np.zeros((n_groups, n_tiers)),
        np.zeros((n_groups, SCALARS)),
        np.zeros((n_groups, width), np.int64),
    )


@njit(cache=True, inline="always")
def _unit(
    k: int,
    bounds: np.ndarray,
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
    n_tiers: int,
    width: int,
    acts_sum: np.ndarray,
    rec_sum: np.ndarray,
    false_sum: np.ndarray,
    pr_sum: np.ndarray,
    tiers: np.ndarray,
    scalars: np.ndarray,
    hist: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Unit ``k`` of the pass: a (behaviour, group) row sum, then each group's scalars.

    The outputs are passed one by one: in a tuple, a parallel loop wrote to copies.
    """
    n_groups = bounds.shape[0] - 1
    rows = acts.shape[0] * n_groups
    if k < rows:
        _row_sum(k // n_groups, k % n_groups, bounds, acts, caught, false_records, perceived,
                 acts_sum, rec_sum, false_sum, pr_sum)  # fmt: skip
    else:
        _group(k - rows, bounds, stance, last_dissent, dissent_since, tier, listed_until,
               wrongly, shamed, ties_lost, degree, wealth, score, lo, tiers, scalars,
               hist)  # fmt: skip


@njit(cache=True, nogil=True)
def group_sums(
    bounds: np.ndarray,
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
    n_tiers: int,
    width: int,
) -> Sums:  # pragma: no cover
    """Per-group sums, each group a contiguous range of ids (``bounds``, (G + 1,) int64).

    Returns:
        acts (G, B), recorded (G, B), recorded falsely (G, B), perceived risk (G, B)
        sums; tier counts (G, T); the scalars (G, SCALARS) in the order of the module
        constants; the score histogram (G, width) int64 from ``lo``.
    """
    n_groups = bounds.shape[0] - 1
    acts_sum, rec_sum, false_sum, pr_sum, tiers, scalars, hist = _outputs(
        acts.shape[0], n_groups, n_tiers, width
    )
    for k in range((acts.shape[0] + 1) * n_groups):
        _unit(k, bounds, acts, caught, false_records, perceived, stance, last_dissent,
              dissent_since, tier, listed_until, wrongly, shamed, ties_lost, degree, wealth,
              score, lo, n_tiers, width, acts_sum, rec_sum, false_sum, pr_sum, tiers,
              scalars, hist)  # fmt: skip
    return acts_sum, rec_sum, false_sum, pr_sum, tiers, scalars, hist


@njit(cache=True, nogil=True, parallel=True)
def group_sums_parallel(
    bounds: np.ndarray,
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
    n_tiers: int,
    width: int,
) -> Sums:  # pragma: no cover
    """:func:`group_sums` with its units on every Numba thread.

    Each unit sums its own ids in a fixed order into its own cells, so the result is
    the same bits as the serial pass for any number of threads.
    """
    n_groups = bounds.shape[0] - 1
    acts_sum, rec_sum, false_sum, pr_sum, tiers, scalars, hist = _outputs(
        acts.shape[0], n_groups, n_tiers, width
    )
    for k in prange((acts.shape[0] + 1) * n_groups):
        _unit(k, bounds, acts, caught, false_records, perceived, stance, last_dissent,
              dissent_since, tier, listed_until, wrongly, shamed, ties_lost, degree, wealth,
              score, lo, n_tiers, width, acts_sum, rec_sum, false_sum, pr_sum, tiers,
              scalars, hist)  # fmt: skip
    return acts_sum, rec_sum, false_sum, pr_sum, tiers, scalars, hist


@njit(cache=True, nogil=True)
def gini_sorted(
    keys: np.ndarray, perm: np.ndarray, group: np.ndarray, n_groups: int
) -> np.ndarray:  # pragma: no cover - compiled
    """Gini of ``keys`` within each group and overall, read in ascending order.

    Uses Gini = 2 sum(rank x) / (n sum x) - (n + 1) / n over each sorted subset, with
    ranks counted per group in one sequential pass.

    Args:
        keys: (N,) float64, in any order.
        perm: (N,) int64, ``keys[perm]`` is ascending.
        group: (N,) uint8, the group of each value of ``keys[perm]``.
        n_groups: G.

    Returns:
        (G + 1,) float64, 0 for an empty or all-zero subset.
    """
    count = np.zeros(n_groups + 1)
    total = np.zeros(n_groups + 1)
    ranked = np.zeros(n_groups + 1)
    for i in range(perm.shape[0]):
        x = keys[perm[i]]
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


@njit(cache=True, nogil=True)
def gather(values: np.ndarray, order: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """``values[order]``: (N,) float64, as ``np.take`` gives it, in a ``nogil`` pass."""
    out = np.empty(order.shape[0], np.float64)
    for i in range(order.shape[0]):
        out[i] = values[order[i]]
    return out


@njit(cache=True, nogil=True)
def permute_gini(
    keys: np.ndarray, perm: np.ndarray, order: np.ndarray, group: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Apply the sorting permutation to the ids and groups, and take the Gini, in one pass.

    Args:
        keys: (N,) float64 values in ``order``.
        perm: (N,) int64, the stable argsort of ``keys``.
        order: (N,) int32 agent ids.
        group: (N,) uint8 their groups.
        n_groups: G.

    Returns:
        The new ids and groups in ascending order of value, and the (G + 1,) Gini as
        :func:`gini_sorted` computes it.
    """
    n = perm.shape[0]
    new_order = np.empty(n, order.dtype)
    new_group = np.empty(n, group.dtype)
    for i in range(n):
        k = perm[i]
        new_order[i] = order[k]
        new_group[i] = group[k]
    # Read in sorted order through ``perm`` rather than into a third (N,) array.
    return new_order, new_group, gini_sorted(keys, perm, new_group, n_groups)
