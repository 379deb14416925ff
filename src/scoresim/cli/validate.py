"""``scoresim validate``: reproduce the published models behind the engine's mechanics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from scoresim import strictjson
from scoresim.cli.common import FLAG, err, out, user_errors
from scoresim.config.overrides import parse_override
from scoresim.validation import CASE_NAMES

if TYPE_CHECKING:
    from scoresim.validation.cases import Report


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def report_table(reports: list[Report]) -> Table:
    """One row per check: case, check, expected, measured, tolerance, pass."""
    table = Table(title="scoresim validate", title_justify="left")
    for col in ("case", "check", "expected", "measured", "tolerance", "pass"):
        table.add_column(col, overflow="fold")
    for r in reports:
        if not r.checks:
            table.add_row(r.case, "(no check applies to these parameters)", "", "", "", "")
        for c in r.checks:
            mark = "[green]pass[/]" if c.passed else "[red]FAIL[/]"
            table.add_row(r.case, c.name, _fmt(c.expected), _fmt(c.measured), c.tolerance, mark)
    return table


def validate(
    cases: Annotated[
        list[str] | None,
        typer.Argument(help=f"Cases to run (default all): {', '.join(CASE_NAMES)}."),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="More seeds, longer runs, extra checks.", metavar=FLAG)
    ] = False,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Run with this parameter: KEY=VALUE (repeatable)."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Root seed.")] = 1,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per case.", metavar=FLAG)
    ] = False,
) -> None:
    """Run the validation cases and compare them with their sources (exit 1 if any check fails)."""
    # Imported here: the cases load Numba, which the other commands do not need.
    from scoresim.validation.cases import run_case, select

    with user_errors():
        sets = dict(parse_override(s) for s in set_ or [])
        chosen = select(list(cases or []), sets)
    reports: list[Report] = []
    for case, params in chosen:
        if not as_json:
            err.print(f"running {case.name}{' (full)' if full else ''} ...", highlight=False)
        reports.append(run_case(case, params, bool(sets), seed, full))
    if as_json:
        for r in reports:
            typer.echo(strictjson.dumps(r.as_dict(), missing_as_null=True))
    else:
        out.print(report_table(reports))
    failed = sum(not c.passed for r in reports for c in r.checks)
    if not as_json:
        total = sum(len(r.checks) for r in reports)
        out.print(f"{total - failed} of {total} checks passed", highlight=False)
    raise typer.Exit(1 if failed else 0)
