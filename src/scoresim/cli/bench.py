"""``scoresim bench``: how fast one simulation runs on this machine, after its set-up."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from scoresim import strictjson
from scoresim.cli.common import FLAG, out, user_errors
from scoresim.engine.bench import bench_regime
from scoresim.errors import RunOptionError
from scoresim.validation.epstein_bench import bench_epstein


def bench(
    model: Annotated[str, typer.Argument(help="A regime (name or YAML path) or 'epstein'.")],
    agents: Annotated[
        int | None, typer.Option("--agents", "-n", help="Agents (regimes; default 100 000).")
    ] = None,
    size: Annotated[
        int | None, typer.Option("--size", help="Grid side L of an L x L torus (epstein).")
    ] = None,
    steps: Annotated[int, typer.Option("--steps", "-t", help="Steps to time.")] = 100,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Root seed.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.", metavar=FLAG)] = False,
) -> None:
    """Time one simulation after its set-up: seconds, per step, agent-steps/s, peak RSS."""
    with user_errors():
        if model == "epstein":
            if agents is not None:
                raise RunOptionError("--agents: epstein is sized by its grid; use --size L")
            result = bench_epstein(size if size is not None else 100, steps, seed)
        else:
            if size is not None:
                raise RunOptionError(f"--size: {model} is sized by its agents; use --agents N")
            result = bench_regime(model, agents if agents is not None else 100_000, steps, seed)
    if as_json:
        typer.echo(strictjson.dumps(result, missing_as_null=True))
        return
    table = Table(title=f"scoresim bench {model}", title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("agents", f"{result['agents']:,}")
    table.add_row("steps", f"{result['steps']:,}")
    table.add_row("set-up", f"{result['setup_seconds']:.3f} s")
    table.add_row("run", f"{result['seconds']:.3f} s")
    table.add_row("per step", f"{result['seconds_per_step'] * 1e3:.3f} ms")
    table.add_row("agent-steps per second", f"{result['agent_steps_per_second']:,.0f}")
    table.add_row("peak RSS", f"{result['peak_rss_bytes'] / 2**20:,.0f} MiB")
    out.print(table)
