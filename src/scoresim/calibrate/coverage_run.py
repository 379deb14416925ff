"""Running the coverage check of a calibration file: N synthetic data sets, N posteriors.

Data set ``k`` (0, 1, ...) draws its true parameters uniformly on each prior's sampler
scale from the generator seeded by the child ``(COVERAGE, k + 1, 0)`` of the file's
seed, and simulates the targets there with the seeds ``(COVERAGE, k + 1, 1, r)``, one
per replicate, exactly as a proposal's statistics are simulated. Those statistics
replace the targets' values (the sds stay the file's), and the method's posterior is
computed from them: for ABC, a whole calibration with the file's settings and the
seed ``(COVERAGE, k + 1, 2)``, in its own resumable folder ``DIR/coverage/kkkk``.

The data sets live in the table ``coverage`` of the folder's catalogue, one row each,
inserted as soon as simulated; a row's ranks are filled when its posterior is done.
A rerun with the same N finds them all and recomputes nothing; a larger N adds data
sets (the first N are the same). A data set whose targets cannot be computed (a
statistic missing at its truth) is kept, marked, and left out of the check, and the
results say how many were.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoresim.calibrate.coverage import Verdict, check, rank
from scoresim.calibrate.model import Simulator, finished_or_fail
from scoresim.calibrate.spec import Calibration
from scoresim.calibrate.store import CalibrationStore
from scoresim.experiment.executors import Engine
from scoresim.experiment.seeds import child_seed

COVERAGE = 5
"""The purpose of the root's children that the coverage check uses (see model.py)."""
SUBFOLDER = "coverage"

# (data sets with a posterior, N, the data set now computing or -1, generation or -2 when none)
CoverageProgress = Callable[[int, int, int, int], None]


def truth(cal: Calibration, k: int) -> tuple[float, ...]:
    """Data set k's true parameters on the sampler scale (uniform on each prior's support)."""
    rng = np.random.default_rng(child_seed(cal.config.seed, COVERAGE, k + 1, 0))
    return tuple(float(rng.uniform(*p.bounds)) for p in cal.config.parameters.values())


def data_seeds(cal: Calibration, k: int) -> list[int]:
    """The seeds of data set k's simulations, one per replicate."""
    return [child_seed(cal.config.seed, COVERAGE, k + 1, 1, r) for r in range(cal.config.run.replicates)]  # fmt: skip


def simulate_data(simulator: Simulator, internal: tuple[float, ...], seeds: list[int]) -> dict[str, float]:  # fmt: skip
    """The targets' statistics at ``internal`` (a top-level function, for any executor)."""
    return simulator.statistics(simulator.values(internal), seeds)


def as_data(cal: Calibration, k: int, stats: dict[str, float]) -> Calibration:
    """``cal`` with its targets' values replaced by data set k's, and its own seed."""
    targets = [t.model_copy(update={"value": stats[t.name]}) for t in cal.config.targets]
    seed = child_seed(cal.config.seed, COVERAGE, k + 1, 2)
    config = cal.config.model_copy(update={"targets": targets, "seed": seed})
    return dataclasses.replace(cal, config=config, origin=f"{cal.origin} (coverage data set {k})")


def ranks_of(cal: Calibration, population: pd.DataFrame, internal: tuple[float, ...]) -> list[float]:  # fmt: skip
    """Each parameter's rank of the truth in a weighted population (sampler scale)."""
    w = population["weight"].to_numpy(np.float64)
    out = []
    for (path, prior), x in zip(cal.config.parameters.items(), internal, strict=True):
        draws = np.array([prior.to_internal(v) for v in population[path]], np.float64)
        out.append(rank(draws, w, x))
    return out


@dataclass(frozen=True)
class CoverageSummary:
    """What a coverage check found and cost.

    Attributes:
        verdict: the coverage table and rank histograms (:mod:`scoresim.calibrate.coverage`).
        datasets: the data sets' rows: ``dataset``, the truth by parameter path, the
            simulated targets by name, ``seed_entropy`` (of the first replicate),
            ``evaluations`` and ``seconds`` (of its posterior), ``rank PATH`` by path,
            ``usable``.
        excluded: data sets left out because a target was missing at their truth.
        simulations: proposals the N posteriors evaluated (stored or new).
        seconds: wall time of this invocation.
    """

    verdict: Verdict
    datasets: pd.DataFrame
    excluded: int
    simulations: int
    seconds: float


def run_coverage(cal: Calibration, out: Path, n: int, engine: Engine,
                 progress: CoverageProgress | None = None) -> CoverageSummary:  # fmt: skip
    """Run (or resume) the coverage check of ``cal`` on ``n`` data sets into ``out``.

    Raises:
        CalibrationError: the folder holds another calibration, or a simulation failed
            (what finished is kept).
    """
    from scoresim.calibrate.runner import run_calibration

    t0 = time.perf_counter()
    names = cal.names
    store = CalibrationStore.open(out, cal)
    try:
        have = store.coverage()
        known = set(have["dataset"].astype(int)) if not have.empty else set()
        simulator = Simulator(cal)
        futures: dict[Future[dict[str, float]], int] = {}
        for k in range(n):
            if k not in known:
                seeds = data_seeds(cal, k)
                futures[engine.executor.submit(simulate_data, simulator, truth(cal, k), seeds)] = k
        for future, k in futures.items():
            stats = finished_or_fail(
                future, f"coverage data set {k}", "what finished is kept, rerun to go on"
            )
            store.record_coverage_data(k, truth(cal, k), stats, data_seeds(cal, k)[0])
        rows = store.coverage()
    finally:
        store.close()
    rows = rows[rows["dataset"] < n].reset_index(drop=True)
    ranks: dict[int, list[float]] = {
        int(r["dataset"]): list(r["ranks"]) for _, r in rows.iterrows() if _has(r["ranks"])
    }
    for _, row in rows.iterrows():
        k = int(row["dataset"])
        stats = {t.name: float(row[t.name]) for t in cal.config.targets}
        if k in ranks or not all(math.isfinite(v) for v in stats.values()):
            continue

        def told(t: int, accepted: int, wanted: int, evaluated: int, eps: float, k: int = k) -> None:  # fmt: skip
            if progress is not None:
                progress(len(ranks), n, k, t)

        started = time.perf_counter()
        summary = run_calibration(
            as_data(cal, k, stats), out / SUBFOLDER / f"{k:04d}", engine, told
        )
        ranks[k] = ranks_of(cal, summary.population, truth(cal, k))
        store = CalibrationStore.open(out, cal)
        try:
            store.record_coverage_ranks(
                k, ranks[k], summary.evaluations, time.perf_counter() - started
            )
        finally:
            store.close()
    if progress is not None:
        progress(len(ranks), n, -1, -2)
    store = CalibrationStore.open(out, cal)
    try:
        rows = store.coverage()
    finally:
        store.close()
    rows = rows[rows["dataset"] < n].reset_index(drop=True)
    usable = rows["ranks"].map(_has).to_numpy(np.bool_)
    ranked = pd.DataFrame(
        [list(r) for r in rows.loc[usable, "ranks"]], columns=names, dtype=np.float64
    )
    frame = rows.drop(columns=["ranks", "sampler_values"])
    for j, path in enumerate(names):
        frame[f"rank {path}"] = [list(r)[j] if u else math.nan for r, u in zip(rows["ranks"], usable, strict=True)]  # fmt: skip
    frame["usable"] = usable
    return CoverageSummary(
        verdict=check(ranked),
        datasets=frame,
        excluded=int((~usable).sum()),
        simulations=int(rows["evaluations"].fillna(0).sum()),
        seconds=time.perf_counter() - t0,
    )


def _has(ranks: Any) -> bool:
    """Whether a stored ``ranks`` cell holds ranks (not NULL, which reads as NA or NaN)."""
    return isinstance(ranks, list | tuple | np.ndarray)


def describe_row(row: dict[str, Any]) -> str:
    """A coverage row in words, for the CLI."""
    return f"{row['parameter']} at {row['level']:.0%}: {row['coverage']:.0%} ({row['verdict']})"
