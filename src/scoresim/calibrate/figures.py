"""A calibration's figures: the posterior's pairs plot and the predictive check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoresim.calibrate.spec import Calibration
from scoresim.results import outputs


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    plt = _pyplot()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, metadata=outputs.figure_metadata(path))
    plt.close(fig)
    return path


def pairs(cal: Calibration, population: pd.DataFrame, path: Path) -> Path:
    """Weighted histograms on the diagonal, particles below it; axes span the priors.

    A log-uniform parameter is drawn on a log axis. Point size follows the weight.
    """
    plt = _pyplot()
    names = cal.names
    priors = list(cal.config.parameters.values())
    k = len(names)
    size = max(2.2 * k, 3.5)
    fig, axes = plt.subplots(k, k, figsize=(size, size), squeeze=False)
    w = population["weight"].to_numpy(dtype=np.float64)
    for i in range(k):
        for j in range(k):
            ax = axes[i, j]
            xi, pi = population[names[j]].to_numpy(dtype=np.float64), priors[j]
            if i < j:
                ax.axis("off")
                continue
            if i == j:
                edges = np.linspace(*pi.bounds, 21)
                ax.hist([pi.to_internal(v) for v in xi], bins=edges, weights=w, color="#4c72b0")
                ax.set_xlim(*pi.bounds)
                ax.set_yticks([])
            else:
                yi, pj = population[names[i]].to_numpy(dtype=np.float64), priors[i]
                ax.scatter(
                    [pi.to_internal(v) for v in xi],
                    [pj.to_internal(v) for v in yi],
                    s=8 + 400 * w,
                    alpha=0.5,
                    color="#4c72b0",
                )
                ax.set_xlim(*pi.bounds)
                ax.set_ylim(*pj.bounds)
                if j == 0:
                    ax.set_ylabel(_label(names[i], pj.prior), fontsize=7)
            if i == k - 1:
                ax.set_xlabel(_label(names[j], pi.prior), fontsize=7)
            ax.tick_params(labelsize=6)
    fig.suptitle(f"{cal.scenario.name}: posterior (axes span the prior)", fontsize=9)
    return _save(fig, path)


def _label(path: str, prior: str) -> str:
    short = path if len(path) <= 34 else "…" + path[-33:]
    return f"log10 {short}" if prior == "log-uniform" else short


def predictive(table: pd.DataFrame, path: Path) -> Path:
    """Per target: the observed value with +-2 sd, and the simulations' 90% range and median.

    Each row is drawn in units of its target's sd around the observed value, so
    targets of different scales share one axis. Without a check, the figure says so.
    """
    plt = _pyplot()
    n = len(table)
    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.45 * n))
    if not int(table["simulations"].sum()):
        ax.text(0.5, 0.5, "no predictive check (abc.predictive: 0)", ha="center", va="center")
        ax.set_axis_off()
        return _save(fig, path)
    pos = np.arange(n)[::-1]
    sd = table["sd"].to_numpy(dtype=np.float64)
    obs = table["observed"].to_numpy(dtype=np.float64)
    lo = (table["simulated_low"].to_numpy(dtype=np.float64) - obs) / sd
    hi = (table["simulated_high"].to_numpy(dtype=np.float64) - obs) / sd
    med = (table["simulated_median"].to_numpy(dtype=np.float64) - obs) / sd
    ax.axvspan(-2, 2, color="#dddddd", label="observed ± 2 sd")
    ax.axvline(0, color="black", lw=1)
    ax.hlines(pos, lo, hi, color="#c44e52", lw=3, label="simulated, 5%-95%")
    ax.plot(med, pos, "o", color="#c44e52", label="simulated median")
    ax.set_yticks(pos, list(table["target"]), fontsize=8)
    ax.set_xlabel("(simulated - observed) / sd of the observation")
    ax.set_title("Posterior predictive check", fontsize=10)
    ax.legend(fontsize=7, loc="best")
    return _save(fig, path)
