"""A real explorer for the tests: ``scoresim serve``, or an app with uvicorn, on a free port."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_serve(*options: str, **popen: Any) -> tuple[str, subprocess.Popen[bytes]]:
    """Start ``scoresim serve OPTIONS`` on 127.0.0.1 and return once it answers.

    Args:
        options: command-line options after ``serve`` (the port is chosen here).
        popen: where its output goes (``stdout=``, ``stderr=``), as for ``subprocess.Popen``.

    Returns:
        Its base URL and the process.
    """
    port = free_port()
    cmd = [sys.executable, "-m", "scoresim.cli", "serve", "--port", str(port), *options]
    proc = subprocess.Popen(cmd, **popen)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/scenarios", timeout=2).status_code == 200:
                return url, proc
        except httpx.HTTPError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1, in a thread of this process.

    For an explorer made with bounds ``scoresim serve`` does not offer (one run at a
    time, no queue).

    Yields:
        Its base URL, once it answers; it is stopped (its runs too) on leaving.
    """
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="explorer-under-test", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{config.port}"
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=60)
