"""Running a sweep: plan, skip what is finished, run the rest, record each as it ends.

At most twice as many runs as the executor has slots are submitted at a time, so a
sweep of a million runs holds a few futures, not a million, and a killed sweep
loses at most those in flight. Outcomes are recorded by this process (the driver)
as they arrive, in whatever order; the seeds do not depend on that order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from scoresim.errors import SweepError
from scoresim.experiment.executors import Engine
from scoresim.sweep.design import Design, build_design
from scoresim.sweep.runs import RunOutcome, RunSpec, execute, run_seed
from scoresim.sweep.spec import Sweep
from scoresim.sweep.store import Store

ProgressFn = Callable[[int, int, int], None]  # (finished now, to run now, failed now)


@dataclass(frozen=True)
class SweepSummary:
    """How a sweep invocation went.

    Attributes:
        total: Runs in the sweep.
        skipped: Runs already finished before this invocation.
        done: Runs finished by this invocation.
        failed: Runs that failed in this invocation.
        seconds: Wall time of this invocation.
        first_error: The first failure's message, if any.
    """

    total: int
    skipped: int
    done: int
    failed: int
    seconds: float
    first_error: str | None


def specs(sweep: Sweep, design: Design, run_ids: list[int]) -> Iterator[RunSpec]:
    """The specs of ``run_ids``, in that order."""
    reps, root = sweep.config.replicates, sweep.config.seed
    for run_id in run_ids:
        point, replicate = divmod(run_id, reps)
        yield RunSpec(
            run_id,
            point,
            replicate,
            run_seed(root, point, replicate, sweep.config.common_random_numbers),
            design.points[point],
        )


def run_sweep(
    sweep: Sweep,
    out: Path,
    engine: Engine,
    progress: ProgressFn | None = None,
    rebuild: bool = False,
) -> SweepSummary:
    """Run every unfinished run of ``sweep`` into the folder ``out``.

    With ``rebuild``, first rebuild a damaged catalogue from the runs' intact parts
    (:meth:`Store.open`); ``SweepSummary.skipped`` then counts the runs recovered.

    Raises:
        SweepError: ``out`` belongs to another sweep or is in use, or the executor
            broke (a worker process died); finished runs are kept either way.
    """
    t0 = time.perf_counter()
    design = build_design(sweep)
    store = Store.open(out, sweep, design, rebuild=rebuild)
    cfg = sweep.config
    done = failed = 0
    first_error: str | None = None
    try:
        todo = store.pending()
        total = len(design.points) * cfg.replicates
        queue = specs(sweep, design, todo)
        in_flight: dict[Future[RunOutcome], RunSpec] = {}
        window = 2 * max(engine.slots, 1)
        if progress is not None:
            progress(0, len(todo), 0)
        while True:
            for spec in queue:
                args = (spec, sweep.scenario, cfg.agents, cfg.steps)
                in_flight[engine.executor.submit(execute, *args)] = spec
                if len(in_flight) >= window:
                    break
            if not in_flight:
                break
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                outcome = _outcome(future, in_flight.pop(future))
                store.record(outcome)
                if outcome.status == "done":
                    done += 1
                else:
                    failed += 1
                    first_error = first_error or outcome.error
                if progress is not None:
                    progress(done + failed, len(todo), failed)
        store.refresh_views()
    finally:
        store.close()
    return SweepSummary(
        total, total - len(todo), done, failed, time.perf_counter() - t0, first_error
    )


def _outcome(future: Future[RunOutcome], spec: RunSpec) -> RunOutcome:
    """The run's outcome; an executor failure for this run is recorded as its failure."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise SweepError(
            f"run {spec.run_id}: a worker process died (out of memory?); finished runs are "
            "kept: rerun the same command to resume, perhaps with fewer --workers"
        ) from None
    except Exception as exc:  # lost worker, network error: this run failed, go on
        message = " ".join(str(exc).split()) or type(exc).__name__
        return RunOutcome(
            spec.run_id, "failed", error=f"run {spec.run_id} failed on the executor: {message}"
        )
