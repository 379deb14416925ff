"""The estimators of the three poll designs (docs/polls.md), as plain functions.

Each returns ``(estimate, low, high)`` of the share holding the sensitive view, with a
95% interval; NaN where the sample is too small to say anything.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

Z95 = 1.959963984540054  # the standard normal's 97.5% quantile
NAN3 = (math.nan, math.nan, math.nan)


def direct(says: NDArray[np.bool_]) -> tuple[float, float, float]:
    """The share answering yes, with Wilson's score interval (sensible near 0 and 1)."""
    n = says.shape[0]
    if n == 0:
        return NAN3
    p = float(says.mean())
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return p, centre - half, centre + half


def item_count(counts: NDArray[np.int64], treated: NDArray[np.bool_]) -> tuple[float, float, float]:
    """Difference of mean counts, treatment minus control, +- 1.96 standard errors.

    The standard error is that of a difference of two independent means (sample
    variances with n - 1). Not clipped to [0, 1]: an estimate outside it is a finding.
    """
    t, c = counts[treated].astype(np.float64), counts[~treated].astype(np.float64)
    if t.shape[0] < 2 or c.shape[0] < 2:
        return NAN3
    est = float(t.mean() - c.mean())
    se = math.sqrt(t.var(ddof=1) / t.shape[0] + c.var(ddof=1) / c.shape[0])
    return est, est - Z95 * se, est + Z95 * se


def forced_response(
    yes: NDArray[np.bool_], truth: float, forced_yes: float
) -> tuple[float, float, float]:
    """Forced response: P(yes) = truth * share + forced_yes, solved for the share.

    The standard error is the binomial one of P(yes), divided by ``truth``.
    """
    n = yes.shape[0]
    if n == 0:
        return NAN3
    lam = float(yes.mean())
    est = (lam - forced_yes) / truth
    se = math.sqrt(lam * (1 - lam) / n) / truth
    return est, est - Z95 * se, est + Z95 * se


def difference(
    yes_t: NDArray[np.float64], yes_c: NDArray[np.float64]
) -> tuple[float, float, float]:
    """Between subjects: the treated's share of yes minus the control's, +- 1.96 SE.

    ``yes_t`` and ``yes_c`` are (n,) 0/1 answers of two independent samples; the standard
    error is that of a difference of two proportions, sqrt(p_t(1 - p_t)/n_t + p_c(1 - p_c)/n_c).
    NaN unless each sample has at least two respondents.
    """
    if yes_t.shape[0] < 2 or yes_c.shape[0] < 2:
        return NAN3
    pt, pc = float(yes_t.mean()), float(yes_c.mean())
    est = pt - pc
    se = math.sqrt(pt * (1 - pt) / yes_t.shape[0] + pc * (1 - pc) / yes_c.shape[0])
    return est, est - Z95 * se, est + Z95 * se


def paired(diff: NDArray[np.float64]) -> tuple[float, float, float]:
    """Within subjects: the mean of each person's second answer minus their first, +- 1.96 SE.

    ``diff`` is (n,) in {-1, 0, 1}; the standard error is the sample sd (n - 1) over sqrt(n).
    NaN with fewer than two respondents.
    """
    n = diff.shape[0]
    if n < 2:
        return NAN3
    est = float(diff.mean())
    se = float(diff.std(ddof=1)) / math.sqrt(n)
    return est, est - Z95 * se, est + Z95 * se
