"""Your own network: an edge array, a SciPy sparse matrix or a networkx graph.

The nodes are your agents, with your ids ``0 .. N - 1``. scoresim stores agents group
by group (``state.bounds``), so it places your nodes on its internal ids by a seeded
permutation of its own (set-up purpose ``network/assignment``): who sits at which
node is random, the same for every regime run with the same seed, and every output
that names agents (:meth:`Simulation.agents`, the network sample) is mapped back to
your ids. Ties are undirected; a tie given twice, or in both directions, is one tie.
Self-loops, ids out of range, and a size that disagrees with ``agents`` are refused in
one line. Groups are drawn as without a network, so homophily is what your graph has.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoresim.core.crn import Keys
from scoresim.core.network import Network, from_edges
from scoresim.engine.compile import Compiled
from scoresim.errors import RunOptionError
from scoresim.society.state import CitizenState, init_social, init_state


def _fail(message: str) -> RunOptionError:
    return RunOptionError(f"network: {message}")


def edges_of(network: Any, agents: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The (u, v) endpoints of ``network`` in your ids, checked.

    Raises:
        RunOptionError: Not one of the three forms, self-loops, ids out of range, or a
            size other than ``agents``.
    """
    module = type(network).__module__
    if module.startswith("networkx"):
        nodes = list(network.nodes)
        if len(nodes) != agents:
            raise _fail(f"the graph has {len(nodes):,} nodes and agents is {agents:,}; "
                        "give as many agents as nodes")  # fmt: skip
        if not all(isinstance(x, int | np.integer) and not isinstance(x, bool) for x in nodes):
            raise _fail("node labels must be the integers 0 .. N - 1; relabel with "
                        "networkx.convert_node_labels_to_integers(graph)")  # fmt: skip
        pairs = np.array(list(network.edges()), dtype=np.int64).reshape(-1, 2)
    elif module.startswith("scipy.sparse"):
        if network.shape != (agents, agents):
            raise _fail(f"the adjacency matrix is {network.shape[0]:,} x {network.shape[1]:,} "
                        f"and agents is {agents:,}; give an N x N matrix")  # fmt: skip
        coo = network.tocoo()
        keep = coo.data != 0
        pairs = np.stack([coo.row[keep], coo.col[keep]], axis=1).astype(np.int64)
    else:
        array = np.asarray(network)
        if array.ndim != 2 or array.shape[1] != 2:
            raise _fail(f"an edge array is (E, 2), this one is {array.shape}; give one row "
                        "per tie, or a SciPy sparse matrix or a networkx graph")  # fmt: skip
        if array.size and not np.issubdtype(array.dtype, np.integer):
            raise _fail(f"node ids must be integers, these are {array.dtype}")
        pairs = array.astype(np.int64, copy=False)
    u, v = pairs[:, 0], pairs[:, 1]
    if pairs.size:
        bad = np.flatnonzero((pairs < 0).any(axis=1) | (pairs >= agents).any(axis=1))
        if bad.size:
            a, b = pairs[bad[0]]
            raise _fail(f"tie {int(a)}-{int(b)} names a node outside 0 .. {agents - 1}; "
                        "node ids run from 0 to agents - 1")  # fmt: skip
        loops = np.flatnonzero(u == v)
        if loops.size:
            raise _fail(f"node {int(u[loops[0]])} is tied to itself; remove self-loops")
    return u, v


def setup_with_network(
    compiled: Compiled, agents: int, seed: int, network: Any
) -> tuple[CitizenState, Network, Keys, Any, NDArray[np.int64]]:
    """The population on your network.

    Returns:
        state, network (internal ids), keys, root, and ``ids``: (N,) int64, your id of
        each internal agent.
    """
    u, v = edges_of(network, agents)
    keys = Keys(seed)
    state = init_state(agents, compiled.population, keys)
    place = keys.generator("network/assignment").permutation(agents)  # your id -> internal
    net = from_edges(agents, place[u], place[v])
    init_social(state, net, compiled.population)
    ids = np.empty(agents, np.int64)
    ids[place] = np.arange(agents, dtype=np.int64)
    return state, net, keys, keys.root, ids
