"""The short end-of-run tables: one run's key results, or a regime against its control."""

from __future__ import annotations

from rich.table import Table

from scoresim.results.run import RunResult

WINDOW = 30  # steps averaged for rates, to smooth day-to-day noise


def key_results(run: RunResult) -> dict[str, float]:
    """The headline numbers of a run, by label.

    Rates and chilling are averaged over the last 30 steps (or all, if fewer);
    listed shares are at the end; denials are totals over the run.
    """
    m = run.metrics[run.metrics["group"] == "all"]
    tail = m.tail(WINDOW)
    last = m.iloc[-1]
    out: dict[str, float] = {}
    if "chilling.criticise_government" in m:
        out["chilling of criticism"] = float(tail["chilling.criticise_government"].mean())
    if last["falsification_gap"] == last["falsification_gap"]:  # not NaN
        out["falsification gap"] = float(tail["falsification_gap"].mean())
        out["private dissent"] = float(last["private_dissent"])
        out["expressed dissent"] = float(tail["expressed_dissent"].mean())
    if "chilling.jaywalk" in m:
        out["jaywalking vs pressure-free"] = -float(tail["chilling.jaywalk"].mean())
    out["listed"] = float(last["listed"])
    out["listed wrongly"] = float(last["listed_wrongly"])
    for col in m.columns:
        if col.startswith("denied."):
            out[f"denials: {col[7:]}"] = float(m[col].sum())
    out["ties cut"] = float(last["ties_cut"])
    out["wealth mean (CNY)"] = float(last["wealth.mean"])
    return out


def _fmt(label: str, value: float) -> str:
    if label.startswith("denials") or label == "ties cut":
        return f"{value:,.0f}"
    if "CNY" in label:
        return f"{value:,.0f}"
    return f"{value:+.1%}" if label.startswith(("jaywalking", "chilling")) else f"{value:.2%}"


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
    for label in labels:
        cells = [_fmt(label, keyed[n][label]) if label in keyed[n] else "-" for n in runs]
        table.add_row(label, *cells)
    return table


COMPARED = (
    "chilling of criticism",
    "falsification gap",
    "listed",
    "listed wrongly",
    "denials",
    "ties cut",
)


def comparison_row(run: RunResult) -> dict[str, float]:
    """The compact measures of :data:`COMPARED` for one run (denials summed)."""
    k = key_results(run)
    row = {label: k.get(label, 0.0) for label in COMPARED if label != "denials"}
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
