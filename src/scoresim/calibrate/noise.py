"""The fit against the noise floor: is the final epsilon as small as the simulator's noise allows?

Definitions (docs/calibration.md, "The fit against the noise floor"), with ``sd_k``
target k's stated sd:

- The point: each parameter's posterior median (the weighted median of the last
  population), integer fields rounded as for every simulation.
- ``abc.noise`` evaluations at the point (R), each as a proposal is evaluated: the
  mean of ``run.replicates`` simulations, replicate j of evaluation r seeded by the
  root's child ``(NOISE, r, j)``. ``s_rk`` is evaluation r's statistic for target k.
- ``noise_floor`` of target k: the root mean square, over the pairs r < r' of the
  evaluations whose statistic is finite, of ``(s_rk - s_r'k) / sd_k``; equal to
  ``sqrt(2)`` times their standard deviation (``ddof=1``) over ``sd_k``. It is the
  distance an evaluation would be from the observation on target k if the
  observation were another evaluation at the point. NaN with fewer than two.
- ``noise_floor`` of the calibration: ``sqrt(mean_k noise_floor_k^2)``; when every
  statistic is finite, the root mean square over the pairs of the distance between
  two evaluations.
- ``error`` of target k: ``sqrt(sum_i w_i ((x_ik - value_k) / sd_k)^2)`` over the last
  population (``x_ik`` particle i's statistic, ``w_i`` its normalised weight).
- ``allowed``: ``FACTOR * sqrt(1 + noise_floor^2)``. If the model were right at the
  point and the observation carried an error of its stated sd, a new evaluation there
  would miss it by a root mean square of ``sqrt(1 + noise_floor^2)`` (two
  evaluations' difference, plus the observation's error, independent); ``FACTOR``
  is the same 2 as the predictive check's "within twice the stated uncertainty".
- ``within_noise`` of target k: ``error <= allowed``; unknown (None) where the noise
  floor is NaN.
- ``within_noise`` of the calibration: False if any target's is False, else unknown
  (None) if any target's is, else True. Every target must be within its own
  allowance: a noisy target's large floor does not excuse another target's miss
  (the calibration's floor and allowance are shown beside epsilon, but do not decide).
- ``effective_size`` of the last population: ``(sum_i w_i)^2 / sum_i w_i^2`` (Kish's
  effective sample size of its weights); the weights have **collapsed** when it is
  below ``COLLAPSED`` (a tenth) of the population: the weighted quantiles then describe
  a handful of particles, not a posterior, and no parameter is marked identified.
"""

from __future__ import annotations

import math
from concurrent.futures import Future
from typing import Any

import numpy as np
import pandas as pd

from scoresim.calibrate.model import NOISE, Simulator, evaluate_at, finished_or_fail
from scoresim.calibrate.predictive import finite_or_missing
from scoresim.calibrate.runner import weighted_quantiles
from scoresim.calibrate.spec import Calibration
from scoresim.calibrate.store import CalibrationStore
from scoresim.experiment.executors import Engine
from scoresim.experiment.seeds import child_seed

FACTOR = 2.0
COLLAPSED = 0.1
"""Share of the population below which the effective sample size says the weights collapsed."""


def noise_point(cal: Calibration, population: pd.DataFrame) -> dict[str, float]:
    """The posterior median of each parameter: where the noise floor is measured."""
    w = population["weight"].to_numpy(dtype=np.float64)
    return {
        n: weighted_quantiles(population[n].to_numpy(dtype=np.float64), w, (0.5,))[0]
        for n in cal.names
    }


def run_noise(
    cal: Calibration, store: CalibrationStore, point: dict[str, float], engine: Engine
) -> pd.DataFrame:
    """Run the evaluations at ``point`` not yet in the store; return the R of them."""
    wanted = cal.config.abc.noise
    have = store.noise()
    simulator = Simulator(cal)
    futures: dict[Future[dict[str, float]], tuple[int, int]] = {}
    for r in range(wanted):
        row = have[have["replicate"] == r]
        if len(row) and all(float(row[n].iloc[0]) == v for n, v in point.items()):
            continue
        seeds = [child_seed(cal.config.seed, NOISE, r, j) for j in range(cal.config.run.replicates)]
        futures[engine.executor.submit(evaluate_at, simulator, point, seeds)] = (r, seeds[0])
    for future, (r, seed) in futures.items():
        stats = finished_or_fail(
            future, f"noise floor evaluation {r}", "the calibration is kept, rerun to finish"
        )
        store.record_noise(r, point, stats, seed)
    every = store.noise()
    frame: pd.DataFrame = every[every["replicate"] < wanted].reset_index(drop=True)
    return frame


def pairwise_rms(x: np.ndarray) -> float:
    """Root mean square of ``x[r] - x[r']`` over the pairs r < r' of its finite values."""
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return math.nan
    diffs = x[:, None] - x[None, :]
    upper = diffs[np.triu_indices(len(x), k=1)]
    return float(np.sqrt(np.mean(upper**2)))


def fit_table(cal: Calibration, noise: pd.DataFrame, final: pd.DataFrame, weights: np.ndarray) -> pd.DataFrame:  # fmt: skip
    """Per target: the final population's error and the noise floor, in sd units.

    Args:
        cal: The calibration.
        noise: The evaluations at the point (a column per target).
        final: The last population's statistics (a column per target), in the
            order of ``weights``.
        weights: The last population's weights (normalised here).
    """
    w = weights / weights.sum()
    rows = []
    for t in cal.config.targets:
        with np.errstate(all="ignore"):  # an overflow is a missing (infinite) figure
            z = (final[t.name].to_numpy(dtype=np.float64) - t.value) / t.sd
            floor = float(np.float64(pairwise_rms(noise[t.name].to_numpy())) / t.sd)
            error = float(np.sqrt(np.sum(w * z**2)))
            allowed = float(FACTOR * np.sqrt(1 + np.float64(floor) ** 2))
        rows.append(
            {
                "target": t.name,
                "error": error,
                "noise_floor": floor,
                "allowed": allowed,
                "within_noise": None if not math.isfinite(floor) else bool(error <= allowed),
                "noise_evaluations": int(
                    np.isfinite(noise[t.name].to_numpy(dtype=np.float64)).sum()
                ),
            }
        )
    return finite_or_missing(pd.DataFrame(rows))


def effective_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of ``weights`` ((n,) float64, any scale); NaN if all 0."""
    w = np.asarray(weights, dtype=np.float64)
    squares = float(np.sum(w**2))
    return float(np.sum(w)) ** 2 / squares if squares > 0 else math.nan


def overall(epsilon: float, table: pd.DataFrame, weights: np.ndarray | None = None) -> dict[str, Any]:  # fmt: skip
    """The calibration's fit: within the noise only if every target is within its own.

    With the last population's ``weights``, also its effective sample size and
    whether the weights collapsed (``weights_collapsed``).
    """
    floors = table["noise_floor"].to_numpy(dtype=np.float64)
    with np.errstate(all="ignore"):  # an overflow is an infinite (missing) figure
        floor = float(np.sqrt(np.mean(floors**2))) if len(floors) else math.nan
        allowed = float(FACTOR * np.sqrt(1 + np.float64(floor) ** 2))
    verdicts = table["within_noise"].tolist()
    within: bool | None
    if any(v is False for v in verdicts):
        within = False
    elif any(v is None or v != v for v in verdicts):  # None, or NaN read back from a table
        within = None
    else:
        within = True
    out = {"epsilon": epsilon, "noise_floor": floor, "allowed": allowed, "within_noise": within}
    if weights is not None:
        ess = effective_size(weights)
        out |= {"effective_size": ess, "particles": len(weights),
                "weights_collapsed": bool(not ess >= COLLAPSED * len(weights))}  # fmt: skip
    return out


def trusted(fit: dict[str, Any]) -> bool | None:
    """Whether the posterior may mark parameters identified (None: cannot be judged).

    It needs a fit within the noise and weights that did not collapse.
    """
    return False if fit.get("weights_collapsed") else fit["within_noise"]


def warning(fit: dict[str, Any], table: pd.DataFrame) -> str | None:
    """One line when the fit is poor or cannot be judged, or the weights collapsed."""
    text = _fit_warning(fit, table)
    if not fit.get("weights_collapsed"):
        return text
    weights = (
        f"the last population's weights collapsed: an effective sample size of "
        f"{fit['effective_size']:.3g} of {fit['particles']} particles, so its intervals "
        "describe a few particles, not a posterior, and no parameter is marked identified; "
        "rerun with a larger abc.population"
    )
    return weights if text is None else f"{text}; and {weights}"


def _fit_warning(fit: dict[str, Any], table: pd.DataFrame) -> str | None:
    """The noise floor's half of :func:`warning`."""
    if fit["within_noise"] is True:
        return None
    if fit["within_noise"] is None:
        unknown = table.loc[table["within_noise"].isna(), "target"].tolist()
        return (
            f"the fit cannot be judged: the noise floor of {', '.join(unknown)} could not be "
            "measured (fewer than two finite evaluations at the posterior median); no "
            "parameter is marked identified"
        )
    missed = table[table["within_noise"] == False]  # noqa: E712
    worst = missed.assign(ratio=missed["error"] / missed["allowed"]).sort_values(
        "ratio", ascending=False
    )
    names = ", ".join(
        f"{r.target} ({r.error:.3g} sd, allowed {r.allowed:.3g})"
        for r in worst.head(3).itertuples()
    )
    return (
        f"poor fit: {len(missed)} of {len(table)} targets miss by more than their noise "
        f"floor allows; worst: {names}; the model does not reach the targets, so no "
        "parameter is marked identified"
    )
