"""A small pool of helper threads for independent pieces of a step.

Some work within a phase splits into independent parts that release the GIL (compiled
kernels declared ``nogil``, NumPy sorts and gathers): the neighbour counts of several
behaviours, or the wealth sort beside the group sums. Running them on two threads uses
a second core without changing a single result, since the parts share no output and
each is deterministic. The pool is created on first use, once per process.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor

WORKERS = 2


@functools.cache
def pool() -> ThreadPoolExecutor:
    """The process's helper pool (``WORKERS`` threads)."""
    return ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="scoresim")
