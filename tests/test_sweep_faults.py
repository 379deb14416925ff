"""A sweep whose driver dies takes its workers with it; bad engine options are one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scoresim.cli.app import app

runner = CliRunner()
LONG = """\
scenario: seed
agents: 100000
steps: 400
parameters:
  scoring.points.criticise_government: [-50, -40, -30, -20, -10, 0]
"""


def children(pid: int) -> set[int]:
    """The live processes whose parent is ``pid`` (from /proc)."""
    out = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.add(int(entry.name))
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_kill_9_of_the_driver_ends_its_workers_and_closes_the_callers_pipes(
    tmp_path: Path,
) -> None:
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(LONG)
    cmd = [sys.executable, "-m", "scoresim.cli", "sweep", str(sweep), "--out",
           str(tmp_path / "out"), "--workers", "2", "-q"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while len(workers) < 2:  # the two workers (and the spawn resource tracker)
        assert time.monotonic() < deadline and proc.poll() is None, "the workers did not start"
        workers = {p for p in children(proc.pid)
                   if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()}  # fmt: skip
        time.sleep(0.2)
    time.sleep(1.0)  # both at work
    os.kill(proc.pid, signal.SIGKILL)
    t0 = time.monotonic()
    proc.communicate(timeout=30)  # returns only once every holder of the pipes ended
    closed_in = time.monotonic() - t0
    time.sleep(0.5)
    assert not [p for p in workers if alive(p)], workers
    assert closed_in < 10, closed_in


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


@pytest.mark.parametrize(
    ("option", "fragment"),
    [(["--workers", "0"], "--workers: 0 is out of range; use 1 to 256"),
     (["--workers", "100000"], "--workers: 100000 is out of range"),
     (["--scheduler", "garbage"], "--scheduler garbage: not an address; give tcp://HOST:PORT")],
)  # fmt: skip
def test_engine_options_are_checked_at_once(
    option: list[str], fragment: str, tmp_path: Path
) -> None:
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(LONG)
    t0 = time.monotonic()
    res = invoke("sweep", str(sweep), "--out", str(tmp_path / "out"), "-q", *option)
    assert res.exit_code == 2 and fragment in res.output and res.output.count("\n") == 1
    assert time.monotonic() - t0 < 5  # no 20 s hang
    assert not (tmp_path / "out").exists()
