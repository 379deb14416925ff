"""What a calibration found: the posterior against the prior, and the predictive check.

The posterior is the last generation's weighted population. For each parameter:
its weighted median and 90% interval (5% and 95% weighted quantiles, the smallest
value whose cumulative weight reaches q), the prior's, and ``width_ratio``, the
posterior interval's width over the prior's on the sampler's scale (log10 for a
log-uniform prior): near 1, the targets say little about the parameter.

The posterior predictive check draws ``abc.predictive`` particles from the final
population by weight (seeded by the root's child ``(PREDICT,)``), runs one new
simulation of each (seed: child ``(PREDICT, 1, k)``), and reports per target the
observed value and its sd beside the simulations' median and 5%-95% range.
"""

from __future__ import annotations

import json
import math
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoresim.calibrate.model import PREDICT, Simulator, child_seed, finished_or_fail
from scoresim.calibrate.runner import CalibrationSummary, weighted_quantiles
from scoresim.calibrate.spec import Calibration
from scoresim.calibrate.statistics import describe
from scoresim.calibrate.store import CalibrationStore
from scoresim.sweep.executors import Engine

NOT_IDENTIFIED = 0.8  # width ratio above which the table says the data do not pin it down


def posterior_table(cal: Calibration, population: pd.DataFrame) -> pd.DataFrame:
    """One row per parameter: prior and posterior median and 90% interval, width ratio."""
    w = population["weight"].to_numpy(dtype=np.float64)
    rows = []
    for path, prior in cal.config.parameters.items():
        x = population[path].to_numpy(dtype=np.float64)
        low, med, high = weighted_quantiles(x, w, (0.05, 0.5, 0.95))
        a, b = prior.bounds
        width = (prior.to_internal(high) - prior.to_internal(low)) / (0.9 * (b - a))
        rows.append(
            {
                "parameter": path,
                "prior": prior.prior,
                "prior_low": prior.quantile(0.05),
                "prior_median": prior.quantile(0.5),
                "prior_high": prior.quantile(0.95),
                "posterior_low": low,
                "posterior_median": med,
                "posterior_high": high,
                "width_ratio": width,
                "identified": bool(width < NOT_IDENTIFIED),
            }
        )
    return pd.DataFrame(rows)


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
    """Run the predictive draws not yet in the store; return them all."""
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
    return store.predictive()


def predictive_table(cal: Calibration, sims: pd.DataFrame) -> pd.DataFrame:
    """Per target: observed value and sd, the simulations' median and 5%-95% range."""
    rows = []
    for t in cal.config.targets:
        x = sims[t.name].to_numpy(dtype=np.float64)
        x = x[~np.isnan(x)]
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
                "observed_inside": bool(low <= t.value <= high) if len(x) else False,
                "source": t.source,
            }
        )
    return pd.DataFrame(rows)


def forecast_table(cal: Calibration, sims: pd.DataFrame) -> pd.DataFrame:
    """Per forecast: the simulations' median and 5%-95% range, times its ``scale``."""
    rows = []
    for f in cal.config.forecasts:
        x = sims[f.name].to_numpy(dtype=np.float64) * f.scale
        x = x[~np.isnan(x)]
        have = len(x) > 0
        rows.append(
            {
                "forecast": f.name,
                "statistic": describe(f),
                "unit": f.unit,
                "low": float(np.quantile(x, 0.05)) if have else math.nan,
                "median": float(np.median(x)) if have else math.nan,
                "high": float(np.quantile(x, 0.95)) if have else math.nan,
                "simulations": len(x),
            }
        )
    return pd.DataFrame(rows)


def write_results(
    cal: Calibration, out: Path, summary: CalibrationSummary, engine: Engine
) -> dict[str, Any]:
    """Write posterior.csv, predictive.csv, calibration.json and the figures; return the JSON."""
    from scoresim.calibrate import figures

    store = CalibrationStore.open(out, cal)
    try:
        sims = run_predictive(cal, store, summary.population, engine)
        generations = store.con.execute("SELECT * FROM generations ORDER BY generation").df()
    finally:
        store.close()
    post = posterior_table(cal, summary.population)
    pred = predictive_table(cal, sims)
    post.to_csv(out / "posterior.csv", index=False)
    pred.to_csv(out / "predictive.csv", index=False)
    fore = forecast_table(cal, sims)
    if cal.config.forecasts:
        fore.to_csv(out / "forecasts.csv", index=False)
    (out / "figures").mkdir(exist_ok=True)
    figures.pairs(cal, summary.population, out / "figures" / "pairs.png")
    figures.predictive(pred, out / "figures" / "predictive.png")
    doc = {
        "scenario": cal.scenario.name,
        "origin": cal.origin,
        "seed": cal.config.seed,
        "run": cal.config.run.model_dump(),
        "abc": cal.config.abc.model_dump(),
        "generations": summary.generations,
        "epsilon": summary.epsilon,
        "evaluations": summary.evaluations,
        "simulated_now": summary.simulated,
        "replayed_now": summary.reused,
        "seconds_now": summary.seconds,
        "engine": engine.label,
        "per_generation": json.loads(generations.to_json(orient="records")),
        "posterior": json.loads(post.to_json(orient="records")),
        "predictive": json.loads(pred.to_json(orient="records")),
        "forecasts": json.loads(fore.to_json(orient="records")),
    }
    (out / "calibration.json").write_text(json.dumps(doc, indent=2) + "\n")
    return doc
