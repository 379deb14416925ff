"""What a calibration found: the posterior against the prior, the fit, the predictive check.

The posterior is the last generation's weighted population. For each parameter:
its weighted median and 90% interval (5% and 95% weighted quantiles, the smallest
value whose cumulative weight reaches q), the prior's, ``width_ratio``, the
posterior interval's width over the prior's on the sampler's scale (log10 for a
log-uniform prior), ``narrower`` (``width_ratio < 0.8``: near 1, the targets say
little about the parameter) and ``identified``: narrower, and every target's error
within what its noise floor allows (:mod:`scoresim.calibrate.noise`). The
predictive check and the forecasts are :mod:`scoresim.calibrate.predictive`'s.

Every file is written under a temporary name and renamed into place;
``calibration.json`` comes last, so a folder whose ``calibration.json`` is older
than its tables is one whose writing was cut short (a rerun writes them again).
Figures that cannot be computed are ``null`` in ``calibration.json`` and empty in
the CSV files.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoresim import strictjson
from scoresim.calibrate import noise
from scoresim.calibrate.predictive import (
    finite_or_missing,
    forecast_table,
    predictive_table,
    run_predictive,
)
from scoresim.calibrate.runner import CalibrationSummary, weighted_quantiles
from scoresim.calibrate.spec import Calibration
from scoresim.calibrate.store import CalibrationStore
from scoresim.errors import CalibrationError
from scoresim.experiment.catalogue import write_file, write_text
from scoresim.experiment.executors import Engine

__all__ = ["posterior_table", "predictive_table", "write_results"]

NOT_IDENTIFIED = 0.8  # width ratio above which the table says the data do not pin it down


def posterior_table(cal: Calibration, population: pd.DataFrame, fit: bool | None) -> pd.DataFrame:
    """One row per parameter: prior and posterior median and 90% interval, width ratio.

    Args:
        cal: The calibration.
        population: The last generation's population (a column per parameter, weight).
        fit: Whether the fit is no worse than the noise floor allows (None: unknown);
            a parameter is ``identified`` only if it is True.
    """
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
                "narrower": bool(width < NOT_IDENTIFIED),
                "identified": bool(width < NOT_IDENTIFIED and fit is True),
            }
        )
    return finite_or_missing(pd.DataFrame(rows))


def write_results(
    cal: Calibration, out: Path, summary: CalibrationSummary, engine: Engine
) -> dict[str, Any]:
    """Write the tables, the figures and calibration.json (last); return the JSON."""
    from scoresim.calibrate import figures

    population = summary.population
    store = CalibrationStore.open(out, cal)
    try:
        sims = run_predictive(cal, store, population, engine)
        floor = noise.run_noise(cal, store, noise.noise_point(cal, population), engine)
        weights = population["weight"].to_numpy(dtype=np.float64)
        if cal.config.method == "neural":  # its draws were never simulated: the check's were
            final, fitted = sims, np.full(len(sims), 1.0)
        else:
            final = store.final_statistics(summary.generations - 1, population["proposal"].tolist())  # fmt: skip
            fitted = weights
        generations = store.con.execute("SELECT * FROM generations ORDER BY generation").df()
    finally:
        store.close()
    fits = noise.fit_table(cal, floor, final, fitted)
    fit = noise.overall(summary.epsilon, fits, weights)
    post = posterior_table(cal, population, noise.trusted(fit))
    pred = predictive_table(cal, sims)
    fore = forecast_table(cal, sims)
    tables = {"posterior": post, "fit": fits, "predictive": pred}
    tables |= {"forecasts": fore} if cal.config.forecasts else {}
    for name, table in tables.items():
        write_text(out / f"{name}.csv", table.to_csv(index=False))
    folder = out / "figures"
    if folder.is_symlink() or (os.path.lexists(folder) and not folder.is_dir()):
        raise CalibrationError(f"{folder}: is not a folder of scoresim's; remove it and rerun")
    folder.mkdir(exist_ok=True)
    write_file(folder / "pairs.png", lambda tmp: figures.pairs(cal, population, tmp))
    write_file(folder / "predictive.png", lambda tmp: figures.predictive(pred, tmp))
    doc = {
        "scenario": cal.scenario.name,
        "origin": cal.origin,
        "seed": cal.config.seed,
        "run": cal.config.run.model_dump(),
        "method": cal.config.method,
        "abc": cal.config.abc.model_dump(),
        "neural": cal.config.neural.model_dump() if cal.config.method == "neural" else None,
        "training": summary.training,
        "generations": summary.generations,
        "epsilon": summary.epsilon,
        "evaluations": summary.evaluations,
        "simulated_now": summary.simulated,
        "replayed_now": summary.reused,
        "seconds_now": summary.seconds,
        "engine": engine.label,
        "fit": {
            **fit,
            "point": noise.noise_point(cal, population),
            "warning": noise.warning(fit, fits),
        },
        "per_generation": records(generations),
        "posterior": records(post),
        "fit_by_target": records(fits),
        "predictive": records(pred),
        "forecasts": records(fore),
    }
    write_text(
        out / "calibration.json", strictjson.dumps(doc, missing_as_null=True, indent=2) + "\n"
    )
    return doc


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as JSON objects (NaN and missing values as None).

    Every float keeps all its digits (``DataFrame.to_json`` would round to 10 decimals).
    """
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _plain(value: Any) -> Any:
    """A cell as a JSON value: NumPy scalars as Python ones, NaN and missing as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if not isinstance(value, bool | int | float | str):
        return None if pd.isna(value) else str(value)
    return value
