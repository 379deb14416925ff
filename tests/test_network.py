"""The network generator and the CSR operations."""

from __future__ import annotations

import numpy as np
import pytest

from scoresim.core.network import Network, NetworkParams, from_edges, generate_network


@pytest.fixture(scope="module")
def graph() -> tuple[np.ndarray, Network]:
    rng = np.random.default_rng(0)
    group = (rng.random(20_000) < 0.4).astype(np.uint8)
    net = generate_network(group, NetworkParams(10, 0.6, 0.3), np.random.default_rng(1))
    return group, net


def test_undirected_simple_and_mean_degree(graph: tuple[np.ndarray, Network]) -> None:
    group, net = graph
    n = group.shape[0]
    rows = np.repeat(np.arange(n), np.diff(net.indptr))
    cols = net.indices
    assert not (rows == cols).any()
    fwd = set(zip(rows.tolist(), cols.tolist(), strict=True))
    assert all((c, r) in fwd for r, c in fwd)
    assert len(fwd) == len(rows)  # no duplicate ties
    assert 9.5 < len(rows) / n <= 10.0  # mean degree 10, minus dropped repeats
    for i in range(0, n, 997):
        row = net.indices[net.indptr[i] : net.indptr[i + 1]]
        assert (np.diff(row) > 0).all()


def test_homophily_and_clustering(graph: tuple[np.ndarray, Network]) -> None:
    group, net = graph
    rows = np.repeat(np.arange(group.shape[0]), np.diff(net.indptr))
    within = (group[rows] == group[net.indices]).mean()
    assert within > 0.85  # random mixing would give 0.6^2 + 0.4^2 = 0.52
    # Clustering of a ring lattice with k=10 is 2/3; rewiring 30% lowers it, still far above
    # the density of a random graph (about 5e-4).
    sample = np.arange(0, group.shape[0], 50)
    tri = 0.0
    for i in sample:
        nb = set(net.indices[net.indptr[i] : net.indptr[i + 1]].tolist())
        links = sum(
            len(nb & set(net.indices[net.indptr[j] : net.indptr[j + 1]].tolist())) for j in nb
        )
        tri += float(links) / max(len(nb) * (len(nb) - 1), 1)
    assert tri / len(sample) > 0.2


def test_find_and_cut_edges_both_directions() -> None:
    u = np.array([0, 0, 1, 2, 3, 4], dtype=np.int64)
    v = np.array([1, 2, 2, 3, 4, 0], dtype=np.int64)
    net = from_edges(5, u, v)
    pos = net.find_edges(np.array([0, 3], dtype=np.int64), np.array([2, 4], dtype=np.int64))
    assert net.indices[pos].tolist() == [2, 4]
    rev = net.cut(pos)
    assert net.indices[rev].tolist() == [0, 3]
    assert not net.active[pos].any() and not net.active[rev].any()
    assert int(net.active.sum()) == 12 - 4
    x = np.ones(5, dtype=np.float32)
    assert net.neighbour_sum(x).tolist() == [2.0, 2.0, 2.0, 1.0, 1.0]  # ties 0-1 1-2 2-3 4-0 remain
    assert net.neighbour_counts(x > 0).tolist() == [2, 2, 2, 1, 1]


def test_from_edges_equals_sorting_all_directed_keys() -> None:
    """The counting build gives exactly the arrays of the sort-based one (its reference)."""

    rng = np.random.default_rng(11)
    n = 500
    u, v = rng.integers(0, n, 4000), rng.integers(0, n, 4000)
    u[:50] = v[:50]  # self-ties
    u[50:100], v[50:100] = v[100:150], u[100:150]  # repeats, reversed
    keep = u != v
    pairs = np.unique(np.minimum(u, v)[keep] * n + np.maximum(u, v)[keep])
    lo, hi = np.divmod(pairs, n)
    keys = np.sort(np.concatenate([lo * n + hi, hi * n + lo]))
    want_indptr = np.searchsorted(keys, np.arange(n + 1) * n).astype(np.int32)
    want_indices = (keys % n).astype(np.int32)
    net = from_edges(n, u, v)
    indptr, indices = net.indptr, net.indices
    assert indptr.dtype == indices.dtype == np.int32
    assert np.array_equal(indptr, want_indptr) and np.array_equal(indices, want_indices)


def test_too_many_ties_for_int32_is_refused_before_any_allocation() -> None:
    import scoresim
    from scoresim.errors import RunOptionError

    sc = scoresim.load_scenario("seed").with_overrides({"network.mean_degree": 100})
    with pytest.raises(RunOptionError, match="over the 2\\^31 limit"):
        scoresim.Simulation(sc, agents=30_000_000, seed=1)


def test_neighbour_counts_and_sums_match_a_loop_over_every_tie() -> None:
    """The compiled passes against brute force, on a graph with cut ties."""
    rng = np.random.default_rng(5)
    n = 300
    net = from_edges(n, rng.integers(0, n, 2000), rng.integers(0, n, 2000))
    net.cut(rng.choice(net.indices.shape[0], 150, replace=False))
    marked = rng.random(n) < 0.3
    values = rng.random(n, dtype=np.float32)
    counts = np.zeros(n, np.int64)
    sums = np.zeros(n, np.float32)
    for i in range(n):
        for e in range(net.indptr[i], net.indptr[i + 1]):
            if net.active[e]:
                counts[i] += marked[net.indices[e]]
                sums[i] += values[net.indices[e]]
    assert np.array_equal(net.neighbour_counts(marked), counts)
    assert np.array_equal(net.neighbour_sum(values), sums)  # same order, same float32 bits
