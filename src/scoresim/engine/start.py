"""A run's start: the population and the generated network, with their keyed streams.

:class:`~scoresim.engine.stepper.Simulation` starts every run here (with a network of
the user's, in :mod:`scoresim.engine.own_network`). The module sits below both the
stepper and :mod:`scoresim.engine.simulation` (which re-exports :func:`setup` for the
tests and benchmarks) so that they import one way: simulation -> stepper -> start.
"""

from __future__ import annotations

import numpy as np

from scoresim.core.crn import Keys
from scoresim.core.network import Network, generate_network
from scoresim.engine.compile import Compiled
from scoresim.errors import RunOptionError
from scoresim.society.state import CitizenState, init_social, init_state


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
    state = init_state(agents, compiled.population, keys)
    net = generate_network(state.group, compiled.network, keys.generator("network"))
    init_social(state, net, compiled.population)
    return state, net, keys, keys.root
