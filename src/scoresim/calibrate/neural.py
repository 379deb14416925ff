"""Neural posterior estimation beside ABC: sbi's NPE on the same engines, seeds and catalogue.

Simulations. Proposal ``i`` (0 to ``neural.simulations - 1``) draws its parameters
uniformly on each prior's sampler scale (log10 for a log-uniform prior) from the
generator seeded by the root's child ``(PROPOSE, 0, i)``, and replicate ``r`` runs
with the seed ``(SIMULATE, 0, i, r)``, the seed ABC's prior sample gives its proposal
``i``. Each is stored in ``simulations`` as generation -1 (the prior sample),
accepted, weight 1, with its distance to the targets; a rerun answers every stored
proposal from the folder (same parameters, bit for bit) and simulates only the rest,
so more simulations extend the first ones.

Training. NPE (Papamakarios & Murray 2016; Greenberg, Nonnenmacher & Macke 2019) as
the sbi package implements it (Tejero-Cantero et al. 2020; Boelts et al. 2025): a
normalising flow (``neural.estimator``: a masked autoregressive flow, ``maf``, or a
neural spline flow, ``nsf``) is trained to give ``p(theta | x)`` on the simulations
whose every target is finite, theta on the sampler scale under the box-uniform prior,
x the targets' statistics over their sds. Torch is seeded with the child ``(TRAIN,)``
and runs on one thread, so the same simulations train the same network, bit for bit.

Posterior. ``neural.draws`` samples at the targets' values (torch seeded with the
child ``(TRAIN, 1)``), with equal weights, written as generation 0's particles: the
posterior table, the predictive check, the noise floor and the figures read them as
they read ABC's last population. The network is amortised: the coverage check asks
it for the posterior of each synthetic data set without training again
(:mod:`scoresim.calibrate.coverage_run`).
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import time
import warnings
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoresim.calibrate.model import (
    PROPOSE,
    SIMULATE,
    Simulator,
    finished_or_fail,
    timed_evaluate_at,
)
from scoresim.calibrate.reach import Reach
from scoresim.calibrate.runner import CalibrationSummary, ProgressFn
from scoresim.calibrate.spec import Calibration
from scoresim.calibrate.store import CalibrationStore
from scoresim.errors import CalibrationError
from scoresim.experiment.executors import Engine
from scoresim.experiment.seeds import child_seed

TRAIN = 6
"""The purpose of the root's children that seed torch (training, then sampling)."""
PILOT = 10_000
"""Draws of the network taken, before a posterior's own, to see how many fall inside the prior."""
LEAST_INSIDE = 1e-3
"""Below this share of the pilot inside the prior, the posterior is said to lie outside
it (decided by seeded draws, not by a clock: the same on every machine)."""
SAMPLING_SECONDS = 600.0
"""How long drawing one posterior's samples may take, as a last guard: rejection sampling
keeps only the draws inside the prior, and past the pilot it should need seconds."""
PRIOR_SAMPLE = -1
"""The generation the neural method's simulations are stored under."""


class OutsidePriorError(CalibrationError):
    """The network's posterior at a data set lies almost wholly outside the prior."""


def require() -> None:
    """Refuse, in one line, the neural method where its libraries are not installed.

    Raises:
        CalibrationError: torch or sbi cannot be imported.
    """
    import importlib.util

    missing = [m for m in ("torch", "sbi") if importlib.util.find_spec(m) is None]
    if missing:
        raise CalibrationError(
            f"method: neural needs {' and '.join(missing)}, which are not installed; "
            "pip install 'scoresim[neural]' (or use method: abc)"
        )


def proposal(cal: Calibration, i: int) -> tuple[float, ...]:
    """Proposal i's sampler-scale parameters: uniform on each prior's support."""
    rng = np.random.default_rng(child_seed(cal.config.seed, PROPOSE, 0, i))
    return tuple(float(rng.uniform(*p.bounds)) for p in cal.config.parameters.values())


def seeds(cal: Calibration, i: int) -> list[int]:
    """The seeds of proposal i's replicates."""
    return [child_seed(cal.config.seed, SIMULATE, 0, i, r) for r in range(cal.config.run.replicates)]  # fmt: skip


def simulate(cal: Calibration, store: CalibrationStore, engine: Engine, progress: ProgressFn | None) -> tuple[int, int]:  # fmt: skip
    """Run the proposals not yet in the store; return (simulated now, reused)."""
    n = cal.config.neural.simulations
    have = store.cached(PRIOR_SAMPLE)
    todo = [i for i in range(n) if i not in have or have[i][0] != proposal(cal, i)]
    reused = n - len(todo)
    simulator = Simulator(cal)
    done = reused
    if progress is not None:
        progress(PRIOR_SAMPLE, done, n, done, math.nan)
    running: dict[Future[tuple[dict[str, float], float]], tuple[int, tuple[float, ...], list[int]]] = {}  # fmt: skip
    queue = iter(todo)
    while True:
        while len(running) < 2 * engine.slots and (i := next(queue, None)) is not None:
            internal, own = proposal(cal, i), seeds(cal, i)
            future = engine.executor.submit(timed_evaluate_at, simulator, simulator.values(internal), own)  # fmt: skip
            running[future] = (i, internal, own)
        if not running:
            break
        finished, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in sorted(finished, key=lambda f: running[f][0]):
            i, internal, own = running.pop(future)
            # Timed in the worker: twice as many are in flight as there are workers, so
            # the time since submission would count the wait in the queue too.
            stats, seconds = finished_or_fail(future, f"simulation {i}", "what finished is kept, rerun to go on")  # fmt: skip
            store.record_plain(PRIOR_SAMPLE, i, internal, stats, own[0], seconds)
            done += 1
            if progress is not None:
                progress(PRIOR_SAMPLE, done, n, done, math.nan)
    return len(todo), reused


def training_set(cal: Calibration, store: CalibrationStore) -> tuple[np.ndarray, np.ndarray]:
    """(S', P) sampler-scale parameters and (S', T) statistics over sds, finite rows only."""
    n = cal.config.neural.simulations
    have = store.cached(PRIOR_SAMPLE)
    sds = np.array([t.sd for t in cal.config.targets], np.float64)
    theta = np.array([have[i][0] for i in range(n)], np.float64)
    x = np.array([[have[i][1][t.name] for t in cal.config.targets] for i in range(n)], np.float64) / sds  # fmt: skip
    keep = np.isfinite(x).all(axis=1)
    if keep.sum() < 50:
        raise CalibrationError(
            f"{cal.origin}: only {int(keep.sum())} of {n} simulations have every target; "
            "the network needs 50 or more: widen the priors or check the targets"
        )
    return theta[keep], x[keep]


class Posterior:
    """A trained NPE network, amortised: the posterior of any data set, without training again."""

    def __init__(self, cal: Calibration, theta: np.ndarray, x: np.ndarray) -> None:
        """Train on (S, P) sampler-scale parameters and (S, T) statistics over sds."""
        import torch
        from sbi.inference import NPE
        from sbi.utils import BoxUniform

        self.cal = cal
        self.simulations = int(theta.shape[0])
        self.sds = np.array([t.sd for t in cal.config.targets], np.float64)
        bounds = np.array([p.bounds for p in cal.config.parameters.values()], np.float64)
        t0 = time.perf_counter()
        # A target the same in every simulation tells the network nothing: said in the
        # results (``constant_targets``) rather than by sbi's warning.
        names = [t.name for t in cal.config.targets]
        self.constant = [n for n, c in zip(names, np.ptp(x, axis=0) == 0, strict=True) if c]
        # Likewise a target with values beyond 10 interquartile ranges of its quartiles
        # (sbi's own test): standardising it loses precision; named in ``outlier_targets``.
        q1, q3 = np.percentile(x, [25, 75], axis=0)
        far = ((x < q1 - 10 * (q3 - q1)) | (x > q3 + 10 * (q3 - q1))).any(axis=0) & (q3 > q1)
        self.outliers = [n for n, f in zip(names, far, strict=True) if f]
        # Where the data lie among the training simulations: a target outside all of
        # them is where the network can only extrapolate (said before it is trusted).
        self.reach = Reach(names, self.sds, x)
        observed = {t.name: t.value for t in cal.config.targets}
        self.share_below = self.reach.share_below(observed)
        self.unreached = self.reach.beyond(observed)
        with _one_thread(), _silent(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Data has constant values", UserWarning)
            warnings.filterwarnings("ignore", "Data has extreme outliers", UserWarning)
            torch.manual_seed(child_seed(cal.config.seed, TRAIN))
            prior = BoxUniform(low=torch.tensor(bounds[:, 0], dtype=torch.float32),
                               high=torch.tensor(bounds[:, 1], dtype=torch.float32))  # fmt: skip
            npe = NPE(prior=prior, density_estimator=cal.config.neural.estimator,
                      show_progress_bars=False, tracker=_NoLog())  # fmt: skip
            npe.append_simulations(torch.tensor(theta, dtype=torch.float32),
                                   torch.tensor(x, dtype=torch.float32))  # fmt: skip
            estimator = npe.train(show_train_summary=False)
            self.epochs = int(npe._summary["epochs_trained"][-1])
            self.posterior = npe.build_posterior(estimator)
        self.seconds = time.perf_counter() - t0

    def sample(self, stats: dict[str, float], n: int, *key: int) -> np.ndarray:
        """(n, P) sampler-scale draws given the targets' statistics; torch seeded by ``key``.

        Raises:
            OutsidePriorError: fewer than :data:`LEAST_INSIDE` of :data:`PILOT` draws
                (torch seeded by ``key + (0,)``) fell inside the prior, or, as a last
                guard, ``n`` draws inside it were not found in :data:`SAMPLING_SECONDS`.
        """
        import torch
        from sbi.utils.sbiutils import within_support

        x = torch.tensor(self.reach.scaled(stats), dtype=torch.float32)
        with _one_thread(), _silent(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", ".*outside.*prior", UserWarning)
            torch.manual_seed(child_seed(self.cal.config.seed, TRAIN, *key, 0))
            pilot = self.posterior.sample((PILOT,), x=x, show_progress_bars=False,
                                          reject_outside_prior=False)  # fmt: skip
        # The test sbi's rejection sampling applies to each draw below, so the two agree.
        inside = int(within_support(self.posterior.prior, pilot).sum())
        if inside < LEAST_INSIDE * PILOT:
            raise self._outside(stats, f"{inside:,} of {PILOT:,} draws fell inside it")
        with _one_thread(), _silent():
            torch.manual_seed(child_seed(self.cal.config.seed, TRAIN, *key))
            try:
                draws = self.posterior.sample((n,), x=x, show_progress_bars=False,
                                              max_sampling_time=SAMPLING_SECONDS)  # fmt: skip
            except RuntimeError as exc:
                if "max_sampling_time" not in str(exc):
                    raise
                raise self._outside(stats, f"{n} draws inside it were not found in {SAMPLING_SECONDS:g} s") from None  # fmt: skip
        return np.asarray(draws.numpy(), np.float64)

    def _outside(self, stats: dict[str, float], found: str) -> OutsidePriorError:
        """The one-line error for a posterior outside the prior, with the likeliest cause."""
        why = "; ".join(self.reach.beyond(stats) or [self.reach.rarest(stats)])
        return OutsidePriorError(
            f"{self.cal.origin}: the network's posterior at these targets' values lies "
            f"almost wholly outside the prior ({found}); {why}: check the targets' values, "
            "widen the priors, change the model, or train on more simulations"
        )


def population(cal: Calibration, draws: np.ndarray) -> pd.DataFrame:
    """Draws as a population: ``proposal``, each parameter's scenario value, ``distance``, ``weight``."""
    priors = list(cal.config.parameters.values())
    frame = pd.DataFrame({"proposal": np.arange(draws.shape[0], dtype=np.int64)})
    for j, (path, prior) in enumerate(zip(cal.names, priors, strict=True)):
        frame[path] = [prior.to_value(float(v)) for v in draws[:, j]]
    frame["distance"] = math.nan  # a draw of the network was never simulated
    frame["weight"] = 1.0 / draws.shape[0]
    return frame


def run_neural(cal: Calibration, out: Path, engine: Engine, progress: ProgressFn | None = None) -> tuple[CalibrationSummary, Posterior]:  # fmt: skip
    """Simulate (or resume), train, and sample the posterior of ``cal`` into ``out``.

    Raises:
        CalibrationError: the folder holds another calibration, a simulation failed
            (what finished is kept), or too few simulations have every target.
    """
    require()  # before any simulation, not after them all
    t0 = time.perf_counter()
    store = CalibrationStore.open(out, cal)
    try:
        simulated, reused = simulate(cal, store, engine, progress)
        theta, x = training_set(cal, store)
        if progress is not None:
            progress(0, 0, 1, 0, math.nan)
        net = Posterior(cal, theta, x)
        observed = {t.name: t.value for t in cal.config.targets}
        frame = population(cal, net.sample(observed, cal.config.neural.draws, 1))
        store.finish_draws(0, frame, cal.config.neural.simulations)
        if progress is not None:
            progress(0, 1, 1, 1, math.nan)
    finally:
        store.close()
    summary = CalibrationSummary(
        generations=1,
        epsilon=math.nan,
        simulated=simulated,
        reused=reused,
        evaluations=cal.config.neural.simulations,
        seconds=time.perf_counter() - t0,
        population=frame,
        training={
            "simulations": net.simulations,
            "epochs": net.epochs,
            "seconds": net.seconds,
            "constant_targets": net.constant,
            "outlier_targets": net.outliers,
            "share_below": net.share_below,
            "unreached_targets": net.unreached,
        },
    )
    return summary, net


@contextlib.contextmanager
def _one_thread() -> Any:
    """Torch on one thread for the block: the same network on every machine, bit for bit."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def _silent() -> Any:
    """Quiet what the sbi package prints when training converges (the bar says it).

    Also its root-logger warning that few draws land inside the prior: the pilot
    (:data:`PILOT`), or failing it the time limit (:data:`SAMPLING_SECONDS`), turns that
    case into a one-line error instead.
    """
    drop = _DropAcceptance()
    logging.getLogger().addFilter(drop)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        logging.getLogger().removeFilter(drop)


class _DropAcceptance(logging.Filter):
    """Drops sbi's "Only x% proposal samples are accepted" warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every other record."""
        return "proposal samples are" not in record.getMessage()


class _NoLog:
    """sbi's training tracker that keeps nothing.

    By default sbi writes TensorBoard logs into ``sbi-logs/`` under the working
    directory, a folder the user did not ask for; scoresim writes only into ``--out``.
    """

    log_dir = None

    def log_metric(self, name: str, value: float, step: int | None = None) -> None:
        """Keep nothing."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        """Keep nothing."""

    def log_params(self, params: dict[str, Any]) -> None:
        """Keep nothing."""

    def add_figure(self, name: str, figure: Any, step: int | None = None) -> None:
        """Keep nothing."""

    def flush(self) -> None:
        """Nothing to write."""
