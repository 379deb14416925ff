"""Reading a sweep or calibration folder with SQL (DuckDB), read-only.

The folder's kind is the one its catalogue stores (:mod:`scoresim.experiment.kinds`);
that kind's views (``metrics`` and ``agents`` of a sweep, ``particles`` of a
calibration) are recreated for each query from the folder given, so a folder that
was moved or copied elsewhere still answers.

Read-only is a property of the connection, not of a list of statements: the catalogue
is opened read-only, file access is limited to the folder itself
(``allowed_directories``) with every other external access disabled
(``enable_external_access = false``: no files elsewhere, no extensions, no secrets),
and then the configuration is locked (``lock_configuration``), so no ``SET``,
``PRAGMA`` or ``RESET`` can undo any of it. Inside the folder, where DuckDB would still
let ``COPY ... TO`` overwrite a run's part, only statements that cannot write are let
through: one ``SELECT`` (``WITH``, ``SHOW``, ``DESCRIBE`` and ``FROM`` are SELECTs to
DuckDB) or a plain ``EXPLAIN``, which plans a statement without running it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from scoresim.errors import QueryError
from scoresim.experiment.catalogue import (
    DB_NAME,
    check_duckdb_path,
    damaged_message,
    open_catalogue,
    reason_of,
    stored_kind,
)
from scoresim.experiment.kinds import KINDS, Kind


def connect(out: Path) -> Any:
    """A read-only connection to the folder's catalogue (a sweep's or a calibration's), with its views.

    Raises:
        QueryError: No catalogue in ``out``, a running experiment holds it, or it is
            damaged.
    """
    con, _ = open_folder(out)
    return con


def open_folder(out: Path) -> tuple[Any, Kind]:
    """:func:`connect`'s connection and the folder's kind.

    Raises:
        QueryError: As :func:`connect`.
    """
    import duckdb

    check_duckdb_path(out, "folder", QueryError)
    db = out / DB_NAME
    if not db.is_file():
        raise QueryError(
            f"{out}: no {DB_NAME} here; give the --out folder of a sweep or a calibration"
        )
    con, tables = open_catalogue(
        db,
        QueryError,
        damaged_message(db, "{reason}"),
        busy=f"{db}: in use by a sweep or calibration ({{reason}}); query when it ends",
        read_only=True,
    )
    try:
        kind = KINDS.get(stored_kind(con, tables) or "")
        if kind is None or not kind.tables <= tables:
            raise QueryError(damaged_message(db, "its tables are missing"))
        for view in kind.views:
            if view.has_parts(out):
                con.execute(view.sql(out, temp=True))
        seal(con, out)
    except duckdb.Error as exc:
        con.close()
        raise QueryError(damaged_message(db, reason_of(exc))) from None
    except BaseException:
        con.close()
        raise
    return con, kind


def seal(con: Any, out: Path) -> None:
    """Limit ``con`` to reading files in ``out``, then lock its configuration.

    Views read their Parquet parts when queried, so the folder stays allowed; nothing
    outside it can be read or written, and the settings can no longer change.
    """
    folder = (str(out.resolve()).rstrip("/") + "/").replace("'", "''")
    con.execute(f"SET allowed_directories = ['{folder}']")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def _one_read(con: Any, sql: str, hint: str) -> None:
    """Refuse anything but one statement that reads (SELECT, WITH ..., SHOW, EXPLAIN).

    DuckDB runs every statement of a string and returns the last one's result, and the
    folder the connection may read it may also write (``COPY ... TO`` over a part):
    so one statement, a SELECT or an ``EXPLAIN`` that does not ``ANALYZE`` (run) the
    statement it explains.

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
    if kind == duckdb.StatementType.EXPLAIN:
        if not _explains_a_select(con, statements[0].query):
            raise QueryError(
                "query: EXPLAIN here takes one SELECT, without ANALYZE or options (EXPLAIN "
                "ANALYZE runs what it explains); give EXPLAIN SELECT ..."
            )
    elif kind != duckdb.StatementType.SELECT:
        raise QueryError(
            f"query: a {kind.name} statement; scoresim query only reads (SELECT, WITH, "
            "SHOW, DESCRIBE, EXPLAIN): to save a result, use --csv > FILE"
        )


def _explains_a_select(con: Any, sql: str) -> bool:
    """Whether ``sql`` is ``EXPLAIN`` followed directly by one SELECT (comments skipped)."""
    import duckdb

    tokens = [start for start, kind in duckdb.tokenize(sql) if kind != duckdb.token_type.comment]
    if len(tokens) < 2 or sql[tokens[0] : tokens[0] + 7].upper() != "EXPLAIN":
        return False
    try:
        inner = con.extract_statements(sql[tokens[1] :])
    except duckdb.Error:
        return False
    return len(inner) == 1 and inner[0].type == duckdb.StatementType.SELECT


def query(out: Path, sql: str) -> pd.DataFrame:
    """Run one SQL statement on the sweep in ``out`` and return its result.

    Raises:
        QueryError: The folder cannot be read, or the SQL fails (DuckDB's reason).
    """
    import duckdb

    con, kind = open_folder(out)
    hint = kind.hint
    try:
        _one_read(con, sql, hint)
        frame: pd.DataFrame = con.execute(sql).df()
    except duckdb.PermissionException:
        raise QueryError(
            f"query: scoresim query reads only the tables of {out} and the files in it; "
            f"a file elsewhere, an extension or a setting is out of reach ({hint})"
        ) from None
    except duckdb.IOException as exc:  # the file itself, not the SQL
        raise QueryError(damaged_message(out / DB_NAME, str(exc).splitlines()[0][:200])) from None
    except duckdb.Error as exc:
        reason = " ".join(str(exc).split())
        raise QueryError(f"query: {reason[:300]}; check the SQL ({hint})") from None
    finally:
        con.close()
    return frame
