"""Running the coverage check of a calibration file: N synthetic data sets, N posteriors.

Data set ``k`` (0, 1, ...) draws its true parameters uniformly on each prior's sampler
scale from the generator seeded by the child ``(COVERAGE, k + 1, 0)`` of the file's
seed, and simulates the targets there with the seeds ``(COVERAGE, k + 1, 1, r)``, one
per replicate, exactly as a proposal's statistics are simulated. Those statistics
replace the targets' values (the sds stay the file's), and the method's posterior is
computed from them: for ABC, a whole calibration with the file's settings and the
seed ``(COVERAGE, k + 1, 2)``, in its own resumable folder ``DIR/coverage/kkkk-TAG``
(TAG: eight hex digits of the settings that shape the posterior, so a check under other
settings never meets, and never refuses, the folders of an earlier one).

The data sets live in the table ``coverage`` of the folder's catalogue, one row each,
inserted as soon as simulated; a row's ranks are filled when its posterior is done.
A rerun with the same N finds them all and recomputes nothing; a larger N adds data
sets (the first N are the same). A data set whose targets cannot be computed (a
statistic missing at its truth) is kept, marked, and left out of the check, and the
results say how many were. A data set whose neural posterior lies outside the prior
(:class:`scoresim.calibrate.neural.OutsidePriorError`) is kept with no ranks, marked
``outside_prior``, and fails the check.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from collections.abc import Callable
from concurrent.futures import Future, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoresim.calibrate.coverage import Verdict, check, rank
from scoresim.calibrate.model import Simulator, evaluate_at, finished_or_fail
from scoresim.calibrate.spec import Calibration
from scoresim.calibrate.store import CalibrationStore
from scoresim.errors import CalibrationError
from scoresim.experiment.executors import Engine
from scoresim.experiment.seeds import child_seed

COVERAGE = 5
"""The purpose of the root's children that the coverage check uses (see model.py)."""
SUBFOLDER = "coverage"

# (data sets with a posterior, data sets that can have one (N less those missing a target),
# the data set now computing or -1, its generation; -1, -1: simulating the network's
# training set, -1, 0: training it, -1, -2: done)
CoverageProgress = Callable[[int, int, int, int], None]


def truth(cal: Calibration, k: int) -> tuple[float, ...]:
    """Data set k's true parameters on the sampler scale (uniform on each prior's support)."""
    rng = np.random.default_rng(child_seed(cal.config.seed, COVERAGE, k + 1, 0))
    return tuple(float(rng.uniform(*p.bounds)) for p in cal.config.parameters.values())


def data_seeds(cal: Calibration, k: int) -> list[int]:
    """The seeds of data set k's simulations, one per replicate."""
    return [child_seed(cal.config.seed, COVERAGE, k + 1, 1, r) for r in range(cal.config.run.replicates)]  # fmt: skip


def as_data(cal: Calibration, k: int, stats: dict[str, float]) -> Calibration:
    """``cal`` with its targets' values replaced by data set k's, and its own seed."""
    targets = [t.model_copy(update={"value": stats[t.name]}) for t in cal.config.targets]
    seed = child_seed(cal.config.seed, COVERAGE, k + 1, 2)
    config = cal.config.model_copy(update={"targets": targets, "seed": seed})
    return dataclasses.replace(cal, config=config, origin=f"{cal.origin} (coverage data set {k})")


def ranks_of(cal: Calibration, population: pd.DataFrame, internal: tuple[float, ...]) -> tuple[list[float], list[float]]:  # fmt: skip
    """Each parameter's rank of the truth in a weighted population, and its interval's width.

    The width is the posterior's 90% interval over the prior's (``width_ratio`` of the
    posterior table), both on the sampler scale.
    """
    from scoresim.calibrate.runner import weighted_quantiles

    w = population["weight"].to_numpy(np.float64)
    ranks, widths = [], []
    for (path, prior), x in zip(cal.config.parameters.items(), internal, strict=True):
        draws = np.array([prior.to_internal(v) for v in population[path]], np.float64)
        ranks.append(rank(draws, w, x))
        low, high = weighted_quantiles(draws, w, (0.05, 0.95))
        a, b = prior.bounds
        widths.append((high - low) / (0.9 * (b - a)))
    return ranks, widths


@dataclass(frozen=True)
class CoverageSummary:
    """What a coverage check found and cost.

    Attributes:
        verdict: the coverage table and rank histograms (:mod:`scoresim.calibrate.coverage`).
        datasets: the data sets' rows: ``dataset``, the truth by parameter path, the
            simulated targets by name, ``seed_entropy`` (of the first replicate),
            ``evaluations`` and ``seconds`` (of its posterior), ``rank PATH`` and
            ``width PATH`` (its 90% interval over the prior's) by path, ``usable``.
        excluded: data sets left out because a target was missing at their truth.
        outside_prior: data sets whose neural posterior lay almost wholly outside the
            prior (:class:`scoresim.calibrate.neural.OutsidePriorError`); they have no
            ranks, and any of them fails the check.
        simulations: simulations the N posteriors took (stored or new): the proposals
            of their ABC calibrations, or the neural network's training set (the data
            sets' own simulations not counted).
        seconds: wall time of this invocation.
    """

    verdict: Verdict
    datasets: pd.DataFrame
    excluded: int
    outside_prior: int
    simulations: int
    seconds: float


# ABC settings that do not change a posterior: the predictive check's and the noise
# floor's sizes (a coverage check runs neither).
_NOT_POSTERIOR = {"predictive", "noise"}


def settings(cal: Calibration) -> str:
    """The method's settings that a data set's posterior depends on, as stored beside its ranks.

    Ranks stored under other settings (more generations, more simulations, another
    flow) are computed again, not reused; the sizes of the predictive check and the
    noise floor are not among them.
    """
    if cal.config.method == "neural":
        chosen = cal.config.neural.model_dump(mode="json")
    else:
        chosen = cal.config.abc.model_dump(mode="json", exclude=_NOT_POSTERIOR)
    return json.dumps(chosen, sort_keys=True, allow_nan=False)


def subfolder(cal: Calibration, out: Path, k: int) -> Path:
    """Data set k's ABC calibration folder under ``out``: ``coverage/kkkk-TAG``.

    TAG is the first eight hex digits of the SHA-256 of :func:`settings`, so that
    lowering ``abc.generations`` starts new calibrations instead of meeting a longer
    one (which a calibration folder refuses), and raising it does too (the ranks of
    either are not the other's).
    """
    tag = hashlib.sha256(settings(cal).encode()).hexdigest()[:8]
    return out / SUBFOLDER / f"{k:04d}-{tag}"


def _refuse_link(path: Path) -> None:
    """Refuse a ``coverage`` folder (or a data set's) that is a symbolic link.

    Raises:
        CalibrationError: it is one; scoresim writes only inside the folder it was given.
    """
    if path.is_symlink():
        raise CalibrationError(
            f"{path}: is a symbolic link, and a coverage check writes its data sets' "
            "calibrations only inside the results folder; remove the link or give "
            "another --out"
        )


def run_coverage(cal: Calibration, out: Path, n: int, engine: Engine,
                 progress: CoverageProgress | None = None) -> CoverageSummary:  # fmt: skip
    """Run (or resume) the coverage check of ``cal`` on ``n`` data sets into ``out``.

    Raises:
        CalibrationError: the folder holds another calibration, or a simulation failed
            (what finished is kept).
    """
    t0 = time.perf_counter()
    _refuse_link(out / SUBFOLDER)
    # One connection for the whole check: each row is its own transaction, so a kill
    # loses only the data set in flight, and the catalogue is read once, not per data set.
    store = CalibrationStore.open(out, cal, coverage=True)
    try:
        return _run(cal, out, n, engine, progress, store, t0)
    finally:
        store.close()


def _run(cal: Calibration, out: Path, n: int, engine: Engine, progress: CoverageProgress | None,
         store: CalibrationStore, t0: float) -> CoverageSummary:  # fmt: skip
    rows = _data(cal, store, n, engine)
    tag = settings(cal)
    ranks = {int(r["dataset"]): list(r["ranks"]) for _, r in rows.iterrows()
             if _has(r["ranks"]) and r["settings"] == tag}  # fmt: skip
    todo = [(int(r["dataset"]), {t.name: float(r[t.name]) for t in cal.config.targets})
            for _, r in rows.iterrows() if int(r["dataset"]) not in ranks]  # fmt: skip
    todo = [(k, stats) for k, stats in todo if all(math.isfinite(v) for v in stats.values())]
    # The bar's total: data sets a posterior can be computed for (a data set missing a
    # target at its truth never gets one, and would keep the bar short of its end).
    total = len(ranks) + len(todo)
    posteriors = _neural if cal.config.method == "neural" else _abc
    posteriors(cal, out, store, engine, todo, lambda k, t: progress and progress(len(ranks), total, k, t), ranks)  # fmt: skip
    if progress is not None:
        progress(len(ranks), total, -1, -2)
    rows = store.coverage()
    rows = rows[rows["dataset"] < n].reset_index(drop=True)
    trained = cal.config.neural.simulations if cal.config.method == "neural" else 0
    leaked = rows["ranks"].map(lambda r: _has(r) and len(r) == 0).to_numpy(np.bool_)
    usable = rows["ranks"].map(lambda r: _has(r) and len(r) > 0).to_numpy(np.bool_)
    if usable.sum() < 2 and leaked.any():
        raise CalibrationError(
            f"{cal.origin}: of {n} coverage data sets, {int(usable.sum())} have a posterior, "
            f"{int(leaked.sum())} a posterior outside the prior and "
            f"{int(n - usable.sum() - leaked.sum())} a target missing at their truth; the "
            "check needs 2 posteriors: train the network on more simulations "
            "(neural.simulations)"
        )
    if usable.sum() < 2:
        missing = [t.name for t in cal.config.targets if rows[t.name].isna().any()]
        raise CalibrationError(
            f"{cal.origin}: only {int(usable.sum())} of {n} coverage data sets have every "
            f"target at their truth (missing: {', '.join(missing) or 'none'}); the check needs "
            "2 or more: use more agents (run.agents), a later day or a statistic every run "
            "can compute"
        )
    ranked = pd.DataFrame([list(r) for r in rows.loc[usable, "ranks"]], columns=cal.names, dtype=np.float64)  # fmt: skip
    frame = rows.drop(columns=["ranks", "widths", "sampler_values", "settings"])
    for j, path in enumerate(cal.names):
        frame[f"rank {path}"] = [list(r)[j] if u else math.nan for r, u in zip(rows["ranks"], usable, strict=True)]  # fmt: skip
        frame[f"width {path}"] = [list(r)[j] if u else math.nan for r, u in zip(rows["widths"], usable, strict=True)]  # fmt: skip
    frame["usable"] = usable
    frame["outside_prior"] = leaked
    verdict = check(ranked)
    means = {path: float(frame.loc[usable, f"width {path}"].mean()) for path in cal.names}
    verdict.table["mean_width_ratio"] = verdict.table["parameter"].map(means)
    return CoverageSummary(
        verdict=verdict,
        datasets=frame,
        excluded=int((~usable & ~leaked).sum()),
        outside_prior=int(leaked.sum()),
        simulations=int(rows["evaluations"].fillna(0).sum()) + trained,
        seconds=time.perf_counter() - t0,
    )


def _data(cal: Calibration, store: CalibrationStore, n: int, engine: Engine) -> pd.DataFrame:
    """Simulate the data sets not yet stored; return data sets 0 to n - 1."""
    have = store.coverage()
    known = set(have["dataset"].astype(int)) if not have.empty else set()
    simulator = Simulator(cal)
    futures: dict[Future[dict[str, float]], int] = {}
    for k in range(n):
        if k not in known:
            values = simulator.values(truth(cal, k))
            futures[engine.executor.submit(evaluate_at, simulator, values, data_seeds(cal, k))] = k  # fmt: skip
    # Recorded as they finish, and every one that finishes is recorded before a failure
    # is raised, so a rerun simulates only what did not finish.
    failure: CalibrationError | None = None
    for future in as_completed(futures):
        k = futures[future]
        try:
            stats = finished_or_fail(future, f"coverage data set {k}", "what finished is kept, rerun to go on")  # fmt: skip
        except CalibrationError as exc:
            failure = failure or exc
            continue
        store.record_coverage_data(k, truth(cal, k), stats, data_seeds(cal, k)[0])
    if failure is not None:
        raise failure
    rows = store.coverage()
    return rows[rows["dataset"] < n].reset_index(drop=True)


Todo = list[tuple[int, dict[str, float]]]
Told = Callable[[int, int], object]


def _abc(cal: Calibration, out: Path, store: CalibrationStore, engine: Engine, todo: Todo,
         told: Told, ranks: dict[int, list[float]]) -> None:  # fmt: skip
    """Each data set's ABC posterior: a whole calibration in its own folder."""
    from scoresim.calibrate.runner import run_calibration

    for k, stats in todo:
        started = time.perf_counter()
        folder = subfolder(cal, out, k)
        _refuse_link(folder)

        def bar(t: int, accepted: int, wanted: int, evaluated: int, eps: float, k: int = k) -> None:  # fmt: skip
            told(k, t)

        summary = run_calibration(as_data(cal, k, stats), folder, engine, bar)  # fmt: skip
        ranks[k], widths = ranks_of(cal, summary.population, truth(cal, k))
        store.record_coverage_ranks(k, ranks[k], widths, summary.evaluations,
                                    time.perf_counter() - started, settings(cal))  # fmt: skip


def _neural(cal: Calibration, out: Path, store: CalibrationStore, engine: Engine, todo: Todo,
            told: Told, ranks: dict[int, list[float]]) -> None:  # fmt: skip
    """Each data set's neural posterior: one network, trained once, asked N times.

    The network is the fit's (the folder's simulations from the prior, trained as the
    fit trains it); data set k's draws are seeded by the child ``(TRAIN, 2, k + 1)``.
    """
    from scoresim.calibrate import neural

    if not todo:
        return
    neural.require()

    def bar(t: int, accepted: int, wanted: int, evaluated: int, eps: float) -> None:
        told(-1, -1)

    neural.simulate(cal, store, engine, bar)
    theta, x = neural.training_set(cal, store)
    told(-1, 0)
    net = neural.Posterior(cal, theta, x)
    for k, stats in todo:
        started = time.perf_counter()
        try:
            draws = net.sample(stats, cal.config.neural.draws, 2, k + 1)
        except neural.OutsidePriorError:
            # Recorded (no ranks: an empty list) so that a rerun does not wait on it
            # again; it fails the check rather than being left out of it quietly.
            ranks[k], widths = [], list[float]()
        else:
            ranks[k], widths = ranks_of(cal, neural.population(cal, draws), truth(cal, k))
        store.record_coverage_ranks(k, ranks[k], widths, 0, time.perf_counter() - started, settings(cal))  # fmt: skip
        told(k, 0)


def _has(ranks: Any) -> bool:
    """Whether a stored ``ranks`` cell holds ranks (not NULL, which reads as NA or NaN)."""
    return isinstance(ranks, list | tuple | np.ndarray)


def describe_row(row: dict[str, Any]) -> str:
    """A coverage row in words, for the CLI."""
    return f"{row['parameter']} at {row['level']:.0%}: {row['coverage']:.0%} ({row['verdict']})"
