from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import scoresim
from scoresim.config.loading import Scenario


@pytest.fixture(scope="session")
def seed() -> Scenario:
    return scoresim.load_scenario("seed")


def write_scenario(tmp_path: Path, raw: dict[str, Any], name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def dask_scheduler() -> Iterator[str]:
    """A real Dask scheduler and two single-threaded workers on 127.0.0.1."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).parent / "dask")
    scheduler = [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]
    worker = [dask, "worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard"]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for cmd in (scheduler, [*worker, "--host", "127.0.0.1"])
    ]
    try:
        from scoresim.experiment.executors import dask_client

        deadline = time.monotonic() + 60
        while True:
            try:
                client = dask_client(address)
                ready = len(client.nthreads()) == 2
                client.close()
            except OSError:
                ready = False
            if ready:
                break
            assert time.monotonic() < deadline, "the Dask cluster did not start"
            time.sleep(0.5)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
