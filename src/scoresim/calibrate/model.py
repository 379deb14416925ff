"""The simulator pyabc calls, the seed of every simulation, and what a worker runs.

Seeds. The calibration's ``seed`` is the entropy of one root ``SeedSequence``.
Proposal ``index`` of generation ``t`` (``t = -1`` is pyabc's sample from the prior
that sets the first epsilon) draws its parameters from NumPy's global generator
seeded by the child ``(PROPOSE, t + 1, index)``, and replicate ``r`` of its
simulation runs with the 63-bit seed of the child ``(SIMULATE, t + 1, index, r)``.
Nothing depends on which worker runs it or when it finishes, so a calibration is
reproducible from its file, and a rerun that finds a proposal already simulated in
its folder (same parameters, bit for bit) reuses the stored statistics instead of
running it again (:class:`Simulator`).
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from concurrent.futures import BrokenExecutor, CancelledError, Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from scoresim.calibrate.spec import Calibration, ForecastConfig, TargetConfig
from scoresim.calibrate.statistics import compute, poll_days
from scoresim.core import threads
from scoresim.errors import CalibrationError
from scoresim.experiment.seeds import child_seed, child_words

T = TypeVar("T")

PROPOSE, SIMULATE, PREDICT, NOISE = 1, 2, 3, 4  # the purposes of the root's children


def proposal_words(root: int, generation: int, index: int) -> NDArray[np.uint32]:
    """What NumPy's global generator is seeded with before proposal ``index`` of ``generation``."""
    return child_words(root, PROPOSE, generation + 1, index)


def parameter_key(k: int) -> str:
    """Pyabc's name for the k-th fitted parameter (paths hold dots, pyabc's names need not)."""
    return f"p{k}"


@dataclass
class Context:
    """What the process evaluating one proposal knows about it.

    Attributes:
        generation: The generation (-1 for the prior sample).
        index: The proposal's index within it.
        cached: Stored ``(internal parameters, statistics)`` of this proposal, if any.
        reused: Set when the stored statistics were used instead of simulating.
    """

    generation: int
    index: int
    cached: tuple[tuple[float, ...], dict[str, float]] | None = None
    reused: bool = False


CONTEXT: Context | None = None


class Simulator:
    """``pyabc`` model: sampler-scale parameters in, the targets' statistics out.

    The statistics of a proposal are the means over ``run.replicates`` simulations
    with the proposal's seeds (a replicate with a NaN statistic makes it NaN).
    """

    def __init__(self, calibration: Calibration) -> None:
        """Keep what a simulation needs; pickled to every worker with pyabc's closure."""
        from scoresim.engine.compile import compile_scenario

        self.calibration = calibration
        self.priors = list(calibration.config.parameters.values())
        self.names = calibration.names
        self.poll_days = poll_days(compile_scenario(calibration.scenario.config))

    def values(self, internal: tuple[float, ...]) -> dict[str, float]:
        """Scenario values of sampler-scale parameters, by path."""
        return {n: p.to_value(x) for n, p, x in zip(self.names, self.priors, internal, strict=True)}

    def statistics(
        self, values: dict[str, float], seeds: list[int], forecasts: bool = False
    ) -> dict[str, float]:
        """Mean of each target's statistic over runs with ``seeds`` at parameter ``values``.

        With ``forecasts``, the runs last :attr:`Calibration.predictive_steps` and the
        forecasts' statistics (unscaled) are returned too.
        """
        from scoresim.engine.simulation import simulate

        cal = self.calibration
        run = cal.config.run
        steps = cal.predictive_steps if forecasts else run.steps
        stats: list[TargetConfig | ForecastConfig] = [*cal.config.targets]
        stats += cal.config.forecasts if forecasts else []
        scenario = cal.scenario.with_overrides(cal.overrides(values), label="parameters")
        sums = {s.name: 0.0 for s in stats}
        for seed in seeds:
            with threads.compiled_threads(1):  # the workers share the cores, one run each
                result = simulate(scenario, agents=run.agents, steps=steps, seed=seed)
            for stat in stats:
                sums[stat.name] += compute(stat, result.metrics, self.poll_days)
        return {name: total / len(seeds) for name, total in sums.items()}

    def __call__(self, pars: dict[str, float]) -> dict[str, float]:
        """Simulate (or reuse the stored result of) the proposal :data:`CONTEXT` names."""
        ctx = CONTEXT
        assert ctx is not None, "a proposal is evaluated through evaluate()"
        internal = tuple(float(pars[parameter_key(k)]) for k in range(len(self.names)))
        if ctx.cached is not None and ctx.cached[0] == internal:
            ctx.reused = True
            return dict(ctx.cached[1])
        root = self.calibration.config.seed
        seeds = [
            child_seed(root, SIMULATE, ctx.generation + 1, ctx.index, r)
            for r in range(self.calibration.config.run.replicates)
        ]
        return self.statistics(self.values(internal), seeds)


def evaluate_at(simulator: Simulator, values: dict[str, float], seeds: list[int]) -> dict[str, float]:  # fmt: skip
    """The targets' statistics at ``values``, as a proposal's (a top-level function, for any executor)."""
    return simulator.statistics(values, seeds)


def timed_evaluate_at(simulator: Simulator, values: dict[str, float], seeds: list[int]) -> tuple[dict[str, float], float]:  # fmt: skip
    """:func:`evaluate_at`, and the seconds it took, timed in the worker (no time queued)."""
    t0 = time.perf_counter()
    stats = evaluate_at(simulator, values, seeds)
    return stats, time.perf_counter() - t0


class Distance:
    """Root mean square of the targets' standardised errors, ``(sim - value) / sd``.

    A statistic that is NaN or whose standardised error overflows makes the distance
    infinite, and a proposal at an infinite distance is never accepted
    (:class:`scoresim.calibrate.runner.FiniteAcceptor`). Squares that overflow while
    the errors do not are summed by ``math.hypot``, so the distance stays finite.
    """

    def __init__(self, sd: dict[str, float]) -> None:
        """``sd``: each target's uncertainty, by name."""
        self.sd = dict(sd)

    def __call__(self, x: dict[str, float], x0: dict[str, float]) -> float:
        """The distance between simulated ``x`` and observed ``x0`` statistics."""
        total = 0.0
        errors = []
        for name, sd in self.sd.items():
            z = (float(x[name]) - float(x0[name])) / sd
            if not math.isfinite(z):
                return math.inf
            errors.append(z)
            total += z * z
        if math.isinf(total):
            return math.hypot(*errors) / math.sqrt(len(errors))
        return math.sqrt(total / len(self.sd))


@dataclass
class Evaluated:
    """One evaluated proposal, as it comes back from a worker.

    Attributes:
        generation: The generation.
        index: The proposal's index.
        particle: pyabc's particle (parameters, statistics, distance, weight, accepted).
        seconds: Wall time of the evaluation.
        reused: The statistics were read from the folder, not simulated.
    """

    generation: int
    index: int
    particle: Any = field(repr=False)
    seconds: float
    reused: bool


TRANSIENT = (OSError, MemoryError, BrokenExecutor, CancelledError)
"""Failures of the machine, not of the simulation: a rerun may get past them. Any other
error is the same on every rerun, since a simulation's seeds are fixed."""


def finished_or_fail(future: Future[T], what: str, kept: str) -> T:
    """The simulation's result, or a one-line CalibrationError naming ``what`` failed.

    Raises:
        CalibrationError: ``what: the simulation failed (Type: message); kept`` when a
            rerun may succeed (:data:`TRANSIENT`); otherwise the advice says a rerun
            fails the same way and to change the file.
    """
    try:
        return future.result()
    except Exception as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        if not isinstance(exc, TRANSIENT):
            kept = (
                "a rerun fails the same way (the simulation's seeds are fixed): change the "
                "calibration file and run it with a new --out"
            )
        raise CalibrationError(
            f"{what}: the simulation failed ({type(exc).__name__}: {message[:200]}); {kept}"
        ) from None


_LAST: tuple[str, Any] | None = None  # the unpickled closure of the current generation


def digest(blob: bytes) -> str:
    """A short name for a pickled closure (one per generation)."""
    return hashlib.sha256(blob).hexdigest()[:16]


def evaluate(
    blob: bytes,
    name: str,
    generation: int,
    index: int,
    words: NDArray[np.uint32],
    cached: tuple[tuple[float, ...], dict[str, float]] | None,
) -> Evaluated:
    """Evaluate proposal ``index`` of ``generation`` with pyabc's pickled closure ``blob``.

    A plain top-level function of picklable arguments, so that any executor (a local
    process pool, Dask) runs it; the closure is unpickled once per generation and
    process.
    """
    global CONTEXT, _LAST
    import cloudpickle

    if _LAST is None or _LAST[0] != name:
        _LAST = (name, cloudpickle.loads(blob))
    simulate_one = _LAST[1]
    np.random.seed(words)
    random.seed(int(words[0]))
    CONTEXT = Context(generation, index, cached)
    t0 = time.perf_counter()
    try:
        particle = simulate_one()
        return Evaluated(generation, index, particle, time.perf_counter() - t0, CONTEXT.reused)
    finally:
        CONTEXT = None
