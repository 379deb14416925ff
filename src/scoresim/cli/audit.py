"""``scoresim audit``: check a regime against EU AI Act Art. 5(1)(c) and measured harms."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from scoresim import strictjson
from scoresim.cli.common import FLAG, out, user_errors

STYLE = {"prohibited": "bold red", "flag": "yellow", "pass": "green", "met": "cyan"}


def audit(
    scenario: Annotated[str, typer.Argument(help="Built-in name or YAML path.")],
    agents: Annotated[
        int, typer.Option("--agents", "-n", help="Agents of the measured run.")
    ] = 20_000,
    steps: Annotated[int, typer.Option("--steps", "-t", help="Steps of the measured run.")] = 365,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Seed of the measured run.")] = 0,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a field: PATH=VALUE (repeatable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.", metavar=FLAG)] = False,
) -> None:
    """Audit a regime: exit 1 if it is a prohibited social-scoring practice, else 0.

    The legal lines read the scenario's design (what is scored, from which contexts,
    what it leads to); the measured lines come from one seeded run. See docs/audit.md.
    """
    from scoresim.config.loading import load_scenario
    from scoresim.config.overrides import parse_override
    from scoresim.engine.simulation import check_options
    from scoresim.report.audit import audit as run_audit

    with user_errors():
        overrides = dict(parse_override(s) for s in set_ or [])
        sc = load_scenario(scenario).with_overrides(overrides)
        check_options(agents, steps, seed)
        report = run_audit(sc, agents, steps, seed)
    if as_json:
        typer.echo(strictjson.dumps(report.to_json(), missing_as_null=True, indent=2))
    else:
        table = Table(
            title=f"audit of {report.scenario} ({agents:,} agents, {steps} days, seed {seed})",
            title_justify="left",
        )
        table.add_column("section")
        table.add_column("check")
        table.add_column("finding", overflow="fold")
        table.add_column("verdict")
        for line in report.lines:  # Text, not markup: findings hold brackets
            cells = (line.section, line.check, line.finding)
            table.add_row(
                *(Text(c) for c in cells), Text(line.verdict, STYLE.get(line.verdict, ""))
            )
        out.print(table)
    raise typer.Exit(1 if report.prohibited else 0)
