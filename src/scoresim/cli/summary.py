"""The short end-of-run tables: one run's key results, or a regime against its control."""

from __future__ import annotations

from rich.table import Table

from scoresim.results import headlines as hl
from scoresim.results.run import RunResult


def key_results(run: RunResult) -> dict[str, float]:
    """The headline numbers of a run, by label (see :mod:`scoresim.results.headlines`).

    Rates, chilling and falsification are averaged over the last 30 steps (or all, if
    fewer); listed shares are at the end; denials are totals over the run.
    """
    return hl.values(run.metrics, run.info["parameters"])


def _formats(runs: dict[str, RunResult]) -> dict[str, hl.Headline]:
    out: dict[str, hl.Headline] = {}
    for r in runs.values():
        out.update({h.label: h for h in hl.headlines(r.info["parameters"])})
    return out


def _fmt(label: str, value: float, formats: dict[str, hl.Headline] | None = None) -> str:
    h = (formats or {}).get(label)
    if h is not None:
        return hl.fmt(h, value)
    return hl.fmt(COMPARED_FMT.get(label, "share"), value)


def results_table(runs: dict[str, RunResult]) -> Table:
    """A table with one column per run, one row per headline number."""
    table = Table(title="scoresim: key results", title_justify="left")
    table.add_column("measure")
    for name in runs:
        table.add_column(name, justify="right")
    keyed = {name: key_results(r) for name, r in runs.items()}
    labels: list[str] = []
    for values in keyed.values():
        labels += [k for k in values if k not in labels]
    formats = _formats(runs)
    for label in labels:
        cells = [_fmt(label, keyed[n][label], formats) if label in keyed[n] else "-" for n in runs]
        table.add_row(label, *cells)
    return table


COMPARED = (
    "chilling of dissent",
    "falsification",
    "listed",
    "listed wrongly",
    "denials",
    "ties cut",
)
COMPARED_FMT: dict[str, hl.Fmt] = {
    "chilling of dissent": "signed",
    "denials": "count",
    "ties cut": "count",
}


def comparison_row(run: RunResult) -> dict[str, float]:
    """The compact measures of :data:`COMPARED` for one run (denials summed).

    ``chilling of dissent`` is the chilling of the regime's own ``dissent_behaviour``.
    """
    k = key_results(run)
    dissent = run.info["parameters"].get("dissent_behaviour")
    row = {label: k.get(label, 0.0) for label in COMPARED}
    row["chilling of dissent"] = k.get(f"chilling of {dissent}", 0.0)
    row["denials"] = sum(v for label, v in k.items() if label.startswith("denials"))
    return {label: row[label] for label in COMPARED}


def comparison_table(runs: dict[str, RunResult]) -> Table:
    """One row per run with the compact measures, for comparing many regimes."""
    table = Table(title="scoresim: regimes compared", title_justify="left")
    table.add_column("regime")
    for label in COMPARED:
        table.add_column(label, justify="right")
    for name, run in runs.items():
        row = comparison_row(run)
        table.add_row(name, *(_fmt(label, row[label]) for label in COMPARED))
    return table


def comparison_markdown(runs: dict[str, RunResult]) -> str:
    """The same comparison as a Markdown table, for documents."""
    lines = [
        "| regime | " + " | ".join(COMPARED) + " |",
        "|---|" + "---:|" * len(COMPARED),
    ]
    for name, run in runs.items():
        row = comparison_row(run)
        cells = " | ".join(_fmt(label, row[label]) for label in COMPARED)
        lines.append(f"| `{name}` | {cells} |")
    return "\n".join(lines) + "\n"


def describe(run: RunResult) -> str:
    """One line naming the run: scenario, size, seed and speed."""
    i = run.info
    return (
        f"{i['scenario']}: {i['agents']:,} agents x {i['steps']} steps, seed {i['seed']}, "
        f"{i['run_seconds']:.1f} s ({i['agent_steps_per_second']:,.0f} agent-steps/s)"
    )


__all__ = [
    "comparison_markdown",
    "comparison_row",
    "comparison_table",
    "describe",
    "key_results",
    "results_table",
]
