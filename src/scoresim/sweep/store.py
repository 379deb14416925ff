"""A sweep's folder: Parquet parts per run and a DuckDB catalogue of every run.

Layout of ``DIR``::

    results.duckdb                 tables sweep_info, runs, design; views metrics, agents
    metrics/run_id=N/part.parquet  the metrics table of run N
    agents/run_id=N/part.parquet   its final agents

Crash safety, step by step. The catalogue and every run's row (status ``pending``)
are created in one transaction, so a sweep killed while starting leaves either
nothing or a complete plan. A finished run's Parquet parts are written to temporary
names and renamed into place, then its row is updated in its own transaction; the
row is what marks the run finished. A kill between the two leaves parts that no
view shows (the views read only runs marked ``done``) and that the rerun overwrites.
A kill at any other moment loses only the runs in flight.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from scoresim.errors import ScoresimError, SweepError
from scoresim.results import outputs
from scoresim.sweep.design import Design
from scoresim.sweep.runs import RunOutcome, run_seed
from scoresim.sweep.spec import Sweep

DB_NAME = "results.duckdb"
PART = "part.parquet"
TABLES = ("metrics", "agents")
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


def damaged(db: Path, reason: str) -> SweepError:
    """The error for a catalogue that does not read, with the way to rebuild it.

    A calibration's catalogue cannot be rebuilt from its parts (its simulations live
    only there), so for a folder laid out as a calibration's the advice is its own.
    """
    if _laid_out_as_calibration(db.parent):
        return SweepError(calibration_damaged(db, reason))
    return SweepError(
        f"{db}: damaged ({reason}); rebuild it from the runs' parts with scoresim sweep "
        f"FILE --out {db.parent} --rebuild (the damaged file is kept beside it)"
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


def calibration_damaged(db: Path, reason: str) -> str:
    """The message for a calibration's catalogue that does not read.

    Its simulations live only in the catalogue, so it cannot be rebuilt; and a folder
    without its catalogue is not one a calibration writes into, so the folder goes.
    """
    return (
        f"{db}: damaged ({reason}); a calibration's catalogue cannot be rebuilt: move the "
        f"folder {db.parent} aside and rerun scoresim calibrate FILE --out {db.parent}, "
        "which starts the calibration again"
    )


def _laid_out_as_calibration(folder: Path) -> bool:
    """Whether ``folder`` has a calibration's ``particles/`` or ``calibration.json``."""
    return (folder / PARTICLES).is_dir() or (folder / "calibration.json").is_file()


def holds_calibration(folder: Path) -> bool:
    """Whether ``folder`` is a calibration's: laid out as one, or its catalogue says so.

    A damaged catalogue says nothing, so the layout is looked at first.
    """
    return _laid_out_as_calibration(folder) or _holds_calibration(folder / DB_NAME)


def _holds_calibration(db: Path) -> bool:
    """Whether ``db`` reads as a calibration's catalogue (a damaged file does not)."""
    if not db.is_file():
        return False
    try:
        con, tables = open_catalogue(db, SweepError, "", read_only=True)
    except SweepError:
        return False
    con.close()
    return "calibration_info" in tables


def quote(name: str) -> str:
    """A SQL identifier for a parameter path such as ``sources.street_cameras.coverage``."""
    return '"' + name.replace('"', '""') + '"'


def part_path(out: Path, table: str, run_id: int) -> Path:
    """Where run ``run_id``'s part of ``table`` lives."""
    return out / table / f"run_id={run_id}" / PART


def _parts_view(out: Path, table: str, key: str, finished: str, temp: bool) -> str:
    """SQL creating the view ``table`` over ``out/table/KEY=N/part.parquet``.

    Only the parts whose ``key`` the catalogue's ``finished`` query returns are shown.
    """
    glob = str(out.resolve() / table / "*" / PART).replace("'", "''")
    kind = "TEMP VIEW" if temp else "VIEW"
    return (
        f"CREATE OR REPLACE {kind} {table} AS SELECT * FROM read_parquet('{glob}', "
        f"hive_partitioning = true, hive_types = {{'{key}': BIGINT}}) "
        f"WHERE {key} IN ({finished})"
    )


def view_sql(out: Path, table: str, temp: bool = False) -> str:
    """SQL creating the view ``table`` over the finished runs' Parquet parts in ``out``."""
    return _parts_view(out, table, "run_id", "SELECT run_id FROM runs WHERE status = 'done'", temp)


PARTICLES = "particles"


def particles_view(out: Path, temp: bool = False) -> str:
    """SQL creating a calibration folder's view ``particles`` over its generations' parts.

    Here beside :func:`view_sql`, so that ``scoresim query`` reads both kinds of folder.
    """
    return _parts_view(out, PARTICLES, "generation", "SELECT generation FROM generations", temp)


def open_catalogue(
    db: Path,
    error: type[ScoresimError],
    damaged_message: str,
    busy: str | None = None,
    read_only: bool = False,
) -> tuple[Any, set[str]]:
    """Open the DuckDB catalogue ``db``; return the connection and its tables.

    Shared by the sweep's and the calibration's stores (writing) and by ``scoresim
    query`` (``read_only``). ``damaged_message`` and ``busy`` are whole messages in
    which ``{reason}`` stands for DuckDB's reason; ``busy`` defaults to telling a
    writer to wait.

    Raises:
        ScoresimError: of class ``error``: another process holds the file, or it does
            not read.
    """
    import duckdb

    if busy is None:
        busy = (
            f"{db}: in use by another process ({{reason}}); wait for the sweep, calibration "
            "or query using it to finish"
        )
    try:
        # A reader never fetches or loads extensions (scoresim query seals it further).
        config: dict[str, str | bool | int | float | list[str]] = {}
        if read_only:
            config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
        con = duckdb.connect(str(db), read_only=read_only, config=config)
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0]
        message = busy if "lock" in reason.lower() else damaged_message
        raise error(message.replace("{reason}", reason)) from None
    return con, tables


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
        import duckdb

        outputs.check_sweep_folder(out)
        out.mkdir(parents=True, exist_ok=True)
        db = out / DB_NAME
        if rebuild and holds_calibration(out):
            raise SweepError(f"{out}: holds a calibration, not a sweep; use another --out")
        if rebuild:
            _set_aside(db)
        con, tables = open_catalogue(db, SweepError, str(damaged(db, "{reason}")))
        if "calibration_info" in tables:  # before --rebuild could set it aside as damaged
            con.close()
            raise SweepError(f"{out}: holds a calibration, not a sweep; use another --out")
        store = cls(out, con)
        if tables and not {"sweep_info", "runs"} <= tables:
            con.close()
            raise damaged(db, "its tables are missing")
        if "sweep_info" in tables:
            try:
                row = con.execute(
                    "SELECT value FROM sweep_info WHERE key = 'fingerprint'"
                ).fetchone()
            except duckdb.Error as exc:
                con.close()
                raise damaged(db, str(exc).splitlines()[0]) from None
            if row is None or row[0] != sweep.fingerprint:
                con.close()
                raise SweepError(
                    f"{out}: holds the results of a different sweep (another file, scenario or "
                    "settings); use another --out, or delete the folder to start over"
                )
            return store
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
        con.execute("CREATE TABLE sweep_info (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.executemany("INSERT INTO sweep_info VALUES (?, ?)", list(info.items()))
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
                path = part_path(self.out, table, outcome.run_id)
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(PART + ".tmp")
                frame.to_parquet(tmp, index=False)
                os.replace(tmp, path)
        self.con.execute(
            "UPDATE runs SET status = ?, error = ?, seconds = ?, version = ? WHERE run_id = ?",
            [outcome.status, outcome.error, outcome.seconds, outcome.version, outcome.run_id],
        )

    def refresh_views(self) -> None:
        """(Re)create the ``metrics`` and ``agents`` views once some run has finished."""
        for table in TABLES:
            if any((self.out / table).glob(f"*/{PART}")):
                self.con.execute(view_sql(self.out, table))

    def close(self) -> None:
        """Close the catalogue (DuckDB checkpoints it into the file)."""
        self.con.close()
