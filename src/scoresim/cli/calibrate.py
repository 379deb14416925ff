"""``scoresim calibrate``: fit a regime's parameters to observed statistics (ABC-SMC)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from scoresim.cli.common import Quiet, Scheduler, Workers, err, out, user_errors
from scoresim.results import outputs


def calibrate(
    file: Annotated[Path, typer.Argument(help="The calibration file (YAML).")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Results folder (resumable).")],
    workers: Workers = None,
    scheduler: Scheduler = None,
    quiet: Quiet = False,
) -> None:
    """Fit a regime's parameters to observed statistics by ABC-SMC (pyabc); rerunning resumes.

    Writes the posterior (posterior.csv), the posterior predictive check
    (predictive.csv), calibration.json and figures/ into the folder, and every
    simulation into its results.duckdb (scoresim query FOLDER 'SELECT ...').
    """
    from scoresim.calibrate.results import write_results
    from scoresim.calibrate.runner import run_calibration
    from scoresim.calibrate.spec import load_calibration
    from scoresim.sweep.executors import choose_engine

    with user_errors():
        opener = choose_engine(workers, scheduler)
        cal = load_calibration(file)
        outputs.check_sweep_folder(out_dir)
        with (
            outputs.claim(out_dir),
            opener() as engine,
            Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TextColumn("{task.fields[eps]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=err,
                disable=quiet,
            ) as bar,
        ):
            tasks: dict[int, TaskID] = {}

            def progress(t: int, accepted: int, wanted: int, evaluated: int, eps: float) -> None:
                if t not in tasks:
                    label = "prior sample" if t < 0 else f"generation {t}"
                    tasks[t] = bar.add_task(
                        f"{label} on {engine.label}", total=wanted, rate="", eps=""
                    )
                rate = f"accepted {accepted / evaluated:.0%}" if evaluated else ""
                shown = "" if math.isnan(eps) else f"epsilon {eps:.3g}"
                bar.update(tasks[t], completed=accepted, rate=rate, eps=shown)
                # A log (stderr not a terminal) gets no live bar: one line per generation.
                if accepted == wanted and not quiet and not err.is_terminal:
                    label = "prior sample" if t < 0 else f"generation {t}"
                    err.print(f"{label}: {accepted} accepted of {evaluated} proposals"
                              f"{', ' + shown if shown else ''}", highlight=False)  # fmt: skip

            summary = run_calibration(cal, out_dir, engine, progress)
            bar.add_task("posterior predictive check", total=None, rate="", eps="")
            doc = write_results(cal, out_dir, summary, engine)
    _print_summary(doc, summary.simulated, summary.reused, summary.seconds, out_dir)


def _print_table(title: str, columns: tuple[str, ...], left: set[str], rows: list[list[str]]) -> None:  # fmt: skip
    """A rich table whose ``left`` columns align left and the others (numbers) right."""
    table = Table(title=title, title_justify="left")
    for col in columns:
        table.add_column(col, justify="left" if col in left else "right")
    for row in rows:
        table.add_row(*row)
    out.print(table)


def _print_summary(doc: dict[str, Any], simulated: int, reused: int, seconds: float, folder: Path) -> None:  # fmt: skip
    _print_table("posterior (90% intervals)",
                 ("parameter", "prior", "posterior median", "posterior 90%", "width / prior's"),
                 {"parameter"},
                 [[r["parameter"], f"{r['prior_low']:.3g} to {r['prior_high']:.3g}",
                   f"{r['posterior_median']:.3g}",
                   f"{r['posterior_low']:.3g} to {r['posterior_high']:.3g}",
                   f"{r['width_ratio']:.2f}" + ("" if r["identified"] else " (not identified)")]
                  for r in doc["posterior"]])  # fmt: skip
    _print_table("posterior predictive check",
                 ("target", "observed ± sd", "simulated median", "simulated 90%", "inside"),
                 {"target"},
                 [[r["target"], f"{r['observed']:.4g} ± {r['sd']:.2g}",
                   f"{r['simulated_median']:.4g}",
                   f"{r['simulated_low']:.4g} to {r['simulated_high']:.4g}",
                   "yes" if r["observed_inside"] else "no"]
                  for r in doc["predictive"]])  # fmt: skip
    if doc.get("forecasts"):
        _print_table("forecasts from the posterior",
                     ("forecast", "median", "90% interval", "unit"), {"forecast", "unit"},
                     [[r["forecast"], f"{r['median']:.4g}", f"{r['low']:.4g} to {r['high']:.4g}",
                       r["unit"]] for r in doc["forecasts"]])  # fmt: skip
    out.print(
        f"{doc['generations']} generations, epsilon {doc['epsilon']:.3g}, "
        f"{doc['evaluations']:,} proposals evaluated ({simulated:,} simulated now, {reused:,} "
        f"replayed from the folder) in {seconds:,.1f} s; results in {folder}",
        markup=False,
        highlight=False,
    )
