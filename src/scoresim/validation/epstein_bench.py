"""Timing the ``epstein`` case for ``scoresim bench epstein`` (beside the regimes' timing)."""

from __future__ import annotations

import time
from typing import Any

from scoresim.engine.bench import result
from scoresim.engine.simulation import check_options
from scoresim.errors import RunOptionError


def bench_epstein(size: int, steps: int, seed: int) -> dict[str, Any]:
    """Time the ``epstein`` case on a size x size torus at Mesa's default densities.

    The compiled kernel is warmed up on a tiny grid first, so compilation (or loading
    it from the disk cache) is not counted.
    """
    from scoresim.validation.epstein import EpsteinParams, place, simulate_sequential
    from scoresim.validation.rng import make_streams

    if not 15 <= size <= 20_000:
        raise RunOptionError(f"--size: {size} is out of range; use 15 to 20000")
    check_options(1, steps, seed)
    simulate_sequential(EpsteinParams(width=15, height=15, steps=2), seed)
    p = EpsteinParams(width=size, height=size, steps=steps)
    t0 = time.perf_counter()
    streams, _ = make_streams(seed)
    state = place(p, streams.population)
    t1 = time.perf_counter()
    simulate_sequential(p, seed, placed=(streams, state))
    t2 = time.perf_counter()
    return result("epstein", int(state.pos.shape[0]), steps, t1 - t0, t2 - t1)
