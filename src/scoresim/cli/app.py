"""The ``scoresim`` command line: a thin shell over the library.

User mistakes (:class:`scoresim.errors.ScoresimError`) are printed as one line on
stderr with exit code 2 and no traceback.
"""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from scoresim.cli import audit, bench, poll, report, scenarios, serve, validate
from scoresim.cli import calibrate as calibration
from scoresim.cli import sweep as sweeps
from scoresim.cli.common import FLAG, err, out, user_errors
from scoresim.cli.summary import (
    comparison_markdown,
    comparison_table,
    describe,
    results_table,
)
from scoresim.config.loading import load_scenario
from scoresim.config.overrides import parse_override
from scoresim.engine.simulation import check_options, simulate
from scoresim.errors import ScenarioValueError
from scoresim.results import outputs
from scoresim.results.run import RunResult
from scoresim.version import VERSION

app = typer.Typer(
    name="scoresim",
    help="A laboratory for social-scoring regimes, on synthetic populations only.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(wanted: bool) -> None:
    """``--version``: print ``scoresim X.Y.Z`` and stop (exit code 0)."""
    if wanted:
        typer.echo(f"scoresim {VERSION}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print scoresim's version and exit.",
            callback=_print_version,
            is_eager=True,
            metavar=FLAG,
        ),
    ] = False,
) -> None:
    """Options before the command (only --version)."""


Agents = Annotated[int, typer.Option("--agents", "-n", help="Number of agents.")]
Steps = Annotated[int, typer.Option("--steps", "-t", help="Number of steps (days).")]
Seed = Annotated[int, typer.Option("--seed", "-s", help="Root seed.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.", metavar=FLAG)]


def run_with_progress(
    scenario: str, agents: int, steps: int, seed: int, overrides: dict[str, Any], quiet: bool,
    follow: int | None = None,
) -> RunResult:  # fmt: skip
    """Run a scenario with a rich progress bar on stderr (none if ``quiet``)."""
    sc = load_scenario(scenario).with_overrides(overrides)
    check_options(agents, steps, seed)
    if quiet:
        return simulate(sc, agents=agents, steps=steps, seed=seed, follow=follow)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task(f"{sc.name} ({agents:,} agents)", total=steps)
        return simulate(
            sc,
            agents=agents,
            steps=steps,
            seed=seed,
            progress=lambda done, _total: bar.update(task, completed=done),
            follow=follow,
        )


def claim_run_folders(stack: ExitStack, folders: list[Path]) -> None:
    """Check every run folder a command will write, then hold them until it ends."""
    for folder in folders:
        outputs.check_run_folder(folder)
    for folder in folders:
        stack.enter_context(outputs.claim(folder))


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="Built-in name (seed, baseline) or YAML path.")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Run folder to write.")],
    agents: Agents = 100_000,
    steps: Steps = 365,
    seed: Seed = 0,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a field: PATH=VALUE (repeatable)."),
    ] = None,
    quiet: Quiet = False,
    follow: Annotated[
        int | None,
        typer.Option("--follow", help="Follow N people at random through the run: people.parquet.",
                     metavar="N"),
    ] = None,
) -> None:  # fmt: skip
    """Run one regime and write its folder: metrics, agents, a network sample, run.json."""
    with user_errors(), ExitStack() as stack:
        overrides = dict(parse_override(s) for s in set_ or [])
        outputs.check_run_folder(out_dir)  # before hours of running, not after
        stack.enter_context(outputs.claim(out_dir))
        result = run_with_progress(scenario, agents, steps, seed, overrides, quiet, follow)
        result.save(out_dir)
    out.print(describe(result))
    out.print(results_table({result.info["scenario"]: result}))
    out.print(f"written to {out_dir}")


@app.command()
def demo(
    agents: Agents = 100_000,
    steps: Steps = 365,
    seed: Seed = 7,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for both runs.")] = Path(
        "runs"
    ),
    quiet: Quiet = False,
) -> None:
    """Run the flagship regime `seed` against the `baseline` control and compare them."""
    results: dict[str, RunResult] = {}
    with user_errors(), ExitStack() as stack:
        claim_run_folders(stack, [out_dir / name for name in ("baseline", "seed")])
        for name in ("baseline", "seed"):
            results[name] = run_with_progress(name, agents, steps, seed, {}, quiet)
            results[name].save(out_dir / name)
    for r in results.values():
        out.print(describe(r))
    out.print(results_table(results))
    out.print(f"runs written to {out_dir}/baseline and {out_dir}/seed")


@app.command()
def compare(
    scenarios: Annotated[list[str], typer.Argument(help="Built-in names or YAML paths.")],
    agents: Agents = 100_000,
    steps: Steps = 365,
    seed: Seed = 7,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also save each run under DIR/NAME.")
    ] = None,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print a Markdown table.", metavar=FLAG)
    ] = False,
    quiet: Quiet = False,
) -> None:
    """Run several regimes on the same people (same seed) and compare them side by side."""
    results: dict[str, RunResult] = {}
    with user_errors(), ExitStack() as stack:
        # Load all and check every output first: a typo fails before hours of running.
        labels = [load_scenario(name).config.name for name in scenarios]
        twice = next((lab for k, lab in enumerate(labels) if lab in labels[:k]), None)
        if twice is not None:
            # Their rows and folders are keyed by name: one would silently replace the other.
            given = [n for n, lab in zip(scenarios, labels, strict=True) if lab == twice]
            raise ScenarioValueError(
                f"compare: {given[0]} and {given[1]} are both named {twice!r}; give each "
                "regime its own name (the name: field of its file)"
            )
        check_options(agents, steps, seed)
        if out_dir is not None:
            claim_run_folders(stack, [out_dir / label for label in labels])
        for name in scenarios:
            result = run_with_progress(name, agents, steps, seed, {}, quiet)
            label = str(result.info["scenario"])
            results[label] = result
            if out_dir is not None:
                result.save(out_dir / label)
    if markdown:
        typer.echo(comparison_markdown(results), nl=False)
    else:
        out.print(comparison_table(results))


# Commands from their own modules, listed after run, demo and compare in --help.
app.command()(sweeps.sweep)
app.command()(sweeps.query)
app.command()(sweeps.sensitivity)
app.command()(calibration.calibrate)
app.command()(report.report)
app.command()(audit.audit)
app.command()(poll.poll)
app.command()(serve.serve)
app.command()(validate.validate)
app.command()(bench.bench)
app.add_typer(scenarios.app)


def main() -> None:
    """Entry point of the ``scoresim`` command.

    A mistake in the command line itself (an option typed wrong, ``--agents 1e5``, a
    missing argument) is one line naming the option and pointing at ``--help``, exit
    code 2, like every other mistake, instead of click's framed block.
    """
    # typer carries its own copy of click; its exception classes are reached through
    # the public BadParameter rather than a private module.
    usage_error: type[Exception] = next(
        c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"
    )
    # A path given in bytes that are not UTF-8 reaches Python as lone surrogates; print
    # it escaped (\xff) rather than fail with UnicodeEncodeError after the work is done.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    for arg in sys.argv[1:]:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            # Parquet, DuckDB and the YAML reader take UTF-8 only: refuse before any work.
            err.print(f"error: the argument {os.fsencode(arg)!r} holds bytes that are not UTF-8; "
                      "scoresim reads paths and SQL as UTF-8, so rename the file or folder",
                      markup=False, highlight=False, soft_wrap=True)  # fmt: skip
            sys.exit(2)
    try:
        code = app(standalone_mode=False)
    except usage_error as exc:
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError":
            typer.echo(ctx.get_help() if ctx else "", err=True)
            sys.exit(2)
        where = ctx.command_path if ctx else "scoresim"
        message = " ".join(exc.format_message().split()).rstrip(".")  # type: ignore[attr-defined]
        err.print(f"error: {where}: {message}; see {where} --help", markup=False,
                  highlight=False, soft_wrap=True)  # fmt: skip
        sys.exit(2)
    except typer.Abort:  # Ctrl-C
        err.print("stopped", markup=False, highlight=False)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
