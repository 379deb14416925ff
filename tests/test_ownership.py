"""Ownership (issue 23): a name is never proof; only a marker scoresim wrote is.

The user's files are created first and compared byte for byte afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scoresim.cli.app import app
from scoresim.results import ownership
from tests.tiny import CALIBRATION, SWEEP

runner = CliRunner()
SMALL = ["--agents", "200", "--steps", "2", "-q"]


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under root with its bytes (None for folders)."""
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


def users_lookalikes(parent: Path, name: str) -> dict[str, bytes | None]:
    """The issue's two files of the user's, named like scoresim's temporaries of ``name``."""
    backup = parent / f".{name}.backup_1"
    backup.mkdir()
    (backup / "important.txt").write_text("mine\n")
    (parent / f".{name}.20261205").write_text("dated\n")
    (parent / f".{name}.old.abcd1234").mkdir()
    (parent / f".{name}.old.abcd1234" / "thesis.tex").write_text("chapter 1\n")
    return tree(parent)


def kept(parent: Path, before: dict[str, bytes | None]) -> None:
    after = tree(parent)
    for path, data in before.items():
        assert after.get(path, b"<gone>") == data, path


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def leftover(parent: Path, name: str, suffix: str, **changes: Any) -> Path:
    """A temporary folder of ``name`` with a marker as scoresim writes it, then changed."""
    doc = json.loads(ownership.marker("temporary", name))
    doc.update(changes)
    folder = parent / f".{name}.{suffix}"
    folder.mkdir()
    (folder / ownership.MARKER).write_text(json.dumps(doc))
    (folder / "metrics.parquet").write_text("half")
    return folder


@pytest.mark.parametrize("command", ["run", "report", "calibrate"])
def test_the_users_lookalike_files_survive_every_writer(tmp_path: Path, command: str) -> None:
    run = tmp_path / "src-run"
    assert invoke("run", "seed", *SMALL, "--out", str(run)).exit_code == 0
    home = tmp_path / "home"
    home.mkdir()
    if command == "run":
        name, args = "results", ["run", "seed", *SMALL, "--out", str(home / "results")]
    elif command == "report":
        name, args = "report.html", ["report", str(run), "--out", str(home / "report.html")]
    else:
        (tmp_path / "cal.yaml").write_text(CALIBRATION)
        name = "cal"
        args = ["calibrate", str(tmp_path / "cal.yaml"), "--out", str(home / "cal"), "-q"]
    before = users_lookalikes(home, name)
    for _ in range(2):  # a first write, then a replacement of its own
        res = invoke(*args)
        assert res.exit_code == 0, res.output
    kept(home, before)
    assert sorted(p.name for p in home.iterdir()) == sorted([*before_names(before), name])


def before_names(before: dict[str, bytes | None]) -> list[str]:
    return [p for p in before if "/" not in p]


def test_only_provably_stale_temporaries_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "run"
    gone = leftover(tmp_path, "run", "k1ll3d_1", pid=dead_pid())
    gone_old = leftover(tmp_path, "run", "old.k1ll3d_2", pid=dead_pid())
    rebooted = leftover(tmp_path, "run", "reboot_3", boot="another-boot")
    alive = leftover(tmp_path, "run", "alive_04")  # this process: still running
    other_host = leftover(tmp_path, "run", "elsewh_5", host=socket.gethostname() + "-x", pid=1)
    other_target = leftover(tmp_path, "runner", "k1ll3d_6", pid=dead_pid())
    moved = leftover(tmp_path, "run", "moved_07", target="elsewhere", pid=dead_pid())
    reused = leftover(tmp_path, "run", "reused_8", pid=os.getpid(), started=1)
    broken = leftover(tmp_path, "run", "broken_9", pid=dead_pid())
    (broken / ownership.MARKER).write_text('{"scoresim": "temporary", "target": "run", "pid"')
    linked = tmp_path / ".run.linked10"
    linked.mkdir()
    (linked / ownership.MARKER).symlink_to(gone / ownership.MARKER)
    before = tree(tmp_path)
    assert invoke("run", "seed", *SMALL, "--out", str(out)).exit_code == 0
    for removed in (gone, gone_old, rebooted, reused):
        assert not removed.exists(), removed
    for folder in (alive, other_host, other_target, moved, broken):
        assert folder.is_dir(), folder
    kept(tmp_path, {k: v for k, v in before.items() if k.startswith(KEPT)})


KEPT = (".run.alive_04", ".run.elsewh_5", ".runner.", ".run.moved_07", ".run.broken_9")


def test_a_writer_killed_mid_write_leaves_a_temporary_the_next_run_removes(
    tmp_path: Path,
) -> None:
    out = tmp_path / "run"
    ready = tmp_path / "ready"
    writer = (
        "import sys, time, pathlib; from scoresim.results import outputs, ownership\n"
        "out = pathlib.Path(sys.argv[1])\n"
        "with outputs.claim(out), ownership.staging(out) as tmp:\n"
        "    tmp.mkdir(); (tmp / 'metrics.parquet').write_text('half')\n"
        "    pathlib.Path(sys.argv[2]).write_text('1'); time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", writer, str(out), str(ready)])
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert ".run.lock" in names and any(n.startswith(".run.") and n != ".run.lock" for n in names)
    assert invoke("run", "seed", *SMALL, "--out", str(out)).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ready", "run"]


@pytest.mark.parametrize("kind", ["file", "empty", "folder", "link", "fifo"])
def test_a_lock_path_that_is_not_scoresims_is_named_and_kept(tmp_path: Path, kind: str) -> None:
    lock = tmp_path / ".results.lock"
    if kind == "file":
        lock.write_text("my notes about locks\n")
    elif kind == "empty":
        lock.touch()
    elif kind == "folder":
        lock.mkdir()
        (lock / "inside.txt").write_text("mine")
    elif kind == "link":
        (tmp_path / "target.txt").write_text("mine")
        lock.symlink_to(tmp_path / "target.txt")
    else:
        os.mkfifo(lock)
    before = tree(tmp_path)
    res = invoke("run", "seed", *SMALL, "--out", str(tmp_path / "results"))
    assert res.exit_code == 2, res.output
    assert res.output.count("\n") == 1 and "Traceback" not in res.output
    assert ".results.lock is in the way and is not a lock scoresim wrote" in res.output
    assert tree(tmp_path) == before


def test_a_stale_lock_of_its_own_is_taken_over(tmp_path: Path) -> None:
    doc = json.loads(ownership.marker("lock", "results"))
    doc["pid"] = dead_pid()
    (tmp_path / ".results.lock").write_text(json.dumps(doc))
    spare = tmp_path / ".results.lock.ab_cd123"  # a killed writer's spare lock
    spare.write_text(json.dumps(doc))
    assert invoke("run", "seed", *SMALL, "--out", str(tmp_path / "results")).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_markers_read_back_only_whole_and_for_their_target() -> None:
    data = ownership.marker("temporary", "run")
    assert ownership.read_marker(data, "temporary", "run") is not None
    assert ownership.read_marker(data, "lock", "run") is None
    assert ownership.read_marker(data, "temporary", "Run") is None
    assert ownership.read_marker(data[:-5], "temporary", "run") is None
    for pid in (True, 0, -1, "12", 1.5):
        doc = json.loads(data)
        doc["pid"] = pid
        assert ownership.read_marker(json.dumps(doc).encode(), "temporary", "run") is None
    doc = json.loads(data)
    assert not ownership.writer_gone(doc)  # this very process
    doc["pid"] = dead_pid()
    assert ownership.writer_gone(doc)


def test_a_name_too_long_for_its_temporaries_is_one_line(tmp_path: Path) -> None:
    res = invoke("run", "seed", *SMALL, "--out", str(tmp_path / ("a" * 250)))
    assert res.exit_code == 2 and res.output.count("\n") == 1, res.output
    assert "give a name of at most 241 bytes" in res.output
    assert list(tmp_path.iterdir()) == []


def test_a_rebuild_sets_the_damaged_catalogue_aside_over_nothing_of_the_users(
    tmp_path: Path,
) -> None:
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(SWEEP)
    out = tmp_path / "out"
    assert invoke("sweep", str(sweep), "--out", str(out), "-q").exit_code == 0
    db = out / "results.duckdb"
    db.write_bytes(db.read_bytes()[:1000])
    (out / "results.duckdb.wal").write_bytes(b"a log left by a kill")
    mine = out / "results.duckdb.damaged.wal"
    mine.write_text("a file of the user's\n")
    res = invoke("sweep", str(sweep), "--out", str(out), "-q", "--rebuild")
    assert res.exit_code == 0, res.output
    assert mine.read_text() == "a file of the user's\n"
    assert not (out / "results.duckdb.damaged").exists()
    assert (out / "results.duckdb.damaged-2.wal").read_bytes() == b"a log left by a kill"


def test_a_link_in_a_figures_folder_is_never_written_through(tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert invoke("run", "seed", *SMALL, "--out", str(run)).exit_code == 0
    figures = tmp_path / "figures"
    report = ["report", str(run), "--out", str(tmp_path / "r.html"), "--figures", str(figures)]
    assert invoke(*report).exit_code == 0
    first = sorted(figures.iterdir())[0]
    thesis = tmp_path / "thesis.png"
    thesis.write_bytes(b"\x89PNG my figure, made with scoresim, then edited by hand")
    first.unlink()
    first.symlink_to(thesis)
    res = invoke(*report)
    assert res.exit_code == 2 and "holds files scoresim did not write" in res.output, res.output
    assert thesis.read_bytes() == b"\x89PNG my figure, made with scoresim, then edited by hand"


@pytest.mark.parametrize("pid", [99999999999999999999, 4194305000, 2**22 + 1])
def test_a_marker_naming_an_impossible_pid_is_kept_and_crashes_nothing(
    tmp_path: Path, pid: int
) -> None:
    data = json.loads(ownership.marker("temporary", "x"))
    data["pid"] = pid
    assert ownership.read_marker(json.dumps(data).encode(), "temporary", "x") is None
    gone = ownership.writer_gone(data)  # no OverflowError from os.kill
    assert not gone or pid < 2**31  # beyond a pid_t nothing is proven gone
    forged = leftover(tmp_path, "x", "SOMETHING", pid=pid)
    lock = json.loads(ownership.marker("lock", "x"))
    lock["pid"] = pid
    spare = tmp_path / ".x.lock.X"
    spare.write_text(json.dumps(lock))
    before = tree(tmp_path)
    res = invoke("run", "seed", *SMALL, "--out", str(tmp_path / "x"))
    assert res.exit_code == 0, res.output
    kept(tmp_path, before)
    assert forged.is_dir() and spare.is_file()
