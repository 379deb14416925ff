"""Writing a coverage check: its tables, its figure and coverage.json (last).

``coverage.csv`` (the coverage table), ``coverage_ranks.csv`` (one row per data set),
``coverage_histogram.csv`` (the rank histograms), ``figures/coverage.png`` and
``coverage.json``; docs/calibration.md, "Coverage", defines every column. Each file
is written under a temporary name and renamed into place, ``coverage.json`` last.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from scoresim import strictjson
from scoresim.calibrate.coverage import FAMILY, LEVELS
from scoresim.calibrate.coverage_run import CoverageSummary
from scoresim.calibrate.results import records
from scoresim.calibrate.spec import Calibration
from scoresim.errors import CalibrationError
from scoresim.experiment.catalogue import write_file, write_text
from scoresim.results import outputs


def write_coverage(cal: Calibration, out: Path, n: int, summary: CoverageSummary, engine: str) -> dict[str, Any]:  # fmt: skip
    """Write the coverage check's files into ``out``; return coverage.json's content."""
    v = summary.verdict
    write_text(out / "coverage.csv", v.table.to_csv(index=False))
    write_text(out / "coverage_ranks.csv", summary.datasets.to_csv(index=False))
    write_text(out / "coverage_histogram.csv", v.histogram.to_csv(index=False))
    folder = out / "figures"
    if folder.is_symlink() or (os.path.lexists(folder) and not folder.is_dir()):
        raise CalibrationError(f"{folder}: is not a folder of scoresim's; remove it and rerun")
    folder.mkdir(exist_ok=True)
    write_file(folder / "coverage.png", lambda tmp: figure(summary, tmp))
    usable = n - summary.excluded - summary.outside_prior
    doc = {
        "method": cal.config.method,
        "scenario": cal.scenario.name,
        "origin": cal.origin,
        "seed": cal.config.seed,
        "run": cal.config.run.model_dump(),
        "abc": cal.config.abc.model_dump() if cal.config.method == "abc" else None,
        "neural": cal.config.neural.model_dump() if cal.config.method == "neural" else None,
        "datasets": n,
        "usable": usable,
        "excluded": summary.excluded,
        "outside_prior": summary.outside_prior,
        "levels": list(LEVELS),
        "family": FAMILY,
        "confidence": v.confidence,
        # A posterior that could not be drawn is a failure of the method, not a data
        # set to leave out: the ranks of the rest cannot make up for it.
        "passed": v.passed and summary.outside_prior == 0,
        "intervals_consistent": v.passed,
        "simulations": summary.simulations,
        # The leaked data sets asked the same network: they count among its posteriors.
        "simulations_per_dataset": summary.simulations / (usable + summary.outside_prior)
        if usable + summary.outside_prior
        else None,
        # What the simulations bought: each parameter's mean 90% interval over the prior's.
        "mean_width_ratio": {
            str(r["parameter"]): r["mean_width_ratio"]
            for r in records(v.table.drop_duplicates("parameter"))
        },
        "seconds_now": summary.seconds,
        "engine": engine,
        "coverage": records(v.table),
        "histogram": records(v.histogram),
    }
    text = strictjson.dumps(doc, missing_as_null=True, indent=2) + "\n"
    write_text(out / "coverage.json", text)
    return doc


def figure(summary: CoverageSummary, path: Path) -> Path:
    """Coverage against the nominal level (left) and each parameter's rank histogram.

    The coverage panel draws each parameter's share with its corrected exact interval
    against the diagonal a calibrated method lies on; each histogram draws the counts
    with the band a uniform rank fills 99% of the time.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table, hist = summary.verdict.table, summary.verdict.histogram
    names = list(dict.fromkeys(table["parameter"]))
    # At most four panels a row, so that a file of many parameters stays readable.
    cols = min(4, len(names) + 1)
    rows_n = -(-(len(names) + 1) // cols)
    fig, grid = plt.subplots(rows_n, cols, figsize=(3.6 * cols, 3.4 * rows_n), squeeze=False)
    axes = grid.ravel()
    for spare in axes[len(names) + 1 :]:
        spare.set_visible(False)
    ax = axes[0]
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="calibrated")
    for j, name in enumerate(names):
        rows = table[table["parameter"] == name]
        x = rows["level"].to_numpy(np.float64) + (j - (len(names) - 1) / 2) * 0.006
        y = rows["coverage"].to_numpy(np.float64)
        err = np.vstack([y - rows["low"].to_numpy(np.float64), rows["high"].to_numpy(np.float64) - y])  # fmt: skip
        ax.errorbar(x, y, yerr=err, fmt="o", ms=4, capsize=2, label=_short(name))
    # Data sets whose posterior lay outside the prior are not in the panels, and fail the check.
    leaked = f"; {summary.outside_prior} more outside the prior" if summary.outside_prior else ""
    ax.set(xlim=(0.4, 1.0), ylim=(0.0, 1.02), xlabel="nominal level of the interval",
           ylabel="share of data sets with the truth inside",
           title=f"coverage ({int(table['datasets'].iloc[0])} data sets{leaked})")  # fmt: skip
    if leaked:
        ax.title.set_color("firebrick")
    ax.legend(fontsize=7, loc="lower right")
    for j, name in enumerate(names):
        ax = axes[j + 1]
        rows = hist[hist["parameter"] == name]
        lows, highs = rows["low"].to_numpy(np.float64), rows["high"].to_numpy(np.float64)
        ax.bar(lows, rows["count"], width=highs - lows, align="edge", color="#4c72b0", edgecolor="white")  # fmt: skip
        ax.axhspan(rows["expected_low"].iloc[0], rows["expected_high"].iloc[0], color="0.85", zorder=0)  # fmt: skip
        ax.set(xlim=(0, 1), ylim=(0, None), xlabel="rank of the truth (posterior mass below it)",
               ylabel="data sets", title=_short(name))  # fmt: skip
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, metadata=outputs.figure_metadata(path))
    plt.close(fig)
    return path


def _short(path: str) -> str:
    """A parameter path short enough for a panel's title."""
    return path if len(path) <= 34 else "..." + path[-31:]
