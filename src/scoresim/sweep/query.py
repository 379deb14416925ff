"""Reading a sweep folder with SQL (DuckDB), read-only.

The views ``metrics`` and ``agents`` are recreated for each query from the folder
given, so a folder that was moved or copied elsewhere still answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from scoresim.errors import QueryError
from scoresim.sweep.store import (
    DB_NAME,
    PART,
    PARTICLES,
    TABLES,
    damaged,
    open_catalogue,
    particles_view,
    view_sql,
)

HINT = "tables: runs, metrics, agents, design, sweep_info"
CALIBRATION_HINT = "tables: simulations, particles, generations, predictive, calibration_info"


def connect(out: Path) -> Any:
    """A read-only connection to the folder's catalogue (a sweep's or a calibration's), with its views.

    Raises:
        QueryError: No catalogue in ``out``, or a running sweep holds it.
    """
    db = out / DB_NAME
    if not db.is_file():
        raise QueryError(
            f"{out}: no {DB_NAME} here; give the --out folder of a sweep or a calibration"
        )
    con, tables = open_catalogue(
        db,
        QueryError,
        str(damaged(db, "{reason}")),
        busy=f"{db}: in use by a sweep or calibration ({{reason}}); query when it ends",
        read_only=True,
    )
    if {"calibration_info", "simulations", "generations"} <= tables:
        if any((out / PARTICLES).glob(f"*/{PART}")):
            con.execute(particles_view(out, temp=True))
        return con
    if not {"sweep_info", "runs"} <= tables:
        con.close()
        raise QueryError(str(damaged(db, "its tables are missing")))
    for table in TABLES:
        if any((out / table).glob(f"*/{PART}")):
            con.execute(view_sql(out, table, temp=True))
    return con


def _one_read(con: Any, sql: str, hint: str = HINT) -> None:
    """Refuse anything but one statement that reads (SELECT, WITH ..., SHOW, EXPLAIN).

    DuckDB runs every statement of a string and returns the last one's result, and a
    read-only catalogue does not stop ``COPY ... TO`` from writing files.

    Raises:
        QueryError: Several statements, or one that writes.
    """
    import duckdb

    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        reason = " ".join(str(exc).split())
        raise QueryError(f"query: {reason[:300]}; check the SQL ({hint})") from None
    if len(statements) != 1:
        raise QueryError(
            f"query: {len(statements)} statements; give one (scoresim query runs one "
            "statement and shows its result)"
        )
    kind = statements[0].type
    if kind not in (duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN):
        raise QueryError(
            f"query: a {kind.name} statement; scoresim query only reads (SELECT, WITH, "
            "SHOW, DESCRIBE, EXPLAIN): to save a result, use --csv > FILE"
        )


def _hint(con: Any) -> str:
    names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    return CALIBRATION_HINT if "calibration_info" in names else HINT


def query(out: Path, sql: str) -> pd.DataFrame:
    """Run one SQL statement on the sweep in ``out`` and return its result.

    Raises:
        QueryError: The folder cannot be read, or the SQL fails (DuckDB's reason).
    """
    import duckdb

    con = connect(out)
    hint = _hint(con)
    try:
        _one_read(con, sql, hint)
        frame: pd.DataFrame = con.execute(sql).df()
    except duckdb.IOException as exc:  # the file itself, not the SQL
        raise QueryError(str(damaged(out / DB_NAME, str(exc).splitlines()[0][:200]))) from None
    except duckdb.Error as exc:
        reason = " ".join(str(exc).split())
        raise QueryError(f"query: {reason[:300]}; check the SQL ({hint})") from None
    finally:
        con.close()
    return frame
