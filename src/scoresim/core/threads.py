"""How a step uses more than one core, without changing a single result.

Two ways, both deterministic:

- a small pool of helper threads for an independent piece of a step that releases the
  GIL (the wealth Gini's sort runs beside ``adapt``), from :data:`INLINE_BELOW` people
  (:func:`submit`); the pool is created on first use, once per process;
- compiled passes on every Numba thread, from :data:`PARALLEL_FROM` people
  (:func:`parallel`), in chunks that each write only their own people's cells;
  :func:`compiled_threads` limits a thread (a sweep's worker, an explorer run) to one.

Both are tested with 1 and 2 threads (tests/test_simulation_api.py,
tests/test_parallel_passes.py).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import numba

T = TypeVar("T")

# Numba's OpenMP threads would otherwise spin for a while after each parallel pass,
# taking the core the wealth sort's helper thread needs (seed at 10^5 ran 31% slower
# on two threads than on one; 7% with passive waiting). Set before Numba starts its
# threads, which it does at the first parallel pass; a user's own setting is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

WORKERS = 2
"""Helper threads by default; ``SCORESIM_THREADS`` (1 to 8) sets another number."""


def workers() -> int:
    """The number of helper threads: ``SCORESIM_THREADS`` if set (1 to 8), else 2."""
    raw = os.environ.get("SCORESIM_THREADS", "")
    return min(max(int(raw), 1), 8) if raw.strip().isdigit() else WORKERS


@functools.cache
def pool() -> ThreadPoolExecutor:
    """The process's helper pool (:func:`workers` threads), made on first use."""
    return ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="scoresim")


PARALLEL_FROM = 200_000
"""People from which a phase's compiled pass runs on every Numba thread.

Below it, starting the threads costs more than they save (seed at 10^5 ran 4% slower
on two threads than on one, at 3x10^5 6% faster, at 10^6 13% faster). A parallel pass
splits the people into chunks of :data:`CHUNK`; every draw is keyed and each chunk
writes only its own people, so the results are the same bits for any number of
threads.
"""


def parallel(people: int) -> bool:
    """Whether a pass over ``people`` runs on every Numba thread.

    From :data:`PARALLEL_FROM` people, when this thread may use more than one
    (:func:`compiled_threads`); otherwise the serial pass runs, and the parallel one is
    never compiled for nothing.
    """
    return people >= PARALLEL_FROM and numba.get_num_threads() > 1


CHUNK = 16_384
"""People per chunk of a parallel pass (a multiple of 4: a Philox block never spans two)."""

INLINE_BELOW = 50_000
"""Population below which a helper's work runs in the caller's thread instead.

Handing a piece to a helper and waiting for it costs tens of microseconds; below this
size that is more than the piece itself (the wealth sort at 10^4 takes about as long
as the hand-off), so it runs inline. Results are the same either way.
"""


def submit(size: int, fn: Callable[..., T], *args: Any) -> Future[T]:
    """``fn(*args)`` on a helper thread, or here and now for a small population.

    Below :data:`INLINE_BELOW` people (``size``) it runs at once in this thread; either
    way the caller gets a future of its result (or of its exception).
    """
    if size >= INLINE_BELOW:
        return pool().submit(fn, *args)
    done: Future[T] = Future()
    try:
        done.set_result(fn(*args))
    except BaseException as exc:  # the helper's future would carry it too
        done.set_exception(exc)
    return done


@contextmanager
def compiled_threads(count: int) -> Iterator[None]:
    """Run the compiled passes started from this thread on ``count`` Numba threads.

    A sweep or calibration runs one simulation per worker, with as many workers as
    cores: each run then takes one thread, as two workers each starting two threads on
    two cores made every parallel pass wait for a busy core (three times slower).
    The results are the same bits for any count.
    """
    before = numba.get_num_threads()
    most: int = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
    numba.set_num_threads(max(1, min(count, most)))
    try:
        yield
    finally:
        numba.set_num_threads(before)
