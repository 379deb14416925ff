"""The run loop: compile, build the population and network, step, collect results."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from scoresim import limits
from scoresim.config.loading import Scenario
from scoresim.config.models import ScenarioConfig
from scoresim.core.crn import Keys
from scoresim.core.network import Network, generate_network
from scoresim.core.state import CitizenState, init_social, init_state
from scoresim.engine.compile import Compiled
from scoresim.errors import RunOptionError
from scoresim.results.run import RunResult

MAX_AGENTS = limits.RUN_AGENTS
MAX_STEPS = limits.RUN_STEPS

ProgressFn = Callable[[int, int], None]


def check_options(agents: int, steps: int, seed: int) -> None:
    """Raise :class:`RunOptionError` for run options out of range.

    The messages name the option as the library calls it (``agents``), which is also
    the command line's ``--agents``, and the explorer's body field.
    """
    if not 1 <= agents <= MAX_AGENTS:
        raise RunOptionError(f"agents: {agents} is out of range; use 1 to {MAX_AGENTS:,}")
    if not 1 <= steps <= MAX_STEPS:
        raise RunOptionError(f"steps: {steps} is out of range; use 1 to {MAX_STEPS:,}")
    if not 0 <= seed <= limits.SEED_MAX:
        raise RunOptionError(f"seed: {seed} is out of range; use 0 to 2^63 - 1")


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
        ScoresimError: For an unknown scenario, bad overrides or bad options.
    """
    from scoresim.engine.stepper import Simulation, as_scenario

    sc = as_scenario(scenario).with_overrides(dict(overrides or {}))
    check_options(agents, steps, seed)
    sim = Simulation(sc, agents=agents, seed=seed, _rows=steps)
    sim.run(steps, progress)
    return sim.result()
