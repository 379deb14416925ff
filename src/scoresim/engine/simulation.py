"""``simulate()``: a scenario run to the end in one call, on a :class:`Simulation`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from scoresim.config.loading import Scenario
from scoresim.config.models import ScenarioConfig
from scoresim.engine.options import check_options as check_options  # its callers' import
from scoresim.engine.options import function, overrides_of
from scoresim.engine.start import setup as setup  # its callers' import (tests, benchmarks)
from scoresim.engine.stepper import Simulation, as_scenario
from scoresim.results.run import RunResult

ProgressFn = Callable[[int, int], None]


def simulate(
    scenario: Scenario | ScenarioConfig | str | Path,
    *,
    agents: int = 100_000,
    steps: int = 365,
    seed: int = 0,
    overrides: dict[str, Any] | None = None,
    progress: ProgressFn | None = None,
    follow: Any = None,
) -> RunResult:
    """Run a scenario on a synthetic population (a :class:`Simulation`, run to the end).

    Args:
        scenario: A loaded scenario, a config built in code (checked like a file), a
            built-in name or a path to a YAML file.
        agents: Number of agents N.
        steps: Number of steps (days).
        seed: Root seed; the same seed gives the same bits.
        overrides: Dotted field paths to values, e.g.
            ``{"sources.street_cameras.coverage": 0.9}``.
        progress: Called as ``progress(done, total)`` after every step.
        follow: People to follow, as :class:`Simulation` takes them; their days are the
            result's ``followed`` table (``people.parquet``).

    Returns:
        The run's metrics, final agents and metadata.

    Raises:
        ScoresimError: For an unknown scenario, bad overrides or bad options (an option
            that is not an integer too: ``seed=True`` is not 1); a plug-in mechanism
            that fails is an :class:`~scoresim.errors.ExtensionError` naming it.
    """
    agents, steps, seed = check_options(agents, steps, seed)
    function("progress", progress, "progress(done, total)", optional=True)
    sc = as_scenario(scenario).with_overrides(overrides_of(overrides), label="overrides")
    # Nothing is kept of a run that fails, so no step needs undoing.
    sim = Simulation(sc, agents=agents, seed=seed, follow=follow, _rows=steps, _undo=False)
    sim.run(steps, progress)
    return sim.result()
