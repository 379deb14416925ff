"""The daily "order" move of approval as one compiled pass (NumPy took eight passes).

Compiled with Numba at first use and cached on disk; tests/reference/opinion.py checks
it per person.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def order(
    a: np.ndarray,
    seen: np.ndarray,
    expected: np.ndarray,
    acted: np.ndarray,
    degree: np.ndarray,
    smooth: np.float32,
    effect: np.float32,
) -> None:  # pragma: no cover - compiled
    """Move ``seen`` towards today's share and add ``effect * drop`` to approval, in place.

    Args:
        a: (N,) float32 approval, updated where the person has active neighbours.
        seen: (N,) float32 smoothed share of neighbours seen breaking a conduct rule.
        expected: (N,) float32 its pressure-free reference.
        acted: (N,) int32 active neighbours who broke one today (summed over behaviours).
        degree: (N,) int32 active ties.
        smooth: the smoothing rate.
        effect: ``order_effect``.
    """
    one = np.float32(1.0)
    floor = np.float32(1e-6)
    for i in range(a.shape[0]):
        d = degree[i]
        today = np.float32(acted[i] / max(d, 1))
        seen[i] += smooth * (today - seen[i])
        if d > 0:
            drop = one - seen[i] / max(expected[i], floor)
            a[i] += effect * min(max(drop, -one), one)
