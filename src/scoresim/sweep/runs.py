"""One run of a sweep: its seed, the work a worker does, and what comes back.

Seeds: the sweep's seed is the entropy of one root ``SeedSequence``. By default
(``common_random_numbers: true``) replicate r of every design point takes the child
with spawn key (r,), so all points share their people, their network and every random
draw they have in common, and a difference between two points is the parameters'
doing rather than sampling noise. With ``common_random_numbers: false`` the run at
point p, replicate r takes the child (p, r) instead, and points are independent
samples. Either way the run uses the 63-bit integer the child generates
(``seed_entropy``), which depends only on the sweep file and (p, r), never on the
executor, the number of workers or the order in which runs finish, and
``scoresim run SCENARIO --seed SEED_ENTROPY --set ...`` repeats any single run of a
sweep exactly.

:func:`execute` is what a worker runs; it is a plain top-level function of picklable
arguments, so any ``concurrent.futures.Executor`` (a local process pool, Dask's
client executor) can run it. A model error does not escape: it comes back as a
failed outcome naming the run and the stage that failed.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from scoresim.config.loading import Scenario
from scoresim.core import threads
from scoresim.experiment.seeds import child_seed


def run_seed(root: int, point: int, replicate: int, common: bool = True) -> int:
    """The integer seed of run (point, replicate) of a sweep seeded ``root`` (< 2**63).

    With ``common`` (common random numbers) the seed does not depend on ``point``.
    """
    return child_seed(root, replicate) if common else child_seed(root, point, replicate)


@dataclass(frozen=True)
class RunSpec:
    """What a worker needs for one run.

    Attributes:
        run_id: ``point * replicates + replicate``.
        point: Index of the design point.
        replicate: Index of the replicate at that point.
        seed: The run's seed (see :func:`run_seed`).
        overrides: Parameter path to value at this point.
    """

    run_id: int
    point: int
    replicate: int
    seed: int
    overrides: dict[str, Any]


@dataclass
class RunOutcome:
    """What comes back from a worker.

    Attributes:
        run_id: The run.
        status: ``"done"`` or ``"failed"``.
        error: For a failed run, one line: the stage and the error.
        seconds: Wall time of the run on the worker.
        version: scoresim's version on the worker.
        metrics: The metrics table (done runs).
        agents: The final agents table (done runs).
    """

    run_id: int
    status: str
    error: str | None = None
    seconds: float = 0.0
    version: str = ""
    metrics: pd.DataFrame | None = field(default=None, repr=False)
    agents: pd.DataFrame | None = field(default=None, repr=False)


def execute(spec: RunSpec, scenario: Scenario, agents: int, steps: int) -> RunOutcome:
    """Run one simulation of a sweep; never raises for a model error."""
    from scoresim.engine.simulation import simulate
    from scoresim.version import VERSION

    t0 = time.perf_counter()
    stage = "applying the parameters"
    try:
        sc = scenario.with_overrides(spec.overrides)
        stage = "simulating"
        with threads.compiled_threads(1):  # the workers share the cores, one run each
            result = simulate(sc, agents=agents, steps=steps, seed=spec.seed)
    except Exception as exc:  # a failed run is recorded, and the sweep goes on
        last = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno}"
        message = " ".join(str(exc).split()) or type(exc).__name__
        return RunOutcome(
            spec.run_id,
            "failed",
            error=f"run {spec.run_id} failed while {stage}: {type(exc).__name__}: {message} "
            f"(at {where})",
            seconds=time.perf_counter() - t0,
            version=VERSION,
        )
    return RunOutcome(
        spec.run_id,
        "done",
        seconds=time.perf_counter() - t0,
        version=VERSION,
        metrics=result.metrics,
        agents=result.agents,
    )
