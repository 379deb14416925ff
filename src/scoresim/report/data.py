"""What a report compares: run folders, or the design points of a sweep folder.

A run folder gives one series per metric. A sweep folder gives one series per design
point (at most :data:`MAX_POINTS`), the mean over its replicates with a band from the
lowest to the highest replicate; its agents and network are those of the point's
first replicate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from scoresim.errors import QueryError
from scoresim.results.run import load_run

MAX_POINTS = 8


@dataclass
class Subject:
    """One line of every chart: a run, or a design point of a sweep.

    Attributes:
        label: Its name in legends.
        metrics: One row per (step, group); for a sweep point, means over replicates.
        low: Same shape as ``metrics`` for a sweep point: the lowest replicate; else None.
        high: The highest replicate; else None.
        agents: The final agents table (one run's).
        network: Ties among a sample of agents (may be empty).
        info: The run's run.json, or the sweep's settings.
        parameters: The resolved scenario (run.json's ``parameters``), from which the
            headlines are derived; None for a sweep written before 0.2.0.
    """

    label: str
    metrics: pd.DataFrame
    agents: pd.DataFrame
    network: pd.DataFrame
    info: dict[str, Any]
    low: pd.DataFrame | None = None
    high: pd.DataFrame | None = None
    replicates: int = 1
    notes: list[str] = field(default_factory=list)
    parameters: dict[str, Any] | None = None


def load_subjects(folders: list[Path]) -> list[Subject]:
    """Load every folder given: run folders and sweep folders alike.

    Raises:
        QueryError: A folder is neither a run folder nor a sweep folder.
    """
    out: list[Subject] = []
    labels: set[str] = set()
    for folder in folders:
        if (folder / "results.duckdb").is_file():
            found = _sweep(folder)
        elif (folder / "metrics.parquet").is_file():
            run = load_run(folder)
            found = [Subject(folder.name, run.metrics, run.agents, run.network, run.info)]
            found[0].parameters = run.info.get("parameters")
        else:
            raise QueryError(
                f"{folder}: not a run folder (metrics.parquet) or a sweep folder "
                "(results.duckdb); give folders written by scoresim run, demo or sweep"
            )
        for s in found:
            while s.label in labels:  # two folders of the same name
                s.label += "'"
            labels.add(s.label)
        out.extend(found)
    return out


def _sweep(folder: Path) -> list[Subject]:
    from scoresim.sweep.query import connect

    con = connect(folder)
    try:
        info = dict(con.execute("SELECT key, value FROM sweep_info").fetchall())
        cfg = json.loads(info["sweep"])
        names = list(json.loads(info["problem"])["names"]) if info["problem"] != "null" else []
        names = names or sorted(cfg["parameters"])
        runs = con.execute("SELECT * FROM runs WHERE status = 'done' ORDER BY run_id").df()
        if runs.empty:
            raise QueryError(f"{folder}: no run of this sweep has finished; run the sweep first")
        points = sorted(runs["point"].unique().tolist())
        subjects = []
        for point in points[:MAX_POINTS]:
            ids = runs.loc[runs["point"] == point, "run_id"].tolist()
            where = f"run_id IN ({', '.join(str(int(i)) for i in ids)})"
            m = con.execute(f"SELECT * FROM metrics WHERE {where}").df()
            a = con.execute(f"SELECT * FROM agents WHERE run_id = {int(ids[0])}").df()
            row = runs.loc[runs["point"] == point].iloc[0]
            label = f"{folder.name} p{point}: " + ", ".join(
                f"{n.rsplit('.', 1)[-1]}={_short(row[n])}" for n in names
            )
            mean, low, high = _bands(m)
            subject = Subject(label, mean, a.drop(columns="run_id"), pd.DataFrame(), cfg)
            subject.low, subject.high, subject.replicates = low, high, len(ids)
            if "parameters" in info:
                subject.parameters = json.loads(info["parameters"])
            subjects.append(subject)
        if len(points) > MAX_POINTS:
            subjects[0].notes.append(
                f"{folder.name}: showing {MAX_POINTS} of {len(points)} design points"
            )
        return subjects
    finally:
        con.close()


def _short(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _bands(m: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Mean, minimum and maximum over replicates, per (step, group)."""
    m = m.drop(columns="run_id")
    m["group"] = m["group"].astype(str)
    grouped = m.groupby(["step", "group"], sort=True)
    return tuple(
        getattr(grouped, how)(numeric_only=True).reset_index() for how in ("mean", "min", "max")
    )
