"""The report of a calibration folder: posterior against prior, fit, predictive check, figures.

Read from the folder's ``calibration.json`` (written by ``scoresim calibrate``) and
its ``figures/pairs.png``; the charts are drawn like every other report's. The file is
bounded before it is parsed (size and nesting, as a run's ``run.json``), and one that
does not hold what a calibration writes is called damaged in one line. A folder laid
out as a calibration's without ``calibration.json`` is one whose calibration has not
finished: the answer says how to finish it.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from scoresim.errors import ResultsError
from scoresim.report.bounded import read_bounded
from scoresim.report.charts import Chart, Trace

DOC = "calibration.json"
Parts = tuple[list[tuple[str, str]], list[Chart], list[str], str]


def is_calibration(folder: Path) -> bool:
    """Whether ``folder`` is a calibration's (its layout, or its catalogue, says so)."""
    from scoresim.experiment.catalogue import folder_kind
    from scoresim.experiment.kinds import CALIBRATION

    return folder_kind(folder) is CALIBRATION


def damaged(folder: Path, what: str) -> ResultsError:
    """The one-line error for a calibration folder whose ``what`` cannot be read."""
    return ResultsError(
        f"{folder / DOC}: damaged ({what}); rerun scoresim calibrate FILE --out {folder} to "
        "write it again (the simulations are kept)"
    )


def load(folder: Path) -> dict[str, Any]:
    """The folder's calibration.json, bounded before it is parsed.

    Raises:
        ResultsError: It is missing (the calibration has not finished), too large, too
            deep, or does not read as a calibration's.
    """
    path = folder / DOC
    if not path.is_file():
        raise ResultsError(
            f"{folder}: a calibration without results (no {DOC}: it was stopped before it "
            f"finished, or is still running); rerun scoresim calibrate FILE --out {folder} "
            "to finish it (the simulations so far are kept)"
        )
    doc = read_bounded(path, lambda what: damaged(folder, what))
    for key in ("posterior", "predictive", "per_generation"):
        if not isinstance(doc.get(key), list):
            raise damaged(folder, f"field {key!r} is missing or not a list")
    return doc


def parts(folder: Path) -> Parts:
    """The report's summary, charts, notes and tables for a calibration folder.

    Raises:
        ResultsError: calibration.json is missing or damaged.
    """
    from scoresim.report import coverage

    checked = coverage.load(folder)
    if checked is not None and not (folder / DOC).is_file():  # a coverage check, no fit yet
        try:
            rows = [(folder.name, f"coverage check of {checked['scenario']} ({checked['origin']})"),
                    *coverage.summary(checked)]  # fmt: skip
            return rows, [], [], coverage.tables_html(checked, folder)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise coverage.damaged(folder, f"{type(exc).__name__}: {str(exc)[:80]}") from None
    doc = load(folder)
    try:
        rows, made, said, text = summary(doc, folder), charts(doc), notes(doc), tables_html(doc, folder)  # fmt: skip
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise damaged(folder, f"{type(exc).__name__}: {str(exc)[:80]}") from None
    if checked is not None:
        try:
            rows += coverage.summary(checked)
            text += coverage.tables_html(checked, folder)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise coverage.damaged(folder, f"{type(exc).__name__}: {str(exc)[:80]}") from None
        if checked.get("method") != doc.get("method") or checked.get(checked["method"]) != doc.get(checked["method"]):  # fmt: skip
            said = [*said, "The coverage check below was run under other settings than this "
                    "fit (method or its size): it describes those, not this fit."]  # fmt: skip
    return rows, made, said, text


def _num(value: Any, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def _range(low: Any, high: Any, spec: str) -> str:
    return "—" if low is None or high is None else f"{low:{spec}} to {high:{spec}}"


def _checked(doc: dict[str, Any]) -> bool:
    """Whether the calibration ran a predictive check."""
    return int(doc["abc"].get("predictive", 1)) > 0


def charts(doc: dict[str, Any]) -> list[Chart]:
    """Epsilon and acceptance by generation (ABC); the predictive check in sd units (if run)."""
    neural = doc.get("method") == "neural"  # no generations, no epsilon
    gens = [] if neural else [g for g in doc["per_generation"] if g["generation"] >= 0]
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
    first = [] if neural else [eps]
    pred = [p for p in doc["predictive"] if p["simulated_median"] is not None]
    if not pred:
        return first
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
    return [*first, check]


def notes(doc: dict[str, Any]) -> list[str]:
    """The fit's warning, and what is missing (no predictive check, no noise floor)."""
    out = []
    fit = doc.get("fit")
    if fit is None:
        out.append(
            "Fit: this calibration.json was written before scoresim measured the noise "
            "floor; rerun scoresim calibrate on the folder to measure it."
        )
    elif fit["warning"]:
        out.append(f"Warning: {fit['warning']}.")
    if not _checked(doc):
        out.append("No posterior predictive check was run (abc.predictive: 0).")
    return out


def _table(head: list[str], rows: list[list[str]], key: str) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{html.escape(c)}</td>' for c in r) + "</tr>"
        for r in rows
    )
    return f'<table id="{key}"><tr>{th}</tr>{body}</table>'


def _identified(p: dict[str, Any], fit: dict[str, Any] | None) -> str:
    if p["identified"]:
        return "yes"
    if not p.get("narrower", True):
        return "no: the targets say little about it"
    if fit is None:
        return "no"
    if fit["within_noise"] is False:
        return "no: the fit is poor"
    if fit.get("weights_collapsed"):
        return "no: the weights collapsed"
    return "no: the fit is unknown"


def _fit_html(doc: dict[str, Any]) -> str:
    fit = doc.get("fit")
    if fit is None:
        return ""
    verdict = {True: "yes", False: "no: poor fit", None: "unknown"}
    rows = [
        [r["target"], _num(r["error"], ".3g"), _num(r["noise_floor"], ".3g"),
         _num(r["allowed"], ".3g"), verdict[r["within_noise"]]]
        for r in doc["fit_by_target"]
    ]  # fmt: skip
    rows.append(["all targets (final epsilon)", _num(fit["epsilon"], ".3g"),
                 _num(fit["noise_floor"], ".3g"), _num(fit["allowed"], ".3g"),
                 {True: "yes: every target", False: "no: a target is not",
                  None: "unknown"}[fit["within_noise"]]])  # fmt: skip
    head = ["target", "final error (sd)", "noise floor (sd)", "allowed (sd)", "within noise"]
    return (
        "<h2>Fit against the noise floor</h2>"
        + _table(head, rows, "fit")
        + '<p class="note">Final error: the root mean square of the '
        + (
            "predictive simulations' (the network's draws, each simulated once) "
            if doc.get("method") == "neural"
            else "last population's "
        )
        + "standardised errors. Noise floor: the root mean square difference between "
        f"{doc['abc'].get('noise', '?')} evaluations at the posterior median, over the sd. "
        "Allowed: twice √(1 + noise floor²). The fit is within the noise only if every "
        "target's error is within what its own noise floor allows; the last row's floor "
        "and allowance are the targets' root mean square, shown beside the final epsilon "
        "for comparison, and do not decide. Definitions: docs/calibration.md.</p>"
        + (
            f'<p class="note">Effective sample size of the last population: '
            f"{_num(fit['effective_size'], '.3g')} of {fit['particles']} particles"
            + (" (collapsed: below a tenth)." if fit.get("weights_collapsed") else ".")
            + "</p>"
            if "effective_size" in fit
            else ""
        )
    )


def tables_html(doc: dict[str, Any], folder: Path) -> str:
    """The posterior, fit, predictive and forecast tables, and the pairs figure, as HTML."""
    fit = doc.get("fit")
    post = [
        [
            p["parameter"],
            p["prior"],
            _range(p["prior_low"], p["prior_high"], ".4g"),
            _num(p["posterior_median"], ".4g"),
            _range(p["posterior_low"], p["posterior_high"], ".4g"),
            _num(p["width_ratio"], ".2f"),
            _identified(p, fit),
        ]
        for p in doc["posterior"]
    ]
    text = "<h2>Posterior</h2>" + _table(
        ["parameter", "prior", "prior 90%", "posterior median", "posterior 90%",
         "width / prior's", "identified"], post, "posterior")  # fmt: skip
    text += (
        '<p class="note">90% intervals: 5% and 95% weighted quantiles of the last '
        "generation; width / prior's compares the intervals on the sampler's scale (log10 "
        "for a log-uniform prior). Identified: narrower than 0.8 of the prior, and a fit "
        "within what the noise floor allows on every target.</p>"
    )
    text += _fit_html(doc)
    if not _checked(doc):
        text += (
            "<h2>Posterior predictive check</h2>"
            '<p id="predictive">Not run: abc.predictive is 0.</p>'
        )
        return text + _pairs(folder)
    inside = {True: "yes", False: "no", None: "—"}
    pred = [
        [
            p["target"],
            p["statistic"],
            f"{p['observed']:.4g} ± {p['sd']:.2g}",
            _num(p["simulated_median"], ".4g"),
            _range(p["simulated_low"], p["simulated_high"], ".4g"),
            inside[p["observed_inside"]],
            p["source"],
        ]
        for p in doc["predictive"]
    ]
    text += "<h2>Posterior predictive check</h2>" + _table(
        ["target", "statistic", "observed ± sd", "simulated median", "simulated 90%",
         "observed inside", "source"], pred, "predictive")  # fmt: skip
    fore = [
        [f["forecast"], f["statistic"], _num(f["median"], ".4g"), _range(f["low"], f["high"], ".4g"),
         f["unit"]]
        for f in doc.get("forecasts", [])
    ]  # fmt: skip
    if fore:
        text += "<h2>Forecasts from the posterior</h2>" + _table(
            ["forecast", "statistic", "median", "90% interval", "unit"], fore, "forecasts"
        )
    return text + _pairs(folder)


def _pairs(folder: Path) -> str:
    pairs = folder / "figures" / "pairs.png"
    if not pairs.is_file():
        return ""
    data = base64.b64encode(pairs.read_bytes()).decode()
    return (
        "<h2>Posterior, pairs</h2>"
        f'<img id="pairs" alt="pairs plot of the posterior" src="data:image/png;base64,{data}">'
    )


def summary(doc: dict[str, Any], folder: Path) -> list[tuple[str, str]]:
    """The report's first table: what was calibrated, how, and how far it got."""
    run = doc["run"]
    fit = doc.get("fit")
    rows = [
        (folder.name, f"calibration of {doc['scenario']} ({doc['origin']})"),
        (
            "simulations",
            f"{run['agents']:,} agents, {run['steps']} days, "
            f"{run['replicates']} replicate(s) per proposal",
        ),
        _method_row(doc),
    ]
    if fit is not None:
        verdict = {
            True: "every target is within what its noise floor allows",
            False: "not every target is within what its noise floor allows (table below)",
            None: "cannot be judged: a target's noise floor could not be measured",
        }
        rows.append(
            (
                "fit",
                f"final epsilon {_num(fit['epsilon'], '.3g')}: {verdict[fit['within_noise']]}",
            )
        )
    return rows


def _method_row(doc: dict[str, Any]) -> tuple[str, str]:
    """The summary's row for how the posterior was computed."""
    if doc.get("method") == "neural":
        net = doc["training"]
        return (
            "neural posterior estimation",
            f"{doc['evaluations']:,} simulations from the prior, {net['simulations']:,} with "
            f"every target; a {doc['neural']['estimator']} trained in {net['seconds']:,.1f} s "
            f"({net['epochs']} epochs); {doc['neural']['draws']:,} draws; seed {doc['seed']}",
        )
    return (
        "ABC-SMC",
        f"{doc['generations']} generations, final epsilon {_num(doc['epsilon'], '.3g')}, "
        f"{doc['evaluations']:,} proposals evaluated, seed {doc['seed']}",
    )


def method_words(doc: dict[str, Any]) -> str:
    """How a calibration's posterior was computed, in a few words."""
    if doc.get("method") == "neural":
        return f"neural posterior estimation on {doc['evaluations']:,} simulations"
    return f"ABC-SMC, {doc['generations']} generations, final epsilon {_num(doc['epsilon'], '.3g')}"
