"""Where an experiment's work executes: a local process pool, or a Dask cluster.

A sweep's runner and a calibration's sampler only need a ``concurrent.futures.Executor`` and how many runs it can
take at once, so another engine is one more context manager here. Dask is an
optional extra (``pip install 'scoresim[cluster]'``), imported only when asked for.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

from scoresim.errors import SweepError


@dataclass(frozen=True)
class Engine:
    """An open executor.

    Attributes:
        executor: Runs a sweep's runs or a calibration's proposals.
        slots: How many it can work on at once.
        label: For the progress line, e.g. ``"2 local workers"``.
    """

    executor: Executor
    slots: int
    label: str


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not on Linux
        return max(os.cpu_count() or 1, 1)


MAX_WORKERS = 256
SCHEDULER = re.compile(r"^(tcp|tls|ws|wss)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$")


def die_with_parent(parent: int) -> None:
    """In a worker: end when the driver ``parent`` ends, even by ``kill -9``.

    On Linux the kernel sends the worker SIGKILL when its parent dies
    (``PR_SET_PDEATHSIG``); elsewhere, and as a second line, a thread sees the parent
    change and exits. Without this a killed sweep or calibration leaves its workers running forever,
    holding the caller's pipes open.
    """
    import ctypes
    import signal
    import threading
    import time

    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux
        pass
    if os.getppid() != parent:  # it died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="scoresim-parent-watch", daemon=True).start()


def check_engine(workers: int, scheduler: str | None) -> None:
    """Refuse a number of workers or a scheduler address that cannot work.

    Raises:
        SweepError: One line naming the option (for a calibration too: the options
            are the same).
    """
    if scheduler is not None:
        if not SCHEDULER.match(scheduler):
            raise SweepError(
                f"--scheduler {scheduler[:80]}: not an address; give tcp://HOST:PORT, as "
                "`dask scheduler` prints it"
            )
    elif not 1 <= workers <= MAX_WORKERS:
        raise SweepError(f"--workers: {workers} is out of range; use 1 to {MAX_WORKERS}")


def choose_engine(workers: int | None, scheduler: str | None) -> Callable[[], AbstractContextManager[Engine]]:  # fmt: skip
    """Check ``--workers`` / ``--scheduler`` now; return what opens the chosen engine later.

    Checked before a file is read (which may take seconds); ``workers`` None means one
    per core, and 0 is a mistake, not "all".

    Raises:
        SweepError: Both given, or either out of range.
    """
    if workers is not None and scheduler is not None:
        raise SweepError("--workers and --scheduler: pick one (Dask sizes its own workers)")
    count = default_workers() if workers is None else workers
    check_engine(count, scheduler)
    return (lambda: dask_cluster(scheduler)) if scheduler else (lambda: local_pool(count))


@contextmanager
def local_pool(workers: int) -> Iterator[Engine]:
    """A pool of ``workers`` processes on this machine.

    Workers are started with ``spawn``: the driver holds a DuckDB connection and
    threads, which a forked child must not inherit. They end with the driver, however
    it ends (:func:`die_with_parent`).
    """
    check_engine(workers, None)
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    )
    try:
        yield Engine(pool, workers, f"{workers} local worker{'s' if workers > 1 else ''}")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def dask_client(address: str) -> Any:
    """A client of the scheduler at ``address``, typed as Any: distributed's hints are partial."""
    from distributed import Client

    return Client(address, timeout="10s", set_as_default=False)  # type: ignore[no-untyped-call]


@contextmanager
def dask_cluster(address: str) -> Iterator[Engine]:
    """The workers of a running Dask scheduler at ``address`` (``tcp://HOST:PORT``)."""
    check_engine(0, address)
    try:
        import distributed  # noqa: F401 - only to give the missing extra a clear message
    except ImportError:
        raise SweepError(
            f"--scheduler {address}: Dask is not installed; pip install 'scoresim[cluster]'"
        ) from None
    try:
        client = dask_client(address)
    except Exception as exc:  # OSError, TimeoutError, and distributed's own errors
        raise SweepError(
            f"--scheduler {address}: cannot connect ({' '.join(str(exc).split())[:120]}); "
            "start `dask scheduler` there and `dask worker ADDRESS` on the machines, "
            "or check the address"
        ) from None
    try:
        threads = sum(client.nthreads().values())
        if threads == 0:
            raise SweepError(
                f"--scheduler {address}: no workers are connected; start `dask worker {address}`"
            )
        # pure=False: two runs with equal arguments must still both run.
        yield Engine(client.get_executor(pure=False), threads, f"Dask at {address}")
    finally:
        client.close()
