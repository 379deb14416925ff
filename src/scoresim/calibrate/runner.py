"""Running a calibration: pyabc's ABC-SMC with the ordered sampler, into a folder.

pyabc (Klinger, Rickert & Hasenauer 2018) does the inference: uniform priors on the
sampler's scale (log10 of a log-uniform parameter), a multivariate normal kernel
fitted to each population, epsilon the ``abc.quantile`` of the last population's
distances, stopping at ``abc.min_epsilon``, ``abc.generations`` or
``abc.max_simulations``. Its own database is only its working memory (a temporary
file): the folder's DuckDB catalogue holds everything, and a rerun replays the
stored simulations through pyabc to reach the same state (see
:mod:`scoresim.calibrate.sampler`).

A proposal at an infinite distance is never accepted (:class:`FiniteAcceptor`), and
a generation whose epsilon is not finite stops the calibration with one line
(:mod:`scoresim.calibrate.unreachable`). A rerun that would stop before the last
generation its folder holds is refused (:func:`check_not_shorter`): the folder's
tables would otherwise describe two different ends.
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyabc

from scoresim.calibrate.model import (
    Distance,
    Evaluated,
    Simulator,
    parameter_key,
)
from scoresim.calibrate.spec import Calibration
from scoresim.calibrate.store import CalibrationStore
from scoresim.errors import CalibrationError
from scoresim.experiment.executors import Engine

# (generation, accepted, wanted, evaluated, epsilon or NaN)
ProgressFn = Callable[[int, int, int, int, float], None]


@dataclass(frozen=True)
class CalibrationSummary:
    """How a calibration invocation went.

    Attributes:
        generations: Generations finished (the prior sample not counted).
        epsilon: The last generation's epsilon.
        simulated: Proposals simulated by this invocation.
        reused: Proposals replayed from the folder.
        evaluations: Proposals evaluated in all generations (pyabc's count).
        seconds: Wall time of this invocation.
        training: The neural method's network: ``simulations`` it was trained on,
            ``epochs``, ``seconds``, ``constant_targets`` (the targets equal in
            every simulation, which tell it nothing) and ``outlier_targets`` (those
            with values beyond 10 interquartile ranges of their quartiles, whose
            standardisation loses precision), ``share_below`` (per target, the share
            of those simulations whose statistic is below the observed value) and
            ``unreached_targets`` (in words, each target whose observed value is
            beyond all of them, where the network extrapolates); None for ABC.
        population: The last generation's population (``proposal``, each parameter,
            ``distance``, ``weight`` normalised to 1).
    """

    generations: int
    epsilon: float
    simulated: int
    reused: int
    evaluations: int
    seconds: float
    population: pd.DataFrame
    training: dict[str, Any] | None = None


class FiniteAcceptor(pyabc.UniformAcceptor):  # type: ignore[misc]  # pyabc has no type hints
    """Pyabc's uniform acceptor (``distance <= epsilon``), never accepting an infinite distance.

    Without it an infinite epsilon accepts every proposal, and the prior is passed off
    as the posterior.
    """

    def __call__(self, distance_function: Any, eps: Any, x: Any, x_0: Any, t: int, par: Any) -> Any:  # fmt: skip
        """Pyabc's verdict, turned to a rejection when the distance is not finite."""
        result = super().__call__(distance_function, eps, x, x_0, t, par)
        if not math.isfinite(float(result.distance)):
            result.accept = False
        return result


def check_not_shorter(cal: Calibration, store: CalibrationStore, out: Path, last: int) -> None:
    """Refuse a run that ends at generation ``last`` in a folder holding a later one.

    Raises:
        CalibrationError: The folder holds a later generation; nothing is changed.
    """
    held = store.last_generation()
    if held > last:
        abc = cal.config.abc
        raise CalibrationError(
            f"{out}: holds generations 0 to {held}, and {cal.origin} stops after "
            f"generation {last} (abc.generations: {abc.generations}, min_epsilon: "
            f"{abc.min_epsilon:g}, max_simulations: {abc.max_simulations}); rerun with "
            f"generations: {held + 1} and the stopping rules that reached it, or give "
            "another --out (the folder is left as it was)"
        )


def quiet_pyabc() -> None:
    """Pyabc logs every generation at INFO; the progress bar says what matters."""
    logging.getLogger("ABC").setLevel(logging.WARNING)


def priors(cal: Calibration) -> Any:
    """Pyabc's prior: uniform on each parameter's sampler scale."""
    import pyabc

    rvs = {}
    for k, prior in enumerate(cal.config.parameters.values()):
        a, b = prior.bounds
        rvs[parameter_key(k)] = pyabc.RV("uniform", a, b - a)
    return pyabc.Distribution(**rvs)


def observed(cal: Calibration) -> dict[str, float]:
    """The targets' observed values, by name."""
    return {t.name: t.value for t in cal.config.targets}


def run_calibration(
    cal: Calibration, out: Path, engine: Engine, progress: ProgressFn | None = None
) -> CalibrationSummary:
    """Run (or resume) ``cal`` into the folder ``out`` on ``engine``.

    Raises:
        CalibrationError: The folder holds another calibration or is in use, or a
            simulation failed (what finished is kept).
    """
    from scoresim.calibrate.sampler import OrderedSampler
    from scoresim.calibrate.unreachable import no_finite_epsilon

    if cal.config.method != "abc":
        raise ValueError(f"run_calibration runs ABC; {cal.origin} asks for {cal.config.method} (use fit)")  # fmt: skip
    t0 = time.perf_counter()
    quiet_pyabc()
    cfg = cal.config
    store = CalibrationStore.open(out, cal)
    try:
        check_not_shorter(cal, store, out, cfg.abc.generations - 1)
        holder: dict[str, Any] = {}

        def epsilon(t: int) -> float:
            abc = holder.get("abc")
            return float(abc.eps(t)) if abc is not None and t >= 0 else math.nan

        def finished(t: int, used: list[Evaluated]) -> None:
            eps = epsilon(t)
            holder["last"] = (t, store.finish_generation(t, used, None if math.isnan(eps) else eps))

        def told(t: int, accepted: int, wanted: int, evaluated: int) -> None:
            if progress is not None:
                progress(t, accepted, wanted, evaluated, epsilon(t))

        def starting(t: int) -> None:
            if t >= 0 and not math.isfinite(epsilon(t)):
                raise no_finite_epsilon(cal, store, out, t)

        sampler = OrderedSampler(
            engine, cfg.seed, store.cached, store.record, told, finished, starting
        )
        abc = pyabc.ABCSMC(
            Simulator(cal),
            priors(cal),
            Distance({t.name: t.sd for t in cfg.targets}),
            population_size=cfg.abc.population,
            sampler=sampler,
            eps=pyabc.QuantileEpsilon(alpha=cfg.abc.quantile),
            acceptor=FiniteAcceptor(),
        )
        holder["abc"] = abc
        with tempfile.TemporaryDirectory(prefix="scoresim-pyabc-") as tmp:
            abc.new(f"sqlite:///{Path(tmp) / 'history.db'}", observed(cal))
            history = abc.run(
                minimum_epsilon=cfg.abc.min_epsilon,
                max_nr_populations=cfg.abc.generations,
                max_total_nr_simulations=cfg.abc.max_simulations,
            )
            evaluations = int(history.total_nr_simulations)
        last_t, population = holder["last"]
        check_not_shorter(cal, store, out, last_t)
        return CalibrationSummary(
            generations=last_t + 1,
            epsilon=epsilon(last_t),
            simulated=sampler.simulated,
            reused=sampler.reused,
            evaluations=evaluations,
            seconds=time.perf_counter() - t0,
            population=population,
        )
    finally:
        store.close()


def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """Quantiles of the weighted sample (x, w): the smallest x whose cumulative weight reaches q.

    Args:
        x: (n,) float64 values.
        w: (n,) float64 weights, summing to 1 (or any positive total).
        qs: The probabilities, each in (0, 1).
    """
    order = np.argsort(x, kind="stable")
    xs, cw = x[order], np.cumsum(w[order])
    cw /= cw[-1]
    return [float(xs[min(int(np.searchsorted(cw, q, side="left")), len(xs) - 1)]) for q in qs]
