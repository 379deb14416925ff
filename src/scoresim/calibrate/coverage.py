"""Simulation-based calibration: does a posterior's c% interval hold the truth c% of the time?

For each of N synthetic data sets, a true parameter vector is drawn from the prior,
the targets are simulated at it, and the method's posterior is computed from those
simulated targets as if they were the data. For each parameter, the posterior's mass
below the truth is its **rank** ``u`` (Talts et al. 2018, "Validating Bayesian
inference algorithms with simulation-based calibration"): for a weighted sample
``(theta_i, w_i)``, ``u = sum(w_i [theta_i < truth]) + sum(w_i [theta_i = truth]) / 2``,
the weights summing to one. A calibrated method gives ranks uniform on [0, 1]; a
posterior too narrow piles them at both ends, one too wide in the middle, a biased
one at one end.

The truth lies inside the central ``c`` interval when ``(1 - c) / 2 <= u <= (1 + c) / 2``,
so the **coverage** at level ``c`` is the share of data sets with that rank. Its
uncertainty is the exact (Clopper-Pearson) binomial interval of that share. A row is
``too narrow`` (the method is overconfident) when the whole interval lies below ``c``,
``too wide`` when it lies above, ``consistent`` otherwise. The interval's level is
Bonferroni-corrected for every row of the table (parameters times levels), at 95%
for the whole table: a correct method passes every row 95% of the time or more.

docs/calibration.md, "Coverage", defines every column of the tables written here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

LEVELS = (0.5, 0.8, 0.9, 0.95)
"""The nominal levels whose coverage is reported."""
FAMILY = 0.95
"""The chance that a calibrated method passes every row of the coverage table."""


def rank(draws: NDArray[np.float64], weights: NDArray[np.float64] | None, truth: float) -> float:
    """The posterior mass below ``truth`` (half the mass at it): the truth's rank in [0, 1].

    Args:
        draws: (M,) float64, posterior draws of one parameter (any scale; monotone
            changes of scale keep the rank).
        weights: (M,) float64 non-negative weights, or None for equal weights.
        truth: the parameter's true value, on the draws' scale.
    """
    w = (
        np.full(draws.shape[0], 1.0 / draws.shape[0])
        if weights is None
        else weights / weights.sum()
    )
    return float(w[draws < truth].sum() + 0.5 * w[draws == truth].sum())


def inside(u: NDArray[np.float64], level: float) -> NDArray[np.bool_]:
    """(N,) bool: whether the truth of rank ``u`` lies in the central ``level`` interval."""
    return (u >= (1 - level) / 2) & (u <= (1 + level) / 2)


@dataclass(frozen=True)
class Verdict:
    """The coverage table and whether the method passed.

    Attributes:
        table: one row per parameter and level: ``parameter``, ``level``, ``datasets``
            (N), ``inside`` (how many data sets had the truth inside), ``coverage``
            (inside / N), ``low`` and ``high`` (the corrected exact binomial
            interval of ``coverage``), ``verdict`` (consistent, too narrow, too wide);
            :func:`scoresim.calibrate.coverage_run.run_coverage` adds
            ``mean_width_ratio``, the parameter's mean posterior width.
        histogram: one row per parameter and rank bin: ``parameter``, ``bin``,
            ``low``, ``high`` (the bin's ranks), ``count``, ``expected_low`` and
            ``expected_high`` (the central 99% range of a bin's count when the ranks
            are uniform), and ``uniformity_p`` (the chi-square test of uniform ranks,
            the same on each of the parameter's rows).
        passed: every row of ``table`` is consistent.
        confidence: the level of each row's interval (Bonferroni-corrected).
    """

    table: pd.DataFrame
    histogram: pd.DataFrame
    passed: bool
    confidence: float


def bins_for(n: int) -> int:
    """Rank-histogram bins for N data sets: about 10 expected per bin, 4 to 20 bins."""
    return int(min(20, max(4, n // 10)))


def check(ranks: pd.DataFrame, levels: Sequence[float] = LEVELS) -> Verdict:
    """The coverage table and rank histograms of N data sets' ranks.

    Args:
        ranks: one column per parameter, one row per data set: the truth's rank in
            [0, 1] (:func:`rank`); N of at least 2.
        levels: the nominal levels, each in (0, 1).
    """
    n = len(ranks)
    rows_n = max(1, ranks.shape[1] * len(levels))
    confidence = 1 - (1 - FAMILY) / rows_n
    rows = []
    for name in ranks.columns:
        u = ranks[name].to_numpy(np.float64)
        for level in levels:
            k = int(inside(u, level).sum())
            ci = stats.binomtest(k, n).proportion_ci(confidence, method="exact")
            verdict = (
                "too narrow" if ci.high < level else "too wide" if ci.low > level else "consistent"
            )
            rows.append((name, level, n, k, k / n, ci.low, ci.high, verdict))
    table = pd.DataFrame(
        rows,
        columns=["parameter", "level", "datasets", "inside", "coverage", "low", "high", "verdict"],
    )
    b = bins_for(n)
    edges = np.linspace(0.0, 1.0, b + 1)
    # The central 99% of a Binomial(N, 1/b) count: what a uniform rank fills a bin with.
    lo, hi = stats.binom.ppf([0.005, 0.995], n, 1.0 / b)
    hist = []
    for name in ranks.columns:
        u = ranks[name].to_numpy(np.float64)
        counts = np.histogram(u, bins=edges)[0]
        p = float(stats.chisquare(counts).pvalue) if n >= b else float("nan")
        hist += [(name, j, edges[j], edges[j + 1], int(counts[j]), int(lo), int(hi), p)
                 for j in range(b)]  # fmt: skip
    histogram = pd.DataFrame(
        hist,
        columns=["parameter", "bin", "low", "high", "count", "expected_low", "expected_high",
                 "uniformity_p"],
    )  # fmt: skip
    return Verdict(table, histogram, bool((table["verdict"] == "consistent").all()), confidence)
