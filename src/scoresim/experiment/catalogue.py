"""An experiment folder's DuckDB catalogue: opening it, its kind, its facts, its parts.

Shared by the sweep's and the calibration's stores (writing) and by ``scoresim query``
and the reports (reading). A catalogue holds its kind in the one-row table
``experiment_info`` and its facts (fingerprint, file, scenario) in its kind's info
table, both written in the transaction that creates it. A catalogue written before
``experiment_info`` existed is known by its info table instead, so old folders still
open, resume and answer queries.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from scoresim import limits
from scoresim.errors import ScoresimError
from scoresim.experiment.kinds import KINDS, SWEEP, Kind

T = TypeVar("T")

DB_NAME = "results.duckdb"
KIND_TABLE = "experiment_info"


def quote(name: str) -> str:
    """A SQL identifier for a parameter path such as ``sources.street_cameras.coverage``."""
    return '"' + name.replace('"', '""') + '"'


def load_json(text: str) -> Any:
    """A JSON value stored in a catalogue, its nesting bounded before it is parsed.

    Raises:
        ValueError: nested deeper than ``limits.RUN_JSON_DEPTH``, or not JSON.
    """
    if limits.json_depth(text) > limits.RUN_JSON_DEPTH:
        raise ValueError(f"a stored JSON value is nested more than {limits.RUN_JSON_DEPTH} levels")
    return json.loads(text)


def reason_of(exc: BaseException) -> str:
    """DuckDB's reason, on one line and at most 200 characters, for a message."""
    return " ".join(str(exc).split())[:200]


def open_catalogue(
    db: Path,
    error: type[ScoresimError],
    damaged_message: str,
    busy: str | None = None,
    read_only: bool = False,
) -> tuple[Any, set[str]]:
    """Open the DuckDB catalogue ``db``; return the connection and its tables.

    ``damaged_message`` and ``busy`` are whole messages in which ``{reason}`` stands
    for DuckDB's reason; ``busy`` defaults to telling a writer to wait. A reader
    (``read_only``) never fetches or loads extensions.

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


def stored_kind(con: Any, tables: set[str]) -> str | None:
    """The kind the catalogue says it is (None: it says none).

    From ``experiment_info``; a catalogue written before that table is known by its
    kind's info table.

    Raises:
        duckdb.Error: ``experiment_info`` does not read.
    """
    if KIND_TABLE in tables:
        row = con.execute(f"SELECT kind FROM {KIND_TABLE}").fetchone()
        return None if row is None else str(row[0])
    for kind in KINDS.values():
        if kind.info in tables:
            return kind.name
    return None


def create_info(con: Any, kind: Kind, info: dict[str, str]) -> None:
    """Create the catalogue's ``experiment_info`` and its kind's info table (in a transaction)."""
    con.execute(f"CREATE TABLE {KIND_TABLE} (kind VARCHAR NOT NULL)")
    con.execute(f"INSERT INTO {KIND_TABLE} VALUES (?)", [kind.name])
    con.execute(f"CREATE TABLE {kind.info} (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.executemany(f"INSERT INTO {kind.info} VALUES (?, ?)", list(info.items()))


def laid_out_kind(folder: Path) -> Kind | None:
    """The kind whose marks ``folder`` holds, whatever its catalogue says (None: none)."""
    return next((k for k in KINDS.values() if k.laid_out(folder)), None)


def folder_kind(folder: Path) -> Kind | None:
    """The kind of the experiment in ``folder``: its layout, else what its catalogue says.

    A damaged catalogue, or one in use, says nothing: the layout is looked at first.
    """
    laid = laid_out_kind(folder)
    db = folder / DB_NAME
    if laid is not None or not db.is_file():
        return laid
    import duckdb

    try:
        con, tables = open_catalogue(db, ScoresimError, "", read_only=True)
    except ScoresimError:
        return None
    try:
        return KINDS.get(stored_kind(con, tables) or "")
    except duckdb.Error:
        return None
    finally:
        con.close()


def check_duckdb_path(folder: Path, flag: str, error: type[ScoresimError]) -> None:
    """Refuse a folder whose path DuckDB would read as another one.

    DuckDB reads a backslash as ``/``, expands a leading ``~`` and gives a first
    component with a ``:`` (``md:``, ``:memory:``, ``s3://``) its own meaning, so its
    catalogue would be another file than the folder's.

    Raises:
        ScoresimError: of class ``error``, naming the folder, in one line.
    """
    text = str(folder)
    first = text.split("/", 1)[0]
    if "\\" in text or text.startswith("~") or ":" in first:
        raise error(
            f"{flag} {text}: DuckDB reads a path holding a backslash, a leading ~ or a : "
            "in its first part as another path; give a folder name without them"
        )


def check_own_catalogue(out: Path, error: type[ScoresimError]) -> None:
    """Refuse ``out`` if its ``results.duckdb`` reads but is not an experiment's catalogue.

    A catalogue is scoresim's if it holds ``experiment_info``, or (written before that
    table existed) a whole kind's old table set (``sweep_info`` and ``runs``, or
    ``calibration_info``, ``simulations`` and ``generations``), or if it is empty and
    alone in the folder (a scoresim killed before its first transaction). Anything
    else (a user's database, an empty one beside other files) is refused before
    anything is written to it or beside it. A catalogue that does not open is left to the caller's damaged handling.

    Raises:
        ScoresimError: of class ``error``: the catalogue is someone else's.
    """
    db = out / DB_NAME
    if db.is_symlink() or not db.is_file():
        return
    try:
        con, tables = open_catalogue(db, ScoresimError, "", read_only=True)
    except ScoresimError:
        return
    con.close()
    if KIND_TABLE in tables or any(k.tables <= tables for k in KINDS.values()):
        return
    alone = all(e.name.startswith((DB_NAME, ".")) for e in out.iterdir())
    if not tables and alone:
        return  # a scoresim killed between creating the file and its first transaction
    raise error(
        f"{out}: its {DB_NAME} is not a sweep's or a calibration's catalogue; scoresim "
        "writes only in its own experiment folders, so give a new --out"
    )


def damaged_message(db: Path, reason: str, default: Kind = SWEEP) -> str:
    """The message for the catalogue ``db`` that does not read, with the way out.

    The advice is that of the kind the folder is laid out as, else ``default``'s.
    """
    return (laid_out_kind(db.parent) or default).damaged(db, reason)


def read_or_damaged(
    folder: Path, con: Any, read: Callable[[Any], T], error: type[ScoresimError]
) -> T:
    """``read(con)`` on the open catalogue ``con`` of ``folder``, closing it after.

    What a hand-edited catalogue makes a reader meet (a renamed column, a value out of
    range, a dropped table: KeyError, IndexError, ValueError, TypeError, RecursionError
    or a DuckDB error) is one line of ``error`` calling the catalogue damaged.
    """
    import duckdb

    try:
        return read(con)
    except (KeyError, IndexError, ValueError, TypeError, RecursionError, duckdb.Error) as exc:
        reason = f"{type(exc).__name__}: {' '.join(str(exc).split())[:100]}"
        raise error(damaged_message(folder / DB_NAME, reason)) from None
    finally:
        con.close()


def open_experiment(
    out: Path, kind: Kind, fingerprint: str, error: type[ScoresimError], read_all: bool = False
) -> tuple[Any, set[str]]:
    """Open (or start) the catalogue of a ``kind`` experiment in ``out``, for writing.

    The caller has checked that ``out`` may be written (``outputs.check_sweep_folder``).
    Returns the connection and the catalogue's tables: none for a new catalogue, which
    the caller creates. With ``read_all`` every table is read in full first, so a
    truncated file is called damaged now, not in the middle of a run.

    Raises:
        ScoresimError: of class ``error``: ``out`` is in use, holds another kind of
            experiment or another experiment (``fingerprint`` differs), or its
            catalogue is damaged.
    """
    import duckdb

    check_own_catalogue(out, error)
    out.mkdir(parents=True, exist_ok=True)
    db = out / DB_NAME
    con, tables = open_catalogue(db, error, damaged_message(db, "{reason}", kind))
    try:
        found = stored_kind(con, tables)
        if found is not None and found != kind.name:
            raise error(f"{out}: holds a {found}, not a {kind.name}; use another --out")
        if read_all:
            for table in sorted(tables):
                con.execute(f"SELECT * FROM {quote(table)}").fetchall()
        if tables and (found is None or not kind.tables <= tables):
            raise error(damaged_message(db, "its tables are missing", kind))
        if tables:
            row = con.execute(f"SELECT value FROM {kind.info} WHERE key = 'fingerprint'").fetchone()
            if row is None or row[0] != fingerprint:
                raise error(
                    f"{out}: holds the results of a different {kind.name} (another file, "
                    "scenario or settings); use another --out, or delete the folder to start over"
                )
    except duckdb.Error as exc:
        con.close()
        raise error(damaged_message(db, reason_of(exc), kind)) from None
    except BaseException:
        con.close()
        raise
    return con, tables


def write_file(path: Path, write: Callable[[Path], object]) -> None:
    """Have ``write`` write a fresh temporary beside ``path``, then rename it to ``path``.

    The temporary is created with ``O_CREAT | O_EXCL`` (:func:`tempfile.mkstemp`) in
    ``path``'s folder, so no symbolic link or file planted there is ever written
    through; the rename replaces whatever is at ``path`` (a symbolic link itself, not
    its target). On any failure the temporary is removed.
    """
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a fresh temporary (:func:`write_file`)."""
    write_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_part(path: Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` to the Parquet part ``path`` through a fresh temporary."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_file(path, lambda tmp: frame.to_parquet(tmp, index=False))
