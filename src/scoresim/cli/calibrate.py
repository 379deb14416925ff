"""``scoresim calibrate``: fit a regime's parameters to observed statistics (ABC-SMC)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import TaskID, TextColumn
from rich.table import Table

from scoresim.cli.common import Quiet, Scheduler, Workers, err, out, user_errors
from scoresim.cli.experiment import check_folder, experiment_session
from scoresim.errors import CalibrationError

MAX_DATASETS = 100_000
"""The most data sets a coverage check takes (their seeds stay distinct far beyond)."""


def calibrate(
    file: Annotated[Path, typer.Argument(help="The calibration file (YAML).")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Results folder (resumable).")],
    workers: Workers = None,
    scheduler: Scheduler = None,
    quiet: Quiet = False,
    method: Annotated[
        str | None,
        typer.Option(
            "--method",
            metavar="abc|neural",
            help="Fit by this method instead of the file's (its neural: section sets the "
            "neural method's size); recorded in calibration.json.",
        ),
    ] = None,
    check_coverage: Annotated[
        int | None,
        typer.Option(
            "--check-coverage",
            metavar="N",
            help="Instead of fitting, check the method's coverage on N data sets simulated "
            "from the prior (coverage.csv, coverage.json, figures/coverage.png).",
        ),
    ] = None,
) -> None:
    """Fit a regime's parameters to observed statistics by ABC-SMC (pyabc); rerunning resumes.

    Writes the posterior (posterior.csv), the posterior predictive check
    (predictive.csv), calibration.json and figures/ into the folder, and every
    simulation into its results.duckdb (scoresim query FOLDER 'SELECT ...').
    With --check-coverage N, checks instead whether the method's intervals hold the
    truth as often as they claim, on N synthetic data sets (simulation-based
    calibration); a rerun resumes it, a larger N adds data sets.
    """
    from scoresim.calibrate.fit import fit
    from scoresim.calibrate.results import write_results
    from scoresim.calibrate.spec import load_calibration, with_method
    from scoresim.experiment.executors import choose_engine

    with user_errors():
        opener = choose_engine(workers, scheduler)
        check_folder(out_dir)  # before any bar, so a refusal is the only line
        cal = load_calibration(file)
        if method is not None:
            cal = with_method(cal, method)
        if check_coverage is not None:
            if not 2 <= check_coverage <= MAX_DATASETS:
                raise CalibrationError(
                    f"--check-coverage {check_coverage}: give 2 to {MAX_DATASETS:,} data sets "
                    "(50 or more to see a miscalibration)"
                )
            _coverage(cal, out_dir, check_coverage, opener, quiet)
            return
        columns = (TextColumn("{task.fields[rate]}"), TextColumn("{task.fields[eps]}"))
        with experiment_session(out_dir, opener, columns, quiet) as (engine, bar):
            tasks: dict[int, TaskID] = {}

            def progress(t: int, accepted: int, wanted: int, evaluated: int, eps: float) -> None:
                if t not in tasks:
                    label = _label(cal.config.method, t)
                    tasks[t] = bar.add_task(
                        f"{label} on {engine.label}", total=wanted, rate="", eps=""
                    )
                abc = cal.config.method == "abc"
                rate = f"accepted {accepted / evaluated:.0%}" if evaluated and abc else ""
                shown = "" if math.isnan(eps) else f"epsilon {eps:.3g}"
                bar.update(tasks[t], completed=accepted, rate=rate, eps=shown)
                # A log (stderr not a terminal) gets no live bar: one line per generation.
                if accepted == wanted and not quiet and not err.is_terminal:
                    label = _label(cal.config.method, t)
                    err.print(f"{label}: {accepted} accepted of {evaluated} proposals"
                              f"{', ' + shown if shown else ''}", highlight=False)  # fmt: skip

            summary = fit(cal, out_dir, engine, progress)
            bar.add_task("posterior predictive check", total=None, rate="", eps="")
            doc = write_results(cal, out_dir, summary, engine)
    _print_summary(doc, summary.simulated, summary.reused, summary.seconds, out_dir)


def _label(method: str, t: int) -> str:
    """What the bar's task ``t`` is doing."""
    if method == "neural":
        return (
            "simulations from the prior" if t < 0 else "training the network, drawing the posterior"
        )
    return "prior sample" if t < 0 else f"generation {t}"


def _coverage(cal: Any, out_dir: Path, n: int, opener: Any, quiet: bool) -> None:
    """Run the coverage check into ``out_dir`` and print its table."""
    from scoresim.calibrate.coverage_run import run_coverage
    from scoresim.calibrate.coverage_write import write_coverage
    from scoresim.calibrate.neural import LEAST_INSIDE, PILOT

    columns = (TextColumn("{task.fields[now]}"),)
    with experiment_session(out_dir, opener, columns, quiet) as (engine, bar):
        task = bar.add_task(f"coverage data sets on {engine.label}", total=n, now="")

        def progress(done: int, total: int, k: int, t: int) -> None:
            if k < 0:
                now = {-1: "simulating the network's training set", 0: "training the network"}.get(t, "")  # fmt: skip
            elif cal.config.method == "neural":
                now = f"data set {k}"
            else:
                now = f"data set {k}: " + ("prior sample" if t < 0 else f"generation {t}")
            bar.update(task, completed=done, total=total, now=now)

        summary = run_coverage(cal, out_dir, n, engine, progress)
        doc = write_coverage(cal, out_dir, n, summary, engine.label)
    _print_table(f"coverage on {doc['usable']} data sets (intervals at {doc['confidence']:.2%} each)",
                 ("parameter", "level", "coverage", "interval", "verdict", "width / prior's"),
                 {"parameter", "verdict"},
                 [[r["parameter"], f"{r['level']:.0%}", f"{r['coverage']:.0%}",
                   _range(r["low"], r["high"], ".0%"), r["verdict"],
                   _num(r["mean_width_ratio"], ".2f")] for r in doc["coverage"]])  # fmt: skip
    out.print(
        f"{doc['simulations']:,} simulations for {doc['usable']} posteriors "
        f"({doc['excluded']} data sets left out: a target missing at their truth) in "
        f"{summary.seconds:,.1f} s now; results in {out_dir}",
        markup=False,
        highlight=False,
    )
    if doc.get("outside_prior"):
        err.print(
            f"warning: the coverage check did not pass: the network's posterior of "
            f"{doc['outside_prior']} data sets lay almost wholly outside the prior (fewer "
            f"than {LEAST_INSIDE * PILOT:,.0f} of {PILOT:,} draws inside it; "
            "coverage_ranks.csv, outside_prior): train it on more simulations",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip
    if not doc["intervals_consistent"]:
        err.print(
            "warning: the coverage check did not pass: an interval holds the truth more or "
            "less often than it claims (see coverage.csv and figures/coverage.png)",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip


def _print_table(title: str, columns: tuple[str, ...], left: set[str], rows: list[list[str]]) -> None:  # fmt: skip
    """A rich table whose ``left`` columns align left and the others (numbers) right."""
    table = Table(title=title, title_justify="left")
    for col in columns:
        table.add_column(col, justify="left" if col in left else "right")
    for row in rows:
        table.add_row(*row)
    out.print(table)


def _num(value: Any, spec: str) -> str:
    """``value`` formatted by ``spec``, or a dash when it is missing (null or NaN)."""
    return "—" if value is None or value != value else format(value, spec)


def _range(low: Any, high: Any, spec: str) -> str:
    return "—" if low is None or high is None else f"{low:{spec}} to {high:{spec}}"


def _verdict(within: bool | None) -> str:
    return {True: "yes", False: "no: poor fit", None: "unknown"}[within]


def _every(within: bool | None) -> str:
    """The calibration's verdict: every target within its own allowance."""
    return {True: "yes: every target", False: "no: a target is not",
            None: "unknown"}[within]  # fmt: skip


def _identified(row: dict[str, Any], fit: dict[str, Any]) -> str:
    if row["identified"]:
        return "yes"
    if not row.get("narrower", True):
        return "no: as wide as the prior"
    if fit["within_noise"] is False:
        return "no: poor fit"
    return "no: weights collapsed" if fit.get("weights_collapsed") else "no: fit unknown"


def _print_summary(doc: dict[str, Any], simulated: int, reused: int, seconds: float, folder: Path) -> None:  # fmt: skip
    fit = doc["fit"]
    _print_table("posterior (90% intervals)",
                 ("parameter", "prior", "posterior median", "posterior 90%", "width / prior's",
                  "identified"),
                 {"parameter", "identified"},
                 [[r["parameter"], _range(r["prior_low"], r["prior_high"], ".3g"),
                   _num(r["posterior_median"], ".3g"),
                   _range(r["posterior_low"], r["posterior_high"], ".3g"),
                   _num(r["width_ratio"], ".2f"), _identified(r, fit)]
                  for r in doc["posterior"]])  # fmt: skip
    observed = {r["target"]: f"{r['observed']:.4g} ± {r['sd']:.2g}" for r in doc["predictive"]}
    _print_table("fit against the noise floor (sd units)",
                 ("target", "observed ± sd", "final error", "noise floor", "allowed",
                  "within noise"),
                 {"target", "within noise"},
                 [*[[r["target"], observed[r["target"]], _num(r["error"], ".3g"),
                     _num(r["noise_floor"], ".3g"), _num(r["allowed"], ".3g"),
                     _verdict(r["within_noise"])] for r in doc["fit_by_target"]],
                  ["all (final epsilon)", "", _num(fit["epsilon"], ".3g"),
                   _num(fit["noise_floor"], ".3g"), _num(fit["allowed"], ".3g"),
                   _every(fit["within_noise"])]])  # fmt: skip
    if doc["abc"]["predictive"] == 0:
        out.print("posterior predictive check: not run (abc.predictive: 0)", markup=False)
    else:
        _print_table("posterior predictive check",
                     ("target", "observed ± sd", "simulated median", "simulated 90%", "inside"),
                     {"target"},
                     [[r["target"], observed[r["target"]], _num(r["simulated_median"], ".4g"),
                       _range(r["simulated_low"], r["simulated_high"], ".4g"),
                       {True: "yes", False: "no", None: "—"}[r["observed_inside"]]]
                      for r in doc["predictive"]])  # fmt: skip
    if doc.get("forecasts") and doc["abc"]["predictive"] > 0:
        _print_table("forecasts from the posterior",
                     ("forecast", "median", "90% interval", "unit"), {"forecast", "unit"},
                     [[r["forecast"], _num(r["median"], ".4g"), _range(r["low"], r["high"], ".4g"),
                       r["unit"]] for r in doc["forecasts"]])  # fmt: skip
    if doc["method"] == "neural":
        net = doc["training"]
        said = (
            f"neural posterior estimation: {doc['evaluations']:,} simulations from the prior "
            f"({simulated:,} simulated now, {reused:,} replayed from the folder), "
            f"{net['simulations']:,} with every target trained the network in "
            f"{net['seconds']:,.1f} s ({net['epochs']} epochs); {doc['neural']['draws']:,} "
            f"posterior draws; {seconds:,.1f} s in all; results in {folder}"
        )
    else:
        said = (
            f"{doc['generations']} generations, epsilon {_num(doc['epsilon'], '.3g')}, "
            f"{doc['evaluations']:,} proposals evaluated ({simulated:,} simulated now, "
            f"{reused:,} replayed from the folder) in {seconds:,.1f} s; effective sample size "
            f"of the last population {_num(fit.get('effective_size'), '.3g')}; results in {folder}"
        )
    out.print(said, markup=False, highlight=False)
    for far in (doc.get("training") or {}).get("unreached_targets", []):
        err.print(f"warning: {far}: the network extrapolates there, and the posterior "
                  "may be wrong", markup=False, highlight=False, soft_wrap=True)  # fmt: skip
    if fit["warning"]:
        err.print(f"warning: {fit['warning']}", markup=False, highlight=False, soft_wrap=True)
