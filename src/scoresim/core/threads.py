"""A small pool of helper threads for independent pieces of a step.

Some work within a phase splits into independent parts that release the GIL (compiled
kernels declared ``nogil``, NumPy sorts and gathers): the neighbour counts of several
behaviours, or the wealth sort beside the group sums. Running them on two threads uses
a second core without changing a single result, since the parts share no output and
each is deterministic (tested with 1 and 2 helper threads). The pool is created on
first use, once per process.
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor

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
