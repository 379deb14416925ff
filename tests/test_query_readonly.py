"""`scoresim query` cannot read or write a file outside its folder, whatever the SQL (issue 23).

The guard is the connection's (read-only, external access off but for the folder,
configuration locked) and, inside the folder, one reading statement. Every hostile
statement is refused in one line, and no byte of any file, inside the folder or out,
changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scoresim.cli.app import app
from tests.tiny import CALIBRATION, SWEEP

runner = CliRunner()


# {dir} is the queried folder, {out} a folder beside it, {part} a Parquet part inside.
WRITES = [
    "COPY (SELECT 'x') TO 'notes.txt'",
    "COPY (SELECT 'x') TO '{out}/new.csv'",
    "COPY (SELECT 1 AS a) TO '{out}/x.parquet' (FORMAT parquet)",
    "COPY (SELECT 1 AS a) TO '{part}' (FORMAT parquet)",
    "COPY (SELECT 1 AS a) TO '{dir}/inside.csv'",
    "COPY t FROM 'notes.txt'",
    "EXPORT DATABASE 'exported'",
    "EXPORT DATABASE '{dir}/exported'",
    "ATTACH 'other.duckdb' AS o",
    "ATTACH '{dir}/results.duckdb' AS again",
    "INSTALL httpfs",
    "LOAD httpfs",
    "LOAD '{out}/evil.duckdb_extension'",
    "PRAGMA enable_profiling",
    "PRAGMA profile_output = 'prof.txt'",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "RESET lock_configuration",
    "SET allowed_directories = ['/']",
    "SET temp_directory = '{out}/spill'",
    "CALL pragma_version()",
    "CREATE TABLE t AS SELECT 1",
    "CREATE TEMP TABLE t AS SELECT * FROM read_csv('notes.txt')",
    "CHECKPOINT",
    "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
]
READS = [
    "SELECT * FROM read_csv('notes.txt')",
    "SELECT * FROM read_csv_auto('{out}/secret.csv')",
    "SELECT * FROM 'notes.txt'",
    "FROM '{out}/secret.csv'",
    "SELECT * FROM read_text('{out}/secret.csv')",
    "SELECT * FROM read_blob('{out}/secret.csv')",
    "SELECT * FROM read_json_auto('{out}/secret.json')",
    "SELECT * FROM read_parquet('{out}/../outside/secret.parquet')",
    "SELECT * FROM read_csv('{dir}/../outside/secret.csv')",
    "SELECT * FROM glob('{out}/*')",
    "SELECT * FROM sniff_csv('{out}/secret.csv')",
    "SELECT * FROM parquet_metadata('{out}/secret.parquet')",
    "WITH x AS (SELECT * FROM read_csv('{out}/secret.csv')) SELECT * FROM x",
]
MULTI = [
    "SELECT 1; COPY (SELECT 'x') TO 'notes.txt'",
    "SELECT 1; SELECT 2",
    "COPY (SELECT 'x') TO 'notes.txt'; SELECT 1",
]
HOSTILE = (
    WRITES
    + [f"EXPLAIN {s}" for s in WRITES]
    + [f"EXPLAIN ANALYZE {s}" for s in WRITES]
    + [f"EXPLAIN /* hidden */ ANALYZE {s}" for s in WRITES[:3]]
    + READS
    + [f"EXPLAIN ANALYZE {s}" for s in READS]
    + MULTI
)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("query")
    (root / "sweep.yaml").write_text(SWEEP)
    (root / "cal.yaml").write_text(CALIBRATION)
    sweep = root / "work" / "sweep"
    cal = root / "work" / "cal"
    res = runner.invoke(app, ["sweep", str(root / "sweep.yaml"), "--out", str(sweep), "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["calibrate", str(root / "cal.yaml"), "--out", str(cal), "-q"])
    assert res.exit_code == 0, res.output
    return {"sweep": sweep, "calibration": cal}


def tree(root: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


def query(folder: Path, sql: str) -> Any:
    return runner.invoke(app, ["query", str(folder), sql])


def test_the_set_is_large_enough() -> None:
    assert len(HOSTILE) >= 40


@pytest.mark.parametrize("kind", ["sweep", "calibration"])
def test_hostile_sql_is_refused_and_changes_nothing(
    folders: dict[str, Path], kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = folders[kind]
    work = folder.parent
    out = work / "outside"
    out.mkdir(exist_ok=True)
    (out / "secret.csv").write_text("a,b\n1,SECRET-CSV\n")
    (out / "secret.json").write_text('{"a": "SECRET-JSON"}\n')
    (work / "notes.txt").write_text("my notes\n")
    monkeypatch.chdir(work)
    part = next(folder.rglob("part.parquet"))
    before = tree(work)
    allowed = []
    for template in HOSTILE:
        sql = template.format(dir=folder, out=out, part=part)
        res = query(folder, sql)
        if res.exit_code == 0:
            allowed.append(sql)
            continue
        assert res.exit_code == 2, (sql, res.output)
        assert res.output.count("\n") == 1 and "Traceback" not in res.output, (sql, res.output)
        assert "SECRET" not in res.output, (sql, res.output)
    assert not allowed
    assert tree(work) == before


@pytest.mark.parametrize("kind", ["sweep", "calibration"])
def test_reading_statements_still_answer(folders: dict[str, Path], kind: str) -> None:
    folder = folders[kind]
    table = "runs" if kind == "sweep" else "simulations"
    for sql in (
        f"SELECT count(*) AS n FROM {table}",
        f"WITH r AS (SELECT * FROM {table}) SELECT count(*) AS n FROM r",
        "SHOW TABLES",
        f"DESCRIBE {table}",
        f"EXPLAIN SELECT * FROM {table}",
        f"/* a note */ EXPLAIN SELECT count(*) FROM {table}",
    ):
        res = query(folder, sql)
        assert res.exit_code == 0, (sql, res.output)
    view = "metrics" if kind == "sweep" else "particles"
    res = runner.invoke(app, ["query", str(folder), f"SELECT count(*) AS n FROM {view}", "--csv"])
    assert res.exit_code == 0, res.output
    assert int(res.output.split()[-1]) > 0, res.output  # the view reads the folder's parts
