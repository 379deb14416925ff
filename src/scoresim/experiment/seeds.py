"""The seeds of an experiment's runs, all children of one root ``SeedSequence``.

An experiment's ``seed`` is the entropy of a root ``SeedSequence``; each run, design
and proposal takes the child with its own spawn key, so a number depends only on the
file and the key, never on the executor, the number of workers or the order in which
work finishes. Which keys a sweep and a calibration use is said beside their runs
(:mod:`scoresim.sweep.runs`, :mod:`scoresim.calibrate.model`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def child_seed(root: int, *key: int) -> int:
    """The 63-bit seed of the root's child with spawn key ``key`` (a run's ``seed_entropy``)."""
    child = np.random.SeedSequence(root, spawn_key=key)
    return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


def child_words(root: int, *key: int, count: int = 8) -> NDArray[np.uint32]:
    """``count`` 32-bit words of the root's child with spawn key ``key``, to seed a generator."""
    child = np.random.SeedSequence(root, spawn_key=key)
    return child.generate_state(count, np.uint32).astype(np.uint32)
