"""Sequential random streams for the validation models: one generator per subsystem.

The scored-society model draws from :mod:`scoresim.core.crn` instead (keyed by
purpose, step and person); the reproduced published models of ``scoresim validate``
keep these streams, spawned per subsystem from one ``SeedSequence`` per run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
