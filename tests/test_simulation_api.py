"""scoresim.Simulation: stepping, reporters, views, saving, scenarios in code, own networks."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import yaml

import scoresim
from scoresim import Scenario, ScenarioConfig, Simulation
from scoresim.errors import RunOptionError, ScenarioValueError, ScoresimError

SEED_TEXT = resources.files("scoresim.scenarios").joinpath("seed.yaml").read_text()


def test_stepping_one_by_one_equals_run_and_simulate_bit_for_bit() -> None:
    steps, agents = 40, 2000
    one = Simulation("seed", agents=agents, seed=5)
    for _ in range(steps):
        one.step()
    batch = Simulation("seed", agents=agents, seed=5)
    batch.run(steps)
    mixed = Simulation("seed", agents=agents, seed=5)
    mixed.step(7)
    mixed.run(20)
    mixed.step(13)
    whole = scoresim.simulate("seed", agents=agents, steps=steps, seed=5)
    for sim in (one, batch, mixed):
        assert sim.steps == steps
        pd.testing.assert_frame_equal(sim.metrics, whole.metrics, check_exact=True)
        pd.testing.assert_frame_equal(sim.agents(), whole.agents, check_exact=True)
    for name in ("score", "stance", "perceived_risk", "wealth", "listed_until"):
        assert np.array_equal(getattr(one.state, name), getattr(batch.state, name))


def test_metrics_grow_without_limit_and_reporters_add_columns() -> None:
    def listed_share(state: scoresim.society.state.CitizenState, _: object) -> float:
        return float(np.mean(state.listed_until > 0))

    def jaywalkers(_: object, events: scoresim.society.events.StepEvents) -> float:
        return float(events.acts[0].sum())

    sim = Simulation("seed", agents=3000, seed=2,
                     reporters={"my_listed": listed_share, "jaywalkers": jaywalkers})  # fmt: skip
    sim.run(100)
    sim.step(50)  # past the first buffer of 64 rows, twice
    m = sim.metrics
    assert len(m) == 150 * 3
    rows = m[m["group"] == "all"]
    assert np.allclose(rows["my_listed"], rows["listed"], rtol=0, atol=1e-12)
    assert np.allclose(rows["jaywalkers"], rows["rate.jaywalk"] * 3000)
    assert m.loc[m["group"] != "all", "my_listed"].isna().all()


def test_state_and_events_are_read_only_views() -> None:
    sim = Simulation("seed", agents=500, seed=1)
    assert sim.events is None
    sim.step()
    with pytest.raises(ValueError, match="read-only"):
        sim.state.score[0] = 5
    events = sim.events
    assert events is not None and events.acts.shape == (5, 500)
    with pytest.raises(ValueError, match="read-only"):
        events.acts[0, 0] = True
    before = sim.state.score.copy()
    view = sim.state
    sim.step(30)
    assert not np.array_equal(view.score, before)  # a view follows the simulation


def test_a_reporter_named_like_a_metric_is_refused() -> None:
    with pytest.raises(RunOptionError, match="'listed' is already a metrics column"):
        Simulation("seed", agents=100, reporters={"listed": lambda s, e: 0.0})


def test_save_writes_a_run_folder_that_reads_back(tmp_path: Path) -> None:
    sim = Simulation("seed", agents=800, seed=3)
    sim.run(12)
    folder = sim.save(tmp_path / "run")
    back = scoresim.load_run(folder)
    pd.testing.assert_frame_equal(back.metrics, sim.metrics)
    assert back.info["steps"] == 12 and back.info["own_network"] is False


def test_scenarios_in_code_get_every_check_with_the_same_messages() -> None:
    raw = yaml.safe_load(SEED_TEXT)
    assert Scenario.from_dict(raw).config.name == "seed"
    raw["sources"]["street_cameras"]["behaviours"] = ["jaywalkk"]
    with pytest.raises(ScenarioValueError) as err:
        Scenario.from_dict(raw, origin="my dict")
    message = str(err.value)
    assert (
        message.startswith("my dict: sources.street_cameras.behaviours") and "jaywalkk" in message
    )
    assert "\n" not in message
    with pytest.raises(ScenarioValueError, match=r"^mine: line 71: sources\.street_cameras"):
        Scenario.from_yaml_text(SEED_TEXT.replace("behaviours: [jaywalk]", "behaviours: [jaywalkk]"),
                                origin="mine")  # fmt: skip
    # A config built in code skips nothing: no bare KeyError from the engine.
    config = ScenarioConfig.model_validate(raw)
    with pytest.raises(
        ScenarioValueError, match=r"ScenarioConfig in code: sources\.street_cameras"
    ):
        Simulation(config, agents=100)
    with pytest.raises(ScenarioValueError, match=r"by hand: sources\.street_cameras"):
        Scenario(config=config, origin="by hand", raw=raw)


def ring(n: int) -> np.ndarray:
    return np.stack([np.arange(n), (np.arange(n) + 1) % n], axis=1)


def test_a_ring_lattice_has_mean_degree_two_and_any_form_gives_the_same_run() -> None:
    n = 1000
    edges = ring(n)
    as_array = Simulation("seed", agents=n, seed=4, network=edges)
    as_array.run(20)
    first = as_array.metrics
    assert (first.loc[first["step"] == 0, "degree.mean"].iloc[-1]) == 2.0
    matrix = sp.coo_matrix((np.ones(n), (edges[:, 0], edges[:, 1])), shape=(n, n))
    graph = nx.cycle_graph(n)
    for network in (matrix.tocsr(), graph, np.vstack([edges, edges[:, ::-1]])):
        sim = Simulation("seed", agents=n, seed=4, network=network)
        sim.run(20)
        pd.testing.assert_frame_equal(sim.metrics, first, check_exact=True)
    agents = as_array.agents()
    assert agents["id"].tolist() == list(range(n)) and (agents["degree"] <= 2).all()


def test_with_your_network_the_respondents_are_your_node_ids_in_order() -> None:
    n = 1000
    sim = Simulation("seed", agents=n, seed=4, network=ring(n),
                     overrides={"polls.rt_direct.day": 2, "polls.rt_direct.frame": "everyone"})  # fmt: skip
    sim.run(3)
    asked = sim.respondents()
    assert asked["id"].is_monotonic_increasing and asked["id"].is_unique
    # Each respondent's view is the stance of that node id.
    stance = sim.agents().set_index("id")["stance"]
    assert (asked["view"].to_numpy() == (stance.loc[asked["id"]].to_numpy() > 0)).all()


def test_shaming_follows_your_graph_and_stays_inside_each_component() -> None:
    n = 2000
    half = n // 2
    rng = np.random.default_rng(0)
    a = rng.integers(0, half, size=(4 * half, 2))
    b = rng.integers(half, n, size=(4 * half, 2))
    edges = np.vstack([a, b])
    edges = edges[edges[:, 0] != edges[:, 1]]
    sim = Simulation("court-blacklist", agents=n, seed=2, network=edges,
                     overrides={"shaming.tie_cut_probability": 0.9,
                                # enough listings in 2000 people (the calibrated rate lists few)
                                "behaviours.refuse_to_perform.base_rate": 0.0005})  # fmt: skip
    sim.run(120)
    ties = sim.network()
    given = {(min(u, v), max(u, v)) for u, v in edges.tolist()}
    assert set(zip(ties["source"], ties["target"], strict=True)) == given
    cut = ties[~ties["active"]]
    side = cut["source"] < half
    assert (side == (cut["target"] < half)).all()  # no cut tie crosses the components
    assert side.any() and (~side).any()  # and shaming cut ties in both


@pytest.mark.parametrize(
    ("network", "fragment"),
    [(np.array([[0, 1], [2, 2]]), "node 2 is tied to itself"),
     (np.array([[0, 1], [1, 10]]), "tie 1-10 names a node outside 0 .. 9"),
     (np.array([[0, -1]]), "names a node outside"),
     (np.array([0, 1, 2]), "an edge array is (E, 2)"),
     (np.array([[0.5, 1.0]]), "node ids must be integers"),
     (sp.eye(12, format="csr"), "the adjacency matrix is 12 x 12 and agents is 10"),
     (nx.path_graph(11), "the graph has 11 nodes and agents is 10"),
     (nx.relabel_nodes(nx.path_graph(10), {0: "a"}), "relabel with networkx")],
)  # fmt: skip
def test_bad_networks_are_one_line(network: object, fragment: str) -> None:
    with pytest.raises(ScoresimError) as err:
        Simulation("seed", agents=10, network=network)
    assert str(err.value).startswith("network: ") and fragment in str(err.value)
    assert "\n" not in str(err.value)


def test_the_same_bits_with_one_or_two_helper_threads() -> None:
    """Helper threads only overlap independent work: their number changes no result.

    60 000 agents is above ``threads.INLINE_BELOW``, so the helpers are used (below it
    their work runs inline, which the 1-thread run also covers).
    """
    import os
    import subprocess
    import sys

    from scoresim.core import threads as helper

    assert helper.INLINE_BELOW <= 60_000
    code = (
        "import hashlib, sys, scoresim; "
        "r = scoresim.simulate('seed', agents=60000, steps=12, seed=5); "
        "print(hashlib.sha256(r.metrics.to_csv().encode() + r.agents.to_csv().encode()).hexdigest())"
    )
    digests = set()
    for threads in ("1", "2"):
        env = {**os.environ, "SCORESIM_THREADS": threads, "NUMBA_NUM_THREADS": threads}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True, timeout=300)  # fmt: skip
        digests.add(out.stdout.strip())
    assert len(digests) == 1 and len(next(iter(digests))) == 64


def test_small_work_runs_inline_and_large_on_a_helper() -> None:
    import threading

    from scoresim.core import threads as helper

    def where() -> str:
        return threading.current_thread().name

    assert helper.submit(10, where).result() == threading.current_thread().name
    assert helper.submit(helper.INLINE_BELOW, where).result().startswith("scoresim")
    failing = helper.submit(10, lambda: 1 // 0)
    with pytest.raises(ZeroDivisionError):
        failing.result()


def test_a_worker_runs_its_simulation_on_one_compiled_thread() -> None:
    import numba

    from scoresim.core import threads as helper

    before = numba.get_num_threads()
    with helper.compiled_threads(1):
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before
    with helper.compiled_threads(10_000):  # never more than Numba started
        assert numba.get_num_threads() <= numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
