"""Timing one simulation after its set-up: what ``scoresim bench`` reports."""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path
from typing import Any

from scoresim.config.loading import load_scenario
from scoresim.engine.simulation import check_options
from scoresim.engine.stepper import Simulation


def peak_rss_bytes() -> int:
    """The process's peak resident set size so far, in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # Linux reports KiB


def result(model: str, agents: int, steps: int, setup_s: float, run_s: float) -> dict[str, Any]:
    """The keys ``scoresim bench --json`` prints, from the set-up and run seconds."""
    return {
        "model": model,
        "agents": agents,
        "steps": steps,
        "setup_seconds": round(setup_s, 4),
        "seconds": round(run_s, 4),
        "seconds_per_step": run_s / steps,
        "agent_steps_per_second": agents * steps / max(run_s, 1e-12),
        "peak_rss_bytes": peak_rss_bytes(),
    }


def bench_regime(name_or_path: str | Path, agents: int, steps: int, seed: int) -> dict[str, Any]:
    """Build the population and network (timed as set-up), then time ``steps`` steps.

    One step of a 200-agent run comes first, untimed, so that loading the compiled
    kernels from the disk cache (or compiling them) is not counted. Steps are timed as
    ``scoresim run`` makes them: with a plug-in mechanism, no step is saved for undoing.
    """
    sc = load_scenario(name_or_path)
    check_options(agents, steps, seed)
    Simulation(sc, agents=200, seed=seed, _rows=1, _undo=False).run(1)
    t0 = time.perf_counter()
    sim = Simulation(sc, agents=agents, seed=seed, _rows=steps, _undo=False)
    t1 = time.perf_counter()
    sim.run(steps)
    t2 = time.perf_counter()
    return result(sc.name, agents, steps, t1 - t0, t2 - t1)


__all__ = ["bench_regime", "peak_rss_bytes", "result"]
