"""``scoresim poll RUN_DIR``: every poll of a run, as a table."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from scoresim.cli.common import out, user_errors


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _points(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:+.1f}"


def poll(
    run_dir: Annotated[str, typer.Argument(help="A run folder written by scoresim run.")],
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Break each poll down by who was asked: group, sex, age (the scenario's "
            "bands) or education.",
            metavar="group|sex|age|education",
        ),
    ] = None,
    decompose: Annotated[
        bool,
        typer.Option(
            "--decompose",
            help="Also print the share answering neutral and the bias split into fear, "
            "social desirability, the neutral answer and the design (docs/polls.md).",
        ),
    ] = False,
) -> None:
    """Print every poll of a run: estimate, 95% interval, the true private share, bias.

    The truth is the share holding the view privately among the same people asked;
    the bias is the estimate minus it, in percentage points (docs/polls.md);
    --decompose splits it into fear, social desirability, the neutral answer and the
    design's own error, which sum to it.
    """
    from scoresim.errors import RunOptionError
    from scoresim.mechanisms.interview import PARTS
    from scoresim.results.breakdown import BREAKDOWNS, poll_breakdown
    from scoresim.results.polls import poll_table
    from scoresim.results.run import load_run

    with user_errors():
        if by is not None and by not in BREAKDOWNS:
            raise RunOptionError(
                f"--by: {by!r} is not a breakdown; use one of: {', '.join(BREAKDOWNS)}"
            )
        if decompose and by not in (None, "group"):
            raise RunOptionError(f"--decompose: the bias is split per group only, not by {by}; "
                                 "use --decompose alone or with --by group")  # fmt: skip
        run = load_run(run_dir)
        polls: list[dict[str, Any]] = run.info["parameters"].get("polls") or []
        if not polls:
            raise RunOptionError(
                f"{run_dir}: this run has no polls; add a polls: section to the scenario "
                "(docs/polls.md) and run it again"
            )
        groups = list(run.info["parameters"]["groups"]) if by == "group" else []
        rows = {g: poll_table(run.metrics, polls, g) for g in ["all", *groups]}
        if by not in (None, "group"):
            for row in poll_breakdown(run.respondents, run.agents, run.info, by, run_dir):
                rows.setdefault(row["category"], [])
                rows[row["category"]].append(row)
    table = Table(title=f"polls of {run.info['scenario']} ({run_dir})", title_justify="left")
    parts = ["neutral", "fear", "desirability", "neutral ans.", "design"] if decompose else []
    for col in ("poll", *([by] if by else []), "day", "n", "estimate", "95% interval",
                "truth", "bias, pts", *parts):  # fmt: skip
        table.add_column(col, justify="left" if col in ("poll", by) else "right")
    for k, poll_cfg in enumerate(polls):
        for group, table_rows in rows.items():
            row = table_rows[k]
            interval = (
                "n/a" if row["low"] is None else f"{100 * row['low']:.1f}-{100 * row['high']:.1f}%"
            )
            split = [_pct(row["neutral"]), *(_points(row[k]) for k in PARTS)] if decompose else []
            table.add_row(
                poll_cfg["name"], *([group] if by else []), str(row["day"]), str(row["n"] or 0),
                _pct(row["estimate"]), interval, _pct(row["truth"]), _points(row["bias"]), *split,
            )  # fmt: skip
    out.print(table)
    arms = [
        (p["name"], arm)
        for p, row in zip(polls, rows["all"], strict=True)
        for arm in row.get("arms", [])
    ]
    if arms:
        exp = Table(title="survey experiments: each arm against the control (docs/polls.md)",
                    title_justify="left")  # fmt: skip
        for col in ("poll", "arm", "n", "estimate", "effect, pts", "95% interval", "true effect"):
            exp.add_column(col, justify="left" if col in ("poll", "arm") else "right")
        for name, arm in arms:
            low, high = arm["effect_low"], arm["effect_high"]
            interval = "n/a" if low is None else f"{100 * low:+.1f} to {100 * high:+.1f}"
            exp.add_row(name, arm["arm"], str(arm["n"] or 0), _pct(arm["estimate"]),
                        _points(arm["effect"]), interval, _points(arm["effect_truth"]))  # fmt: skip
        out.print(exp)
    for p, row in zip(polls, rows["all"], strict=True):
        frame = "internet users" if p["frame"] == "online" else "everyone"
        when = "" if row["asked"] else " (not asked: the run ended before its day)"
        out.print(f"{p['name']}: {p['question']}, {p['design']}, {p['mode']}, "
                  f"{frame}, sample {p['size']}{when}", markup=False, highlight=False)  # fmt: skip
