"""The report of a calibration folder: posterior against prior, predictive check, figures.

Read from the folder's ``calibration.json`` (written by ``scoresim calibrate``) and
its ``figures/pairs.png``; the charts are drawn like every other report's.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

from scoresim.errors import ResultsError
from scoresim.report.charts import Chart, Trace

DOC = "calibration.json"


def is_calibration(folder: Path) -> bool:
    """Whether ``folder`` is a calibration's (its catalogue and calibration.json)."""
    return (folder / "results.duckdb").is_file() and (folder / DOC).is_file()


def load(folder: Path) -> dict[str, Any]:
    """The folder's calibration.json.

    Raises:
        ResultsError: It does not read.
    """
    try:
        doc: dict[str, Any] = json.loads((folder / DOC).read_text())
        doc["posterior"], doc["predictive"], doc["per_generation"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ResultsError(
            f"{folder / DOC}: damaged ({type(exc).__name__}); rerun scoresim calibrate FILE "
            f"--out {folder} to write it again (the simulations are kept)"
        ) from None
    return doc


def charts(doc: dict[str, Any]) -> list[Chart]:
    """Epsilon and acceptance by generation; the predictive check in sd units."""
    gens = [g for g in doc["per_generation"] if g["generation"] >= 0]
    x = [float(g["generation"]) for g in gens]
    eps = Chart(
        "calibration-epsilon",
        "Epsilon and acceptance rate by generation",
        "generation",
        "epsilon (RMS of standardised errors) / acceptance rate",
        "lines",
        [
            Trace("epsilon", x, [float(g["epsilon"]) for g in gens], 0),
            Trace("acceptance rate", x, [float(g["acceptance_rate"]) for g in gens], 1, dash=True),
        ],
    )
    pred = doc["predictive"]
    z = [(p["simulated_median"] - p["observed"]) / p["sd"] for p in pred]
    lo = [(p["simulated_low"] - p["observed"]) / p["sd"] for p in pred]
    hi = [(p["simulated_high"] - p["observed"]) / p["sd"] for p in pred]
    check = Chart(
        "calibration-predictive",
        "Posterior predictive check: simulations against each target",
        "target",
        "(simulated - observed) / sd",
        "bars",
        [Trace("simulated median (bar: 5%-95%)", [], z, 0, low=lo, high=hi)],
        categories=[p["target"] for p in pred],
        note="0 is the observed value; within ±2 the simulations reproduce it within twice "
        "its stated uncertainty.",
    )
    return [eps, check]


def _table(head: list[str], rows: list[list[str]], key: str) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{html.escape(c)}</td>' for c in r) + "</tr>"
        for r in rows
    )
    return f'<table id="{key}"><tr>{th}</tr>{body}</table>'


def tables_html(doc: dict[str, Any], folder: Path) -> str:
    """The posterior and predictive tables, and the pairs figure, as HTML."""
    post = [
        [
            p["parameter"],
            p["prior"],
            f"{p['prior_low']:.4g} to {p['prior_high']:.4g}",
            f"{p['posterior_median']:.4g}",
            f"{p['posterior_low']:.4g} to {p['posterior_high']:.4g}",
            f"{p['width_ratio']:.2f}",
            "yes" if p["identified"] else "no: the targets say little about it",
        ]
        for p in doc["posterior"]
    ]
    pred = [
        [
            p["target"],
            p["statistic"],
            f"{p['observed']:.4g} ± {p['sd']:.2g}",
            f"{p['simulated_median']:.4g}",
            f"{p['simulated_low']:.4g} to {p['simulated_high']:.4g}",
            "yes" if p["observed_inside"] else "no",
            p["source"],
        ]
        for p in doc["predictive"]
    ]
    text = "<h2>Posterior</h2>" + _table(
        ["parameter", "prior", "prior 90%", "posterior median", "posterior 90%",
         "width / prior's", "identified"], post, "posterior")  # fmt: skip
    text += (
        '<p class="note">90% intervals: 5% and 95% weighted quantiles of the last '
        "generation; width / prior's compares the intervals on the sampler's scale (log10 "
        "for a log-uniform prior).</p>"
    )
    text += "<h2>Posterior predictive check</h2>" + _table(
        ["target", "statistic", "observed ± sd", "simulated median", "simulated 90%",
         "observed inside", "source"], pred, "predictive")  # fmt: skip
    fore = [
        [f["forecast"], f["statistic"], f"{f['median']:.4g}", f"{f['low']:.4g} to {f['high']:.4g}",
         f["unit"]]
        for f in doc.get("forecasts", [])
    ]  # fmt: skip
    if fore:
        text += "<h2>Forecasts from the posterior</h2>" + _table(
            ["forecast", "statistic", "median", "90% interval", "unit"], fore, "forecasts"
        )
    pairs = folder / "figures" / "pairs.png"
    if pairs.is_file():
        data = base64.b64encode(pairs.read_bytes()).decode()
        text += (
            "<h2>Posterior, pairs</h2>"
            f'<img id="pairs" alt="pairs plot of the posterior" src="data:image/png;base64,{data}">'
        )
    return text


def summary(doc: dict[str, Any], folder: Path) -> list[tuple[str, str]]:
    """The report's first table: what was calibrated, how, and how far it got."""
    run = doc["run"]
    return [
        (folder.name, f"calibration of {doc['scenario']} ({doc['origin']})"),
        (
            "simulations",
            f"{run['agents']:,} agents, {run['steps']} days, "
            f"{run['replicates']} replicate(s) per proposal",
        ),
        (
            "ABC-SMC",
            f"{doc['generations']} generations, final epsilon {doc['epsilon']:.3g}, "
            f"{doc['evaluations']:,} proposals evaluated, seed {doc['seed']}",
        ),
    ]
