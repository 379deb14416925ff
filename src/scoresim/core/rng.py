"""Random streams: one ``SeedSequence`` per run, one generator per subsystem.

Spawning per subsystem means two scenarios run with the same seed share the same
population and network, and a change in one phase does not shift another's draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

SUBSYSTEMS = ("population", "network", "behave", "observe", "score", "consequences")


@dataclass(frozen=True)
class Streams:
    """One generator per subsystem, in the order of :data:`SUBSYSTEMS`."""

    population: np.random.Generator
    network: np.random.Generator
    behave: np.random.Generator
    observe: np.random.Generator
    score: np.random.Generator
    consequences: np.random.Generator


def make_streams(seed: int | np.random.SeedSequence) -> tuple[Streams, np.random.SeedSequence]:
    """Spawn the run's streams from ``seed``; return them and the root sequence."""
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    children = root.spawn(len(SUBSYSTEMS))
    gens = [np.random.Generator(np.random.PCG64(c)) for c in children]
    return Streams(*gens), root


def bernoulli_indices(rng: np.random.Generator, n: int, p: float) -> NDArray[np.int64]:
    """Indices of successes among ``n`` independent Bernoulli(p) trials, sorted.

    Drawn by geometric gaps, so the cost is proportional to the number of successes,
    not to ``n``; the distribution is exactly that of ``flatnonzero(random(n) < p)``.

    Returns:
        (k,) int64, strictly increasing indices in [0, n).
    """
    if p <= 0.0 or n <= 0:
        return np.empty(0, dtype=np.int64)
    if p >= 1.0:
        return np.arange(n, dtype=np.int64)
    if p < 1e-12:
        # Geometric gaps of order 1/p would overflow int64; so rare an event is drawn
        # as a binomial count placed uniformly, which has the same distribution.
        k = int(rng.binomial(n, p))
        return np.sort(rng.choice(n, size=k, replace=False)).astype(np.int64)
    chunks: list[NDArray[np.int64]] = []
    pos = -1
    while True:
        size = int(n * p * 1.1 + 10.0 * np.sqrt(n * p + 1.0)) + 16
        gaps = rng.geometric(p, size=size)
        idx = pos + np.cumsum(gaps)
        if idx[-1] >= n:
            chunks.append(idx[idx < n])
            break
        chunks.append(idx)
        pos = int(idx[-1])
    return np.concatenate(chunks).astype(np.int64, copy=False)
