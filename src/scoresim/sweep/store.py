"""A sweep's folder: Parquet parts per run and a DuckDB catalogue of every run.

Layout of ``DIR``::

    results.duckdb                 tables experiment_info, sweep_info, runs, design;
                                   views metrics, agents
    metrics/run_id=N/part.parquet  the metrics table of run N
    agents/run_id=N/part.parquet   its final agents

Crash safety, step by step. The catalogue and every run's row (status ``pending``)
are created in one transaction, so a sweep killed while starting leaves either
nothing or a complete plan. A finished run's Parquet parts are written to temporary
names and renamed into place, then its row is updated in its own transaction; the
row is what marks the run finished. A kill between the two leaves parts that no
view shows (the views read only runs marked ``done``) and that the rerun overwrites.
A kill at any other moment loses only the runs in flight. Opening the catalogue, its
kind and its damaged advice are the base's (:mod:`scoresim.experiment.catalogue`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from scoresim.errors import SweepError
from scoresim.experiment.catalogue import (
    DB_NAME,
    check_duckdb_path,
    check_own_catalogue,
    create_info,
    folder_kind,
    open_experiment,
    write_part,
)
from scoresim.experiment.kinds import PART, SWEEP
from scoresim.results import outputs
from scoresim.sweep.design import Design
from scoresim.sweep.runs import RunOutcome, run_seed
from scoresim.sweep.spec import Sweep

TABLES = tuple(view.table for view in SWEEP.views)  # metrics, agents
RUN_COLUMNS = (
    "run_id",
    "point",
    "replicate",
    "seed_entropy",
    "status",
    "error",
    "seconds",
    "version",
)


def _set_aside(db: Path) -> None:
    """Move a catalogue (and its write-ahead log) to ``*.damaged``, never over another."""
    if not db.exists():
        return
    target = db.with_name(db.name + ".damaged")
    k = 1
    # Neither the file nor its log may land on anything already there.
    while os.path.lexists(target) or os.path.lexists(target.with_name(target.name + ".wal")):
        k += 1
        target = db.with_name(f"{db.name}.damaged-{k}")
    os.replace(db, target)
    wal = db.with_name(db.name + ".wal")
    if wal.exists():
        os.replace(wal, target.with_name(target.name + ".wal"))


def part_path(out: Path, table: str, run_id: int) -> Path:
    """Where run ``run_id``'s part of ``table`` lives."""
    return out / table / f"run_id={run_id}" / PART


class Store:
    """The catalogue of one sweep folder, open for writing by the sweep's driver."""

    def __init__(self, out: Path, con: Any) -> None:
        self.out = out
        self.con = con

    @classmethod
    def open(cls, out: Path, sweep: Sweep, design: Design, rebuild: bool = False) -> Store:
        """Open ``out`` for ``sweep``, creating the catalogue and its plan if new.

        With ``rebuild``, a damaged catalogue is set aside (``results.duckdb.damaged``,
        never deleted) and a new one is made from the sweep file, with every run whose
        Parquet parts are intact marked finished (see :meth:`recover`).

        Raises:
            SweepError: ``out`` is in use, holds the results of a different sweep, or
                its catalogue is damaged (the message says how to rebuild it).
            OutputError: ``out`` holds files that are not a sweep's.
        """
        check_duckdb_path(out, "--out", SweepError)
        outputs.check_sweep_folder(out)
        if rebuild:
            check_own_catalogue(out, SweepError)
            found = folder_kind(out)  # before a calibration's catalogue could be set aside
            if found is not None and found is not SWEEP:
                raise SweepError(f"{out}: holds a {found.name}, not a sweep; use another --out")
            _set_aside(out / DB_NAME)
        con, tables = open_experiment(out, SWEEP, sweep.fingerprint, SweepError)
        store = cls(out, con)
        if not tables:
            store._create(sweep, design)
            if rebuild:
                store.recovered = store.recover(sweep)
        return store

    recovered: int = 0

    def recover(self, sweep: Sweep) -> int:
        """Mark finished every planned run whose metrics and agents parts are intact.

        A part is intact when its Parquet footer reads and it has the rows the run
        writes (steps x (groups + 1) for metrics, agents for agents).

        Returns:
            The number of runs recovered.
        """
        import pyarrow.parquet as pq

        cfg = sweep.config
        rows = {
            "metrics": cfg.steps * (len(sweep.scenario.config.groups) + 1),
            "agents": cfg.agents,
        }
        found = []
        for (run_id,) in self.con.execute("SELECT run_id FROM runs ORDER BY run_id").fetchall():
            try:
                ok = all(
                    pq.read_metadata(part_path(self.out, t, int(run_id))).num_rows == rows[t]
                    for t in TABLES
                )
            except Exception:  # missing or damaged: run again
                ok = False
            if ok:
                found.append(int(run_id))
        if found:
            ids = ", ".join(str(i) for i in found)
            self.con.execute(
                f"UPDATE runs SET status = 'done', version = 'recovered' WHERE run_id IN ({ids})"
            )
            self.refresh_views()
        return len(found)

    def _create(self, sweep: Sweep, design: Design) -> None:
        cfg = sweep.config
        reps = cfg.replicates
        rows: dict[str, list[Any]] = {c: [] for c in RUN_COLUMNS}
        for p in range(len(design.points)):
            for r in range(reps):
                values = (p * reps + r, p, r, run_seed(cfg.seed, p, r), "pending", None, None, None)
                for column, value in zip(RUN_COLUMNS, values, strict=True):
                    rows[column].append(value)
        runs = pd.DataFrame(rows).astype(
            {"error": "string", "seconds": "float64", "version": "string"}
        )
        for name in design.names:
            runs[name] = [point[name] for point in design.points for _ in range(reps)]
        info = {
            "fingerprint": sweep.fingerprint,
            "sweep": json.dumps(cfg.model_dump(mode="json"), sort_keys=True, allow_nan=False),
            "scenario": sweep.scenario.name,
            "scenario_hash": sweep.scenario.content_hash,
            # The resolved scenario, so that reports derive its headlines as for a run.
            "parameters": json.dumps(
                sweep.scenario.config.model_dump(mode="json"), allow_nan=False
            ),
            "problem": json.dumps(design.problem, allow_nan=False),
        }
        con = self.con
        con.execute("BEGIN TRANSACTION")
        create_info(con, SWEEP, info)
        con.register("plan", runs)
        con.execute("CREATE TABLE runs AS SELECT * FROM plan")
        con.unregister("plan")
        if design.matrix is not None:
            matrix = pd.DataFrame(design.matrix, columns=design.names)
            matrix.insert(0, "point", range(len(design.points)))
            con.register("matrix", matrix)
            con.execute("CREATE TABLE design AS SELECT * FROM matrix")
            con.unregister("matrix")
        con.execute("COMMIT")

    def pending(self) -> list[int]:
        """Run ids not yet finished (pending or failed), ascending."""
        rows = self.con.execute(
            "SELECT run_id FROM runs WHERE status <> 'done' ORDER BY run_id"
        ).fetchall()
        return [int(r[0]) for r in rows]

    def record(self, outcome: RunOutcome) -> None:
        """Store a finished run's parts, then mark it (one transaction)."""
        if outcome.status == "done":
            for table, frame in (("metrics", outcome.metrics), ("agents", outcome.agents)):
                assert frame is not None
                write_part(part_path(self.out, table, outcome.run_id), frame)
        self.con.execute(
            "UPDATE runs SET status = ?, error = ?, seconds = ?, version = ? WHERE run_id = ?",
            [outcome.status, outcome.error, outcome.seconds, outcome.version, outcome.run_id],
        )

    def refresh_views(self) -> None:
        """(Re)create the ``metrics`` and ``agents`` views once some run has finished."""
        for view in SWEEP.views:
            if view.has_parts(self.out):
                self.con.execute(view.sql(self.out))

    def close(self) -> None:
        """Close the catalogue (DuckDB checkpoints it into the file)."""
        self.con.close()
