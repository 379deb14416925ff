"""What a report compares: run folders, or the design points of a sweep folder.

A run folder gives one series per metric. A sweep folder gives one series per design
point (at most :data:`MAX_POINTS`), the mean over its replicates with a band from the
lowest to the highest replicate; its agents and network are those of the point's
first replicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from scoresim.errors import QueryError, ResultsError
from scoresim.experiment.catalogue import load_json, read_or_damaged
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


def load_subjects(folders: list[Path], points: list[int] | None = None) -> list[Subject]:
    """Load every folder given: run folders and sweep folders alike.

    Args:
        folders: run folders and sweep folders.
        points: for sweep folders, the design points to show (default: the first
            :data:`MAX_POINTS`).

    Raises:
        QueryError: A folder is neither a run folder nor a sweep folder.
    """
    out: list[Subject] = []
    labels: set[str] = set()
    for folder in folders:
        if (folder / "results.duckdb").is_file():
            found = _sweep(folder, points)
        elif (folder / "metrics.parquet").is_file() or (folder / "run.json").is_file():
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


def _sweep(folder: Path, chosen: list[int] | None) -> list[Subject]:
    from scoresim.sweep.query import connect

    return read_or_damaged(
        folder, connect(folder), lambda con: _points(folder, con, chosen), ResultsError
    )


def _points(folder: Path, con: Any, chosen: list[int] | None) -> list[Subject]:
    """The design points of the sweep in ``folder`` (its open catalogue ``con``)."""
    info = dict(con.execute("SELECT key, value FROM sweep_info").fetchall())
    cfg = load_json(info["sweep"])
    names = list(load_json(info["problem"])["names"]) if info["problem"] != "null" else []
    names = names or sorted(cfg["parameters"])
    runs = con.execute("SELECT * FROM runs WHERE status = 'done' ORDER BY run_id").df()
    if runs.empty:
        raise QueryError(f"{folder}: no run of this sweep has finished; run the sweep first")
    points = sorted(int(p) for p in runs["point"].unique())
    if chosen is not None:
        absent = sorted(set(chosen) - set(points))
        if absent:
            raise QueryError(
                f"--points: point {absent[0]} of {folder.name} has no finished run; "
                f"its finished points are {_ranges(points)}"
            )
        shown = list(chosen)
    else:
        shown = points[:MAX_POINTS]
    subjects = []
    for point in shown:
        ids = runs.loc[runs["point"] == point, "run_id"].tolist()
        where = f"run_id IN ({', '.join(str(int(i)) for i in ids)})"
        m = con.execute(f"SELECT * FROM metrics WHERE {where}").df()
        a = con.execute(f"SELECT * FROM agents WHERE run_id = {int(ids[0])}").df()
        row = runs.loc[runs["point"] == point].iloc[0]
        short = short_names(names)
        label = f"{folder.name} p{point}: " + ", ".join(
            f"{short[n]}={_short(row[n])}" for n in names
        )
        mean, low, high = _bands(m)
        subject = Subject(label, mean, a.drop(columns="run_id"), pd.DataFrame(), cfg)
        subject.low, subject.high, subject.replicates = low, high, len(ids)
        if "parameters" in info:
            subject.parameters = load_json(info["parameters"])
        subjects.append(subject)
    if len(shown) < len(points):
        subjects[0].notes.append(
            f"{folder.name}: showing {len(shown)} of {len(points)} design points "
            f"({_ranges(shown)}); choose others with --points"
        )
    return subjects


def short_names(paths: list[str]) -> dict[str, str]:
    """Each parameter path by its shortest ending that no other path shares.

    ``sources.street_cameras.coverage`` and ``sources.informants.coverage`` read
    ``street_cameras.coverage`` and ``informants.coverage``, not both ``coverage``.
    """
    out: dict[str, str] = {}
    for path in paths:
        parts = path.split(".")
        for k in range(1, len(parts) + 1):
            tail = ".".join(parts[-k:])
            if not any(o != path and (o == tail or o.endswith("." + tail)) for o in paths):
                break
        out[path] = tail
    return out


def _ranges(points: list[int]) -> str:
    """``0-3, 7, 9-10``."""
    out: list[str] = []
    for p in points:
        if out and p == int(out[-1].split("-")[-1]) + 1:
            out[-1] = f"{out[-1].split('-')[0]}-{p}"
        else:
            out.append(str(p))
    return ", ".join(out)


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
