"""The posterior predictive check and the forecasts: new simulations at posterior draws.

The check draws ``abc.predictive`` particles from the final population by weight
(seeded by the root's child ``(PREDICT,)``), runs one new simulation of each (seed:
child ``(PREDICT, 1, k)``), as long as the latest forecast needs, and reports per
target the observed value and its sd beside the simulations' median and 5%-95%
range. The catalogue's ``predictive`` table keeps every draw ever run in the folder;
the tables use draws 0 to ``abc.predictive - 1``. With ``abc.predictive: 0`` there is
no check: the tables have a row per target or forecast with no figures, 0
simulations, and ``observed_inside`` empty.
"""

from __future__ import annotations

import math
from concurrent.futures import Future

import numpy as np
import pandas as pd

from scoresim.calibrate.model import PREDICT, Simulator, finished_or_fail
from scoresim.calibrate.spec import Calibration
from scoresim.calibrate.statistics import describe
from scoresim.calibrate.store import CalibrationStore
from scoresim.experiment.executors import Engine
from scoresim.experiment.seeds import child_seed


def predictive_draws(cal: Calibration, population: pd.DataFrame) -> list[dict[str, float]]:
    """The parameter values of the predictive check's draws, in draw order."""
    k = cal.config.abc.predictive
    rng = np.random.default_rng(child_seed(cal.config.seed, PREDICT))
    w = population["weight"].to_numpy(dtype=np.float64)
    picks = rng.choice(len(population), size=k, p=w / w.sum())
    return [{n: float(population[n].iloc[int(i)]) for n in cal.names} for i in picks]


def predict_one(simulator: Simulator, values: dict[str, float], seed: int) -> dict[str, float]:
    """One predictive simulation (a top-level function, for any executor)."""
    return simulator.statistics(values, [seed], forecasts=True)


def run_predictive(
    cal: Calibration, store: CalibrationStore, population: pd.DataFrame, engine: Engine
) -> pd.DataFrame:
    """Run the predictive draws not yet in the store; return draws 0 to ``abc.predictive - 1``."""
    draws = predictive_draws(cal, population)
    have = store.predictive()
    done = {int(d) for d in have["draw"]} if not have.empty else set()
    simulator = Simulator(cal)
    futures: dict[Future[dict[str, float]], tuple[int, int]] = {}  # -> (draw, seed)
    for k, values in enumerate(draws):
        if k in done and all(
            math.isclose(float(have.loc[have["draw"] == k, n].iloc[0]), v, rel_tol=0, abs_tol=0)
            for n, v in values.items()
        ):
            continue
        seed = child_seed(cal.config.seed, PREDICT, 1, k)
        futures[engine.executor.submit(predict_one, simulator, values, seed)] = (k, seed)
    for future, (k, seed) in futures.items():
        stats = finished_or_fail(
            future, f"predictive draw {k}", "the calibration is kept, rerun to finish the check"
        )
        store.record_predictive(k, draws[k], stats, seed)
    every = store.predictive()
    frame: pd.DataFrame = every[every["draw"] < len(draws)].reset_index(drop=True)
    return frame


def finite_or_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every infinite figure made NaN: a CSV writes it empty, as JSON null.

    Every calibration table goes through it (posterior, fit, predictive, forecasts), so
    no CSV holds ``inf`` where ``calibration.json`` has null.
    """
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            values = out[column].to_numpy(dtype=np.float64)
            out[column] = np.where(np.isfinite(values), values, np.nan)
    return out


def predictive_table(cal: Calibration, sims: pd.DataFrame) -> pd.DataFrame:
    """Per target: observed value and sd, the simulations' median and 5%-95% range.

    A target without a finite simulated value (no check, or none computable) has NaN
    figures and ``observed_inside`` None.
    """
    rows = []
    for t in cal.config.targets:
        x = sims[t.name].to_numpy(dtype=np.float64)
        x = x[~np.isnan(x)]
        with np.errstate(all="ignore"):  # an infinite value gives a missing figure
            low, med, high = (
                (float(np.quantile(x, 0.05)), float(np.median(x)), float(np.quantile(x, 0.95)))
                if len(x)
                else (math.nan,) * 3
            )
        rows.append(
            {
                "target": t.name,
                "statistic": describe(t),
                "observed": t.value,
                "sd": t.sd,
                "simulated_low": low,
                "simulated_median": med,
                "simulated_high": high,
                "simulations": len(x),
                "observed_inside": bool(low <= t.value <= high) if len(x) else None,
                "source": t.source,
            }
        )
    return finite_or_missing(pd.DataFrame(rows))


def forecast_table(cal: Calibration, sims: pd.DataFrame) -> pd.DataFrame:
    """Per forecast: the simulations' median and 5%-95% range, times its ``scale``."""
    rows = []
    for f in cal.config.forecasts:
        with np.errstate(all="ignore"):  # an overflowing forecast is a missing figure
            x = sims[f.name].to_numpy(dtype=np.float64) * f.scale
            x = x[~np.isnan(x)]
            have = len(x) > 0
            low, med, high = (
                (float(np.quantile(x, 0.05)), float(np.median(x)), float(np.quantile(x, 0.95)))
                if have
                else (math.nan,) * 3
            )
        rows.append(
            {
                "forecast": f.name,
                "statistic": describe(f),
                "unit": f.unit,
                "low": low,
                "median": med,
                "high": high,
                "simulations": len(x),
            }
        )
    return finite_or_missing(pd.DataFrame(rows))
