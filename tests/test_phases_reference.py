"""Every vectorised phase agrees with its slow per-agent reference on the same draws."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import scoresim
from scoresim.core import step as step_mod
from scoresim.core.events import StepEvents
from scoresim.core.network import Network
from scoresim.core.params import RegimeParams
from scoresim.core.phases import adapt, behave, consequences, measure, observe, score
from scoresim.core.rng import Streams
from scoresim.core.state import CitizenState
from scoresim.engine.compile import Compiled, compile_scenario
from scoresim.engine.simulation import setup
from tests.reference import phases as ref

N = 400
# A harsher seed regime, so that a short warm-up already produces listings, wrongful
# listings, appeals, shaming, cut ties and association penalties for the phases to act on.
HARSH = {
    "sources.street_cameras.false_positive_rate": 0.05,
    "sources.social_media.misclassification": 0.3,
    "blacklist.threshold": 990,
    "blacklist.term": 5,
    "blacklist.appeals.share": 0.8,
    "blacklist.appeals.success": 0.7,
    "blacklist.appeals.delay": 2,
    "blacklist.association_penalty": 1,
    "shaming.screens.display_share": 0.8,
    "shaming.tie_cut_probability": 0.5,
    "shaming.screens.reach": 0.3,
    "scoring.tiers.model_citizen.min": 1010,
    "blacklist.extension": 3,
}
LIST_MODE = {
    "scoring.coupling": "list",
    "blacklist.entry_events": ["unpaid_debt", "criticise_government"],
    "blacklist.payment_exit": 0.2,
    "sources.payment_records.false_positive_rate": 0.05,
    "blacklist.term": 4,
    "blacklist.appeals.share": 0.9,
    "blacklist.appeals.success": 0.6,
    "blacklist.appeals.delay": 1,
    "shaming.screens.display_share": 0.8,
    "shaming.tie_cut_probability": 0.5,
}


# Every shaming channel, consent, listing extensions and stance drift at once.
CHANNELS = {
    **LIST_MODE,
    "blacklist.extension": 2,
    "scoring.awareness": 0.6,
    "scoring.consent_required": True,
    "shaming.ringtone": {"share": 0.7, "contact_rate": 0.3},
    "shaming.map": {"share": 0.6, "usage": 0.5},
    "shaming.risk_effect": 0.2,
    "stance_drift": {"resentment": 0.2, "pressure": 0.05},
}


class World:
    def __init__(self, overrides: dict[str, Any], seed: int) -> None:
        sc = scoresim.load_scenario("seed").with_overrides(overrides)
        self.compiled: Compiled = compile_scenario(sc.config)
        self.state, self.net, self.streams, _ = setup(self.compiled, N, seed)
        self.params: RegimeParams = self.compiled.regime
        self.buf = measure.MetricsBuffer(self.compiled.labels, 200)

    def warm(self, steps: int) -> None:
        for _ in range(steps):
            step_mod.step(self.state, self.net, self.params, self.streams, self.buf)

    def events(self) -> StepEvents:
        p = self.params
        return StepEvents.empty(N, p.n_behaviours, p.demand.shape[0], p.n_groups)


def _copy(state: CitizenState, net: Network) -> tuple[CitizenState, Network]:
    return copy.deepcopy(state), copy.deepcopy(net)


def assert_states_equal(a: CitizenState, b: CitizenState) -> None:
    for name, va in vars(a).items():
        vb = getattr(b, name)
        if isinstance(va, np.ndarray) and va.dtype.kind == "f":
            np.testing.assert_allclose(va, vb, rtol=1e-5, atol=1e-5, err_msg=name)
        elif isinstance(va, np.ndarray):
            np.testing.assert_array_equal(va, vb, err_msg=name)
        elif isinstance(va, tuple):
            for x, y in zip(va, vb, strict=True):
                np.testing.assert_array_equal(x, y, err_msg=name)
        else:
            assert va == vb, name


def assert_events_equal(a: StepEvents, b: StepEvents) -> None:
    for name, va in vars(a).items():
        np.testing.assert_array_equal(va, getattr(b, name), err_msg=name)


def worlds() -> Iterator[tuple[str, World]]:
    for label, overrides in (("score", HARSH), ("list", LIST_MODE), ("channels", CHANNELS)):
        for seed in (3, 11):
            w = World(overrides, seed)
            w.warm(12)
            yield f"{label}-{seed}", w


WORLDS = list(worlds())


@pytest.fixture(params=WORLDS, ids=[w[0] for w in WORLDS])
def world(request: pytest.FixtureRequest) -> World:
    w: World = copy.deepcopy(request.param[1])
    return w


def test_warm_up_produces_the_events_the_phases_must_handle() -> None:
    """Guard: without listings and cut ties the comparisons below would be hollow."""
    listed = sum(int((w.state.listed_until > 0).sum()) for _, w in WORLDS)
    wrongly = sum(int(w.state.listed_wrongly.sum()) for _, w in WORLDS)
    cut = sum(w.state.ties_cut for _, w in WORLDS)
    assert listed > 20 and wrongly > 3 and cut > 5
    channels = [w for label, w in WORLDS if label.startswith("channels")]
    assert all(w.state.ringtone.any() and w.state.told.any() for w in channels)
    assert all(w.state.told.shape == (0,) for label, w in WORLDS if label.startswith("score"))


def _prepare_events(w: World) -> tuple[StepEvents, Streams]:
    """Run behave and observe vectorised to get realistic inputs for later phases."""
    ev = w.events()
    behave.apply(
        w.state, w.net, w.params, behave.draw(w.streams.behave, N, w.params.n_behaviours), ev
    )
    observe.apply(
        w.state, w.net, w.params, observe.draw(w.streams.observe, w.state, w.params, ev), ev
    )
    return ev, w.streams


def test_behave_matches_reference(world: World) -> None:
    u = behave.draw(world.streams.behave, N, world.params.n_behaviours)
    ev_fast, ev_slow = world.events(), world.events()
    behave.apply(world.state, world.net, world.params, u, ev_fast)
    ref.behave(world.state, world.params, u, ev_slow)
    probs = np.array(
        [
            [ref.behave_probability(world.state, world.params, b, i) for i in range(N)]
            for b in range(world.params.n_behaviours)
        ]
    )
    near_tie = np.abs(u - probs) < 1e-5  # float32 against float64 at the boundary
    assert ev_fast.acts.sum() > 20
    assert np.array_equal(ev_fast.acts[~near_tie], ev_slow.acts[~near_tie])


def test_observe_matches_reference(world: World) -> None:
    ev = world.events()
    behave.apply(world.state, world.net, world.params, behave.draw(world.streams.behave, N, 5), ev)
    draws = observe.draw(world.streams.observe, world.state, world.params, ev)
    slow = copy.deepcopy(ev)
    observe.apply(world.state, world.net, world.params, draws, ev)
    ref.observe(world.state, world.params, draws, slow)
    assert ev.caught.sum() > 3
    assert_events_equal(ev, slow)


def test_score_matches_reference(world: World) -> None:
    ev, streams = _prepare_events(world)
    u = score.draw(streams.score, N)
    fast_state, fast_net = _copy(world.state, world.net)
    slow_state = copy.deepcopy(world.state)
    ev_fast, ev_slow = copy.deepcopy(ev), copy.deepcopy(ev)
    score.apply(fast_state, fast_net, world.params, u, ev_fast)
    ref.score(slow_state, world.params, u, ev_slow)
    assert_states_equal(fast_state, slow_state)
    assert_events_equal(ev_fast, ev_slow)


def test_consequences_and_adapt_match_reference(world: World) -> None:
    ev, streams = _prepare_events(world)
    score.apply(world.state, world.net, world.params, score.draw(streams.score, N), ev)
    d = consequences.draw(streams.consequences, world.state, world.net, world.params, ev)
    fast_state, fast_net = _copy(world.state, world.net)
    slow_state, slow_net = _copy(world.state, world.net)
    ev_fast, ev_slow = copy.deepcopy(ev), copy.deepcopy(ev)
    consequences.apply(fast_state, fast_net, world.params, d, ev_fast)
    ref.consequences(slow_state, slow_net, world.params, d, ev_slow)
    assert_states_equal(fast_state, slow_state)
    assert_events_equal(ev_fast, ev_slow)
    np.testing.assert_array_equal(fast_net.active, slow_net.active)
    adapt.apply(fast_state, fast_net, world.params, ev_fast)
    ref.adapt(slow_state, slow_net, world.params, ev_slow)
    assert_states_equal(fast_state, slow_state)


def test_measure_matches_reference(world: World) -> None:
    ev, streams = _prepare_events(world)
    score.apply(world.state, world.net, world.params, score.draw(streams.score, N), ev)
    d = consequences.draw(streams.consequences, world.state, world.net, world.params, ev)
    consequences.apply(world.state, world.net, world.params, d, ev)
    t = world.state.step
    measure.apply(world.state, world.net, world.params, ev, world.buf)
    row = {k: v[t] for k, v in world.buf.values.items()}
    s = world.state
    groups = [list(np.flatnonzero(s.group == g)) for g in range(world.params.n_groups)]
    groups.append([np.int64(i) for i in range(N)])
    for g, ids in enumerate(groups):
        scores = [int(s.score[i]) for i in ids]
        assert row["population"][g] == len(ids)
        assert row["score.mean"][g] == pytest.approx(sum(scores) / len(ids))
        for q in (0.1, 0.5, 0.9):
            assert row[f"score.p{int(q * 100)}"][g] == ref.quantile_lower(scores, q)
        assert row["score.gini"][g] == pytest.approx(ref.gini([float(x) for x in scores]), abs=1e-9)
        wealth = [float(s.wealth[i]) for i in ids]
        assert row["wealth.gini"][g] == pytest.approx(ref.gini(wealth), rel=1e-9)
        listed = [i for i in ids if s.listed_until[i] > 0]
        assert row["listed"][g] == pytest.approx(len(listed) / len(ids))
        wrong = [i for i in listed if s.listed_wrongly[i]]
        assert row["listed_wrongly"][g] == pytest.approx(len(wrong) / len(ids))
        for b, name in enumerate(world.compiled.labels.behaviours):
            acts = sum(1 for i in ids if ev.acts[b, i])
            assert row[f"rate.{name}"][g] == pytest.approx(acts / len(ids))
        recent = [i for i in ids if s.last_dissent[i] > t - world.params.dissent_window]
        gap = max(sum(1 for i in ids if s.stance[i] < 0) / len(ids) - len(recent) / len(ids), 0)
        assert row["falsification_gap"][g] == pytest.approx(gap)
        degree = [
            sum(
                1
                for e in range(int(world.net.indptr[i]), int(world.net.indptr[i + 1]))
                if world.net.active[e]
            )
            for i in ids
        ]
        assert row["degree.mean"][g] == pytest.approx(sum(degree) / len(ids))
