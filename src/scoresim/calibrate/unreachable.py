"""Why a generation cannot start: its epsilon is not finite, and which target is to blame.

A generation's epsilon is the ``abc.quantile`` of the last population's distances. A
proposal whose statistic cannot be computed (NaN: a division by zero, a poll with no
estimate) or whose standardised error overflows is at an infinite distance, and is
never accepted; but the prior sample takes every proposal, so when more than a
``1 - abc.quantile`` share of it is at an infinite distance, the first generation's
epsilon is infinite and no proposal could ever be told apart from another. The
calibration then stops with one line naming the target missing in most of those
simulations, and why, found by running one of them again (its seeds are known, so it
gives the same metrics) and asking :func:`scoresim.calibrate.statistics.why_missing`.
"""

from __future__ import annotations

import math
from pathlib import Path

from scoresim.calibrate.model import SIMULATE, Simulator
from scoresim.calibrate.spec import Calibration, TargetConfig
from scoresim.calibrate.statistics import why_missing
from scoresim.calibrate.store import CalibrationStore
from scoresim.errors import CalibrationError
from scoresim.experiment.seeds import child_seed


def no_finite_epsilon(
    cal: Calibration, store: CalibrationStore, out: Path, generation: int
) -> CalibrationError:
    """The one-line error for a ``generation`` whose epsilon is not finite.

    Args:
        cal: The calibration.
        store: Its open store, holding the previous generation's simulations.
        out: The folder (named in the message: the simulations stay there).
        generation: The generation that cannot start (0 after the prior sample).
    """
    cfg = cal.config
    before = generation - 1
    stored = store.cached(before)
    if before < 0:  # the prior sample: its first `population` proposals, all accepted
        stored = {i: v for i, v in stored.items() if i < cfg.abc.population}
    missing: dict[int, list[int]] = {k: [] for k in range(len(cfg.targets))}
    for index in sorted(stored):
        stats = stored[index][1]
        for k, t in enumerate(cfg.targets):
            if not math.isfinite((stats[t.name] - t.value) / t.sd):
                missing[k].append(index)
    k = max(missing, key=lambda j: len(missing[j]))
    target, bad = cfg.targets[k], missing[k]
    where = "the prior sample" if before < 0 else f"generation {before}"
    why = _why(cal, target, before, bad[0], stored[bad[0]][0]) if bad else None
    because = f"in proposal {bad[0]}, {why}" if why else "its standardised error overflows"
    return CalibrationError(
        f"{cal.origin}: targets[{k}] ({target.name}) cannot be computed in {len(bad)} of "
        f"{len(stored)} simulations of {where}, so generation {generation} has no finite "
        f"epsilon: {because} at {cfg.run.agents:,} agents; use more agents (run.agents), a "
        "later day or a statistic every run can compute, with a new --out (the simulations "
        f"so far are kept in {out})"
    )


def _why(
    cal: Calibration,
    target: TargetConfig,
    generation: int,
    index: int,
    internal: tuple[float, ...],
) -> str | None:
    """Run the proposal's simulations again until one says why ``target`` is missing."""
    from scoresim.engine.simulation import simulate

    simulator = Simulator(cal)
    values = simulator.values(internal)
    scenario = cal.scenario.with_overrides(cal.overrides(values), label="parameters")
    run = cal.config.run
    for r in range(run.replicates):
        seed = child_seed(cal.config.seed, SIMULATE, generation + 1, index, r)
        metrics = simulate(scenario, agents=run.agents, steps=run.steps, seed=seed).metrics
        why = why_missing(target, metrics, simulator.poll_days)
        if why is not None:
            return why
    return None
