"""Draw the figures of docs/validation.md (one per case) into docs/figures/.

Usage: python benchmarks/validation_figures.py   (about a minute on 2 cores)
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from scoresim.validation import emperor, reputation, thresholds
from scoresim.validation.epstein import EpsteinParams, simulate

OUT = Path(__file__).resolve().parents[1] / "docs" / "figures"


def epstein() -> None:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    p = EpsteinParams(legitimacy=0.82, cop_density=0.04, max_jail_term=30, steps=500)
    for update, ax in zip(("sequential", "batched"), axes, strict=True):
        s = simulate(EpsteinParams(**{**asdict(p), "update": update}), 3)
        ax.plot(s.active, lw=0.8, label="active")
        ax.plot(s.jailed, lw=0.8, label="jailed")
        ax.axhline(50, color="grey", ls=":", lw=0.8)
        ax.set_title(f"update: {update}")
        ax.set_xlabel("step")
    axes[0].set_ylabel("citizens")
    axes[0].legend(frameon=False)
    fig.suptitle("Epstein Model I, NetLogo settings (L 0.82, cops 0.04, J_max 30), seed 3")
    fig.tight_layout()
    fig.savefig(OUT / "validation_epstein.png", dpi=120)


def reputation_fig() -> None:
    mus = np.linspace(0.0, 0.2, 9)
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for norm, colour in zip(reputation.NORMS, ("C0", "C1", "C2"), strict=True):
        ax.plot(mus, [reputation.fixed_point(norm, 0.02, m) for m in mus], color=colour, label=norm)
        sim = [
            reputation.run({**reputation.DEFAULTS, "norm": norm, "assessment_error": m}, 1)[
                "good_fraction"
            ]
            for m in mus
        ]
        ax.plot(mus, sim, "o", color=colour, ms=4)
    ax.set_xlabel("assessment error μ (execution error 0.02)")
    ax.set_ylabel("share Good")
    ax.set_title("Reputation: closed form (lines) and simulation (dots)")
    ax.legend(frameon=False)
    fig.tight_layout()
    fig.savefig(OUT / "validation_reputation.png", dpi=120)


def thresholds_fig() -> None:
    sds = np.arange(4, 26, 2.0)
    share = [
        np.mean(
            [
                thresholds.run({**thresholds.DEFAULTS, "distribution": "normal", "sd": sd}, s)[
                    "equilibrium"
                ]
                >= 99
                for s in range(200)
            ]
        )
        for sd in sds
    ]
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    ax.plot(sds, share, "o-")
    ax.axvline(
        thresholds.mean_field_critical_sd(), color="grey", ls=":", label="mean-field critical sd"
    )
    ax.set_xlabel("sd of thresholds (n 100, mean 25)")
    ax.set_ylabel("share of runs with a full cascade")
    ax.set_title("Granovetter thresholds, 200 seeds per point")
    ax.legend(frameon=False)
    fig.tight_layout()
    fig.savefig(OUT / "validation_thresholds.png", dpi=120)


def emperor_fig() -> None:
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for clustered in (True, False):
        comp = [
            emperor.run({**emperor.DEFAULTS, "clustered": clustered}, s)["compliance"]
            for s in range(40)
        ]
        ax.hist(
            comp,
            bins=[i / 20 for i in range(21)],
            alpha=0.6,
            label="clustered" if clustered else "scattered",
        )
    ax.set_xlabel("final compliance with the unpopular norm")
    ax.set_ylabel("runs (of 40)")
    ax.set_title("Emperor's Dilemma, 5% believers, 25x25 Moore torus")
    ax.legend(frameon=False)
    fig.tight_layout()
    fig.savefig(OUT / "validation_emperor.png", dpi=120)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for draw in (epstein, reputation_fig, thresholds_fig, emperor_fig):
        draw()
        print(f"drew {draw.__name__}")
