"""The explorer's runs: a bounded queue of simulations in worker threads, kept for a while.

A request is validated before it is queued (bad input never becomes a failed run).
At most ``running`` runs compute at once and ``queued`` more wait; beyond that a new
run is refused, which the API answers with 429. Each run records its progress and,
step by step, its ``all`` row of metrics, so a client can watch it fill; when it ends
the whole metrics table is kept. Finished runs are forgotten ``ttl`` seconds after
they end (and the oldest go first beyond ``keep``), so memory stays bounded.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import CancelledError as FutureCancelled
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from scoresim.config.loading import Scenario
from scoresim.core import threads

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
T = TypeVar("T")


class QueueFullError(Exception):
    """No room for another run; try again later."""


class CancelledError(Exception):
    """The server is shutting down."""


@dataclass
class Run:
    """One run of the explorer (what the API reports of it)."""

    id: str
    scenario: str
    agents: int
    steps: int
    seed: int
    overrides: dict[str, Any]
    status: str = QUEUED
    done_steps: int = 0
    error: str | None = None
    created: float = field(default_factory=time.monotonic)
    ended: float | None = None
    # Kept compactly (a long run's records as dicts would take ~20 MB): the 'all' row
    # of each step as values in ``columns`` order, and the whole table as a frame.
    columns: list[str] = field(default_factory=list)
    rows: list[list[float | None]] = field(default_factory=list)
    table: pd.DataFrame | None = None  # the whole metrics table, when done

    def records(self, start: int) -> list[dict[str, float | None]]:
        """The 'all' rows from step ``start`` on, as dicts (for the event stream)."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows[start:]]

    def metrics(self) -> list[dict[str, Any]]:
        """The whole table as JSON records (NaN as null); empty until done."""
        if self.table is None:
            return []
        records: list[dict[str, Any]] = json.loads(self.table.to_json(orient="records"))
        return records

    @property
    def progress(self) -> float:
        """Share of the steps done, 0 to 1."""
        return self.done_steps / self.steps

    def public(self) -> dict[str, Any]:
        """What ``GET /api/runs/{id}`` returns."""
        return {
            "id": self.id,
            "scenario": self.scenario,
            "agents": self.agents,
            "steps": self.steps,
            "seed": self.seed,
            "overrides": self.overrides,
            "status": self.status,
            "progress": round(self.progress, 4),
            "error": self.error,
        }


class RunManager:
    """The queue, the worker threads and the store of recent runs."""

    def __init__(self, running: int = 2, queued: int = 8, ttl: float = 600.0, keep: int = 64):
        self.limit = running + queued
        self.ttl, self.keep = ttl, keep
        self.pool = ThreadPoolExecutor(max_workers=running, thread_name_prefix="explorer-run")
        self.runs: dict[str, Run] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.calls = 0  # towns computing or waiting (``call``)

    def submit(self, scenario: Scenario, agents: int, steps: int, seed: int,
               overrides: dict[str, Any]) -> Run:  # fmt: skip
        """Queue a validated run.

        Raises:
            QueueFullError: ``running + queued`` runs are already waiting or computing.
        """
        self.expire()
        with self.lock:
            self._room()
            run = Run(uuid.uuid4().hex, scenario.name, agents, steps, seed, overrides)
            self.runs[run.id] = run
        self.pool.submit(self._execute, run, scenario)
        return run

    def _room(self) -> None:
        """Refuse work beyond ``running + queued`` runs and calls (hold ``self.lock``)."""
        busy = sum(r.status in (QUEUED, RUNNING) for r in self.runs.values()) + self.calls
        if busy >= self.limit:
            what = "1 run is" if busy == 1 else f"{busy} runs are"
            if self.calls:
                what = f"{busy} runs and towns are" if busy > 1 else "1 town is"
            raise QueueFullError(f"{what} queued or running; try again when one ends")

    def call(self, work: Callable[[], T]) -> T:
        """Compute ``work`` on a run thread and wait for it (the explorer's towns).

        Towns share the run threads and the queue's bound with runs, so the server
        never computes more than ``running`` things at once, whatever it is asked.

        Raises:
            QueueFullError: ``running + queued`` runs and calls are already waiting.
            CancelledError: the server is shutting down.
        """
        self.expire()
        with self.lock:
            if self.stopping.is_set():  # the pool takes no new work once it shuts down
                raise CancelledError("the server is shutting down")
            self._room()
            self.calls += 1
        try:
            return self.pool.submit(work).result()
        # Shut down between the check and the submit, or the waiting call cancelled.
        except (RuntimeError, FutureCancelled) as exc:
            raise CancelledError("the server is shutting down") from exc
        finally:
            with self.lock:
                self.calls -= 1

    def get(self, run_id: str) -> Run | None:
        """The run, if it is still kept."""
        self.expire()
        with self.lock:
            return self.runs.get(run_id)

    def expire(self) -> int:
        """Forget runs that ended more than ``ttl`` seconds ago, and the oldest beyond ``keep``."""
        now = time.monotonic()
        with self.lock:
            ended = sorted(
                (r for r in self.runs.values() if r.ended is not None), key=lambda r: r.ended or 0
            )
            old = [r for r in ended if now - (r.ended or now) > self.ttl]
            old += ended[len(old) : max(len(ended) - self.keep, len(old))]
            for r in old:
                self.runs.pop(r.id, None)
            return len(old)

    def shutdown(self) -> None:
        """Stop the running runs at their next step and the workers."""
        self.stopping.set()
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _execute(self, run: Run, scenario: Scenario) -> None:
        from scoresim.engine.stepper import Simulation

        if self.stopping.is_set():  # taken from the queue as the server stops
            run.error, run.status, run.ended = (
                "the server is shutting down",
                FAILED,
                time.monotonic(),
            )
            return
        run.status = RUNNING
        try:
            sim = Simulation(scenario, agents=run.agents, seed=run.seed, _rows=run.steps)
            values = sim.buf.values
            run.columns = ["step", *values]

            def progress(done: int, _total: int) -> None:
                if self.stopping.is_set():
                    raise CancelledError("the server is shutting down")
                row = [_number(col[done - 1, -1]) for col in values.values()]
                run.rows.append([float(done - 1), *row])
                run.done_steps = done

            # The server runs several at once on its threads: each takes one core's worth.
            with threads.compiled_threads(1):
                sim.run(run.steps, progress)
            table = sim.metrics
            table["group"] = table["group"].astype(str)
            run.table = table
            run.status = DONE
        except Exception as exc:  # reported through the API, never raised into the server
            run.error = " ".join(str(exc).split()) or type(exc).__name__
            run.status = FAILED
        finally:
            run.ended = time.monotonic()
            release_memory()


def release_memory() -> None:
    """Give the heap that a finished run freed back to the system.

    A run of 200 000 agents frees some 100 MB of arrays; glibc keeps much of it in its
    arenas (its mmap threshold grows after large frees), so the server's resident
    memory would creep up from burst to burst. ``malloc_trim`` hands it back.
    """
    import contextlib
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _number(x: Any) -> Any:
    """JSON has no NaN: missing values are null."""
    value = float(x)
    return None if np.isnan(value) else value
