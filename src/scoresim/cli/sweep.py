"""``scoresim sweep``, ``query`` and ``sensitivity``: experiments from a file to a figure."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from scoresim.cli.common import FLAG, Quiet, Scheduler, Workers, err, out, user_errors
from scoresim.cli.experiment import check_folder, experiment_session
from scoresim.results import outputs

MAX_EXIT = 125  # exit codes above 125 mean something else to a shell


class RunsPerMinute(ProgressColumn):
    """Throughput of the sweep so far."""

    def render(self, task: Task) -> Text:
        """``12.3 runs/min``, or nothing before the first run ends."""
        speed = task.finished_speed or task.speed
        return Text("" if not speed else f"{speed * 60:,.1f} runs/min", style="cyan")


def sweep(
    file: Annotated[Path, typer.Argument(help="The sweep file (YAML).")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Results folder (resumable).")],
    workers: Workers = None,
    scheduler: Scheduler = None,
    quiet: Quiet = False,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="Set a damaged results.duckdb aside and rebuild it from the runs' intact parts.",
            metavar=FLAG,
        ),
    ] = False,
) -> None:
    """Run every run of a sweep file into a folder; rerunning resumes where it stopped.

    Exit code: 0 when every run finished, otherwise the number of failed runs
    (at most 125); 2 for a mistake in the file or the options.
    """
    from scoresim.experiment.executors import choose_engine
    from scoresim.sweep.runner import run_sweep
    from scoresim.sweep.spec import load_sweep

    with user_errors():
        opener = choose_engine(workers, scheduler)  # before the file is read
        check_folder(out_dir)  # before any bar, so a refusal is the only line
        with Progress(
            TextColumn("checking the values of {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
            disable=quiet,
        ) as checking:
            task = checking.add_task(str(file), total=None, visible=False)

            def checked(done: int, total: int) -> None:
                # Shown only for files with many values; most check in a blink.
                checking.update(task, completed=done, total=total, visible=total >= 1000)

            spec = load_sweep(file, progress=checked)
        with experiment_session(out_dir, opener, (RunsPerMinute(),), quiet) as (engine, bar):
            task = bar.add_task(f"{spec.scenario.name} on {engine.label}", total=None)

            def progress(finished: int, todo: int, failed: int) -> None:
                label = f"{spec.scenario.name} on {engine.label}"
                label += f", [red]{failed} failed[/red]" if failed else ""
                bar.update(task, completed=finished, total=todo, description=label)
                # A log (stderr not a terminal) gets no live bar: a line per tenth of the runs.
                tenth = max(todo // 10, 1)
                if (
                    finished
                    and not quiet
                    and not err.is_terminal
                    and (finished % tenth == 0 or finished == todo)
                ):
                    err.print(f"{finished:,} of {todo:,} runs done, {failed:,} failed",
                              highlight=False)  # fmt: skip

            summary = run_sweep(spec, out_dir, engine, progress, rebuild=rebuild)
    if rebuild:
        out.print(
            f"catalogue rebuilt: {summary.skipped:,} of {summary.total:,} runs recovered from "
            "their parts; the damaged one is kept as results.duckdb.damaged",
            markup=False,
            highlight=False,
        )
    out.print(
        f"{summary.total:,} runs: {summary.skipped:,} already finished, {summary.done:,} done "
        f"now, {summary.failed:,} failed ({summary.seconds:,.1f} s); results in {out_dir}"
    )
    if summary.failed:
        err.print(f"first failure: {summary.first_error}", markup=False, highlight=False)
        raise typer.Exit(min(summary.failed, MAX_EXIT))


def query(
    folder: Annotated[Path, typer.Argument(help="A sweep's --out folder.")],
    sql: Annotated[str, typer.Argument(help="One SQL statement (DuckDB).")],
    csv: Annotated[
        bool, typer.Option("--csv", help="CSV on stdout instead of a table.", metavar=FLAG)
    ] = False,
) -> None:
    """Query a sweep's results with SQL: tables runs, metrics, agents, design, sweep_info."""
    from scoresim.sweep.query import query as run_query

    with user_errors():
        frame = run_query(folder, sql)
    if csv:
        frame.to_csv(sys.stdout, index=False)
        return
    table = Table(title=f"{len(frame):,} rows", title_justify="left")
    for column in frame.columns:
        numeric = frame[column].dtype.kind in "iuf"
        table.add_column(str(column), justify="right" if numeric else "left", overflow="fold")
    for row in frame.head(1000).itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    out.print(table)
    if len(frame) > 1000:
        out.print("(first 1000 rows shown; use --csv for all)")


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def sensitivity(
    folder: Annotated[Path, typer.Argument(help="The --out folder of a sobol or morris sweep.")],
    output: Annotated[
        list[str] | None, typer.Option("--output", help="A metric to analyse (repeatable).")
    ] = None,
    figure: Annotated[
        Path | None, typer.Option("--figure", help="Figure file (default FOLDER/sensitivity.png).")
    ] = None,
) -> None:
    """Sobol or Morris sensitivity indices of a finished sweep (SALib), as tables and a figure."""
    from scoresim.sweep import sensitivity as sa

    with user_errors():
        target = figure or folder / "sensitivity.png"
        outputs.check_figure_file(target, "--figure")  # before the work, and when writing
        results = sa.analyse(folder, output or None)
        path = sa.figure(results, target, "--figure")
    for res in results:
        title = f"{res.output}: {res.method} indices" + (f" ({res.note})" if res.note else "")
        table = Table(title=title, title_justify="left")
        for column in res.table.columns:
            if column == "parameter":  # long paths wrap rather than lose their ends
                table.add_column(column, overflow="fold")
            else:
                table.add_column(column, justify="right", no_wrap=True)
        for row in res.table.itertuples(index=False):
            table.add_row(row[0], *(f"{v:.3f}" for v in row[1:]))
        out.print(table)
    out.print(f"figure written to {path}")
