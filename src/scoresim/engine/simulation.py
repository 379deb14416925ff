"""The run loop: compile, build the population and network, step, collect results."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from scoresim.config.loading import Scenario
from scoresim.config.models import ScenarioConfig
from scoresim.core.crn import Keys
from scoresim.core.network import Network, generate_network
from scoresim.engine.compile import Compiled
from scoresim.engine.options import check_options as check_options  # its callers' import
from scoresim.engine.options import function, overrides_of
from scoresim.errors import RunOptionError
from scoresim.results.run import RunResult
from scoresim.society.state import CitizenState, init_social, init_state

ProgressFn = Callable[[int, int], None]


def setup(
    compiled: Compiled, agents: int, seed: int
) -> tuple[CitizenState, Network, Keys, np.random.SeedSequence]:
    """Build the population and network for a run; return them with the keys and root."""
    ties = agents * compiled.network.mean_degree
    if ties >= 2**31:
        # The CSR arrays index ties with int32 (half the memory of int64).
        raise RunOptionError(
            f"agents: {agents:,} agents at mean degree {compiled.network.mean_degree} "
            f"make {ties:,} tie ends, over the 2^31 limit; use fewer agents or a lower "
            "network.mean_degree"
        )
    keys = Keys(seed)
    state = init_state(agents, compiled.population, compiled.regime, keys)
    net = generate_network(state.group, compiled.network, keys.generator("network"))
    init_social(state, net, compiled.regime)
    return state, net, keys, keys.root


def simulate(
    scenario: Scenario | ScenarioConfig | str | Path,
    *,
    agents: int = 100_000,
    steps: int = 365,
    seed: int = 0,
    overrides: dict[str, Any] | None = None,
    progress: ProgressFn | None = None,
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

    Returns:
        The run's metrics, final agents and metadata.

    Raises:
        ScoresimError: For an unknown scenario, bad overrides or bad options (an option
            that is not an integer too: ``seed=True`` is not 1); a plug-in mechanism
            that fails is an :class:`~scoresim.errors.ExtensionError` naming it.
    """
    from scoresim.engine.stepper import Simulation, as_scenario

    agents, steps, seed = check_options(agents, steps, seed)
    function("progress", progress, "progress(done, total)", optional=True)
    sc = as_scenario(scenario).with_overrides(overrides_of(overrides), label="overrides")
    # Nothing is kept of a run that fails, so no step needs undoing.
    sim = Simulation(sc, agents=agents, seed=seed, _rows=steps, _undo=False)
    sim.run(steps, progress)
    return sim.result()
