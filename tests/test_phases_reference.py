"""The vectorised step agrees with the per-agent reference, from step 0, on every column.

Three harsh worlds (score coupling; list coupling; every shaming channel with consent,
extensions and stance drift) are stepped from set-up. At every step the reference
(``tests/reference``, written from docs/model.md) takes a copy of the state before the
step, runs the step one agent at a time on the same keyed draws, and the two states,
the two sets of events and every metric column of every row are compared. Each step
then continues from the vectorised state, so one float32/float64 tie at a decision
boundary cannot make the worlds drift apart.

Planted bugs this module was checked against (each made a test here fail; kept so
that the list can be rerun by hand):

* behave: ``stakes * proximity`` dropped from the cost (``1 + stakes`` instead);
* observe: a true catch no longer wins over a false record of the same behaviour;
* observe: the misread record given to the same behaviour instead of its pair;
* score: recovery allowed to pass ``start``;
* score: the error-free world fed ``caught`` instead of ``detected``;
* score: ``NO_APPEAL = 0`` again (the day-0 sentinel of 0.1);
* score: wrongfulness judged from the error-free score (``ef_score >= threshold``)
  instead of the error-free listing;
* consequences: income credited per year instead of per day;
* consequences: the association penalty applied to non-consenting people;
* shaming: ``seen_ref`` not recomputed after a cut;
* adapt: forgetting towards 0 instead of the prior;
* measure: ``silent_dissent`` counting supporters too.

* follow: the informants counted after the day's cuts instead of when the sources
  watched (a followed person's ``seen_by`` then missed an informant's report).

Every second person is followed (docs/model.md, "The followed people"), and each
day's row of theirs is checked against the reference's own account of that day.

Two mutations tried turned out to be equivalent and were dropped: requiring the
listing still to run when an appeal falls due (a listing's end already clears its
appeal), and recovery passing ``start`` with ``recovery = 1`` (so the score world uses
a recovery of 7).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import numpy as np
import pytest

import scoresim
from scoresim.core.crn import StepDraws
from scoresim.core.network import Network
from scoresim.engine.compile import compile_scenario, start_hooks
from scoresim.engine.follow import Day, Follower, with_follower
from scoresim.engine.follow_table import followed_table
from scoresim.engine.simulation import setup
from scoresim.society import measure
from scoresim.society import step as step_mod
from scoresim.society.events import StepEvents
from scoresim.society.state import CitizenState
from tests.reference import measures as ref_measures
from tests.reference import phases as ref

N = 300
STEPS = 24
# A harsher seed regime, so that a few steps already produce listings, wrongful
# listings, appeals, shaming, cut ties and association penalties.
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
    "scoring.recovery": 7,
}
LIST_MODE = {
    "scoring.coupling": "list",
    "blacklist.entry_events": ["unpaid_debt", "criticise_government"],
    "blacklist.payment_exit": 0.4,
    "blacklist.repair_exit": 0.1,
    "blacklist.enforcement": {"travel": 0.5, "loan": 0.3},
    "sources.payment_records.false_positive_rate": 0.05,
    "sources.social_media.misclassification": 0.3,
    "blacklist.term": 4,
    "blacklist.appeals.share": 0.9,
    "blacklist.appeals.success": 0.6,
    "blacklist.appeals.delay": 1,
    "shaming.screens.display_share": 0.8,
    "shaming.tie_cut_probability": 0.5,
}
CHANNELS = {
    **LIST_MODE,
    "blacklist.extension": 2,
    "blacklist.association_penalty": 2,
    "scoring.awareness": 0.6,
    "scoring.consent": 0.7,
    "scoring.consent_required": True,
    "shaming.ringtone": {"share": 0.7, "contact_rate": 0.3},
    "shaming.map": {"share": 0.6, "usage": 0.5},
    "shaming.risk_effect": 0.2,
    "stance_drift": {"resentment": 0.2, "pressure": 0.05},
}
# Proportional punishment: a few records per period are free (HARSH's criticism and
# jaywalking records come often enough to cross the tolerance within a period).
TOLERANCE = {
    **HARSH,
    "blacklist.threshold": 998,  # fewer points are lost: list people sooner
    "scoring.recovery": 0,
    "scoring.tolerance": {
        "criticise_government": {"free": 1, "period": 4},
        "jaywalk": {"free": 1, "period": 3},
    },
    "behaviours.jaywalk.base_rate": 0.4,  # often, and always seen: beyond the tolerance
    "sources.street_cameras.coverage": 1.0,
}
WORLDS: dict[str, dict[str, Any]] = {
    "score": HARSH,
    "list": LIST_MODE,
    "channels": CHANNELS,
    "tolerance": TOLERANCE,
}


def assert_states_equal(a: CitizenState, b: CitizenState, where: str) -> None:
    for name, va in vars(a).items():
        vb = getattr(b, name)
        msg = f"{where}: {name}"
        if isinstance(va, dict):
            assert va.keys() == vb.keys(), msg
            for key in va:
                np.testing.assert_allclose(va[key], vb[key], rtol=1e-5, atol=1e-5, err_msg=msg)
        elif isinstance(va, np.ndarray) and va.dtype.kind == "f":
            np.testing.assert_allclose(va, vb, rtol=1e-5, atol=1e-5, err_msg=msg)
        elif isinstance(va, np.ndarray):
            np.testing.assert_array_equal(va, vb, err_msg=msg)
        elif dataclasses.is_dataclass(va):  # the people's attributes, drawn once
            for key, array in vars(va).items():
                np.testing.assert_array_equal(array, getattr(vb, key), err_msg=f"{msg}.{key}")
        else:
            assert va == vb, msg


def assert_events_equal(a: StepEvents, b: StepEvents, where: str) -> None:
    for name, va in vars(a).items():
        vb = getattr(b, name)
        if name in ("screen_viewers", "shame_learners"):
            va, vb = np.unique(va), np.unique(vb)
        np.testing.assert_array_equal(va, vb, err_msg=f"{where}: event {name}")


def _near_ties(state: CitizenState, net: Network, world: Any, d: StepDraws) -> np.ndarray:
    """(B, N) bool: decisions whose uniform is within 1e-5 of the probability."""
    p = world.params
    u = np.array([[d.one(f"act/{b}", i) for i in range(N)] for b in p.behave.behaviour_names])
    probs = np.array(
        [[ref.probability(state, p, b, i) for i in range(N)] for b in range(p.n_behaviours)]
    )
    near: np.ndarray = np.abs(u - probs) < 1e-5
    return near


class World:
    def __init__(self, overrides: dict[str, Any], seed: int) -> None:
        # Approval and polls have their own reference (tests/test_opinion_reference.py).
        quiet = {"approval": None, "polls": None, **overrides}
        sc = scoresim.load_scenario("seed").with_overrides(quiet)
        self.scenario = sc
        self.compiled = compile_scenario(sc.config)
        self.params = self.compiled.regime
        self.state, self.net, self.keys, _ = setup(self.compiled, N, seed)
        self.buf = measure.MetricsBuffer(
            self.compiled.columns, len(self.compiled.labels.groups), STEPS
        )
        # The scenario's mechanisms (stance drift, in the drifting world) act in the
        # step as hooks; the reference does them inside its own adapt, from the docs.
        self.hooks = start_hooks(self.compiled, self.state, self.net, self.keys)
        # A few people followed (docs/model.md, "The followed people"), checked against
        # the reference's own account of their days.
        self.follower = Follower(np.arange(0, N, 2, dtype=np.int64), self.keys, self.state.group)
        self.hooks = with_follower(self.hooks, self.follower)
        self.initial_logit0 = self.state.logit0.copy()
        self.totals: dict[int, dict[str, float]] = {}  # per metrics row, for cumulative columns


def _compare_followed(w: World, day: Day, before: CitizenState, state: CitizenState,
                      ev: StepEvents, diary: ref.Diary, where: str, tally: dict[str, int]) -> None:  # fmt: skip
    """Each followed person's row of the day against the reference's account of it."""
    labels = w.compiled.labels
    table = followed_table(w.follower.resolved([day]), w.follower.ids, w.follower.group, labels)
    ended = {"paid": ev.paid, "repaired": ev.repaired, "expired": ev.expired,
             "appeal won": ev.appeals_won}  # fmt: skip
    for got in table.to_dict("records"):
        i = int(got["id"])
        notes = diary[i]
        ways = [how for how, happened in ended.items() if happened[i]]
        assert len(ways) <= 1, (where, i, ways)  # a listing ends one way a day

        def said(what: str, notes: list[tuple[str, Any]] = notes) -> list[Any]:
            return [x for kind, x in notes if kind == what]

        listed = bool(state.listed_until[i] != ref.NOT_LISTED)
        want = {
            "did": [b for k, b in enumerate(labels.behaviours) if ev.acts[k, i]],
            "seen_by": said("seen"), "misread_by": said("misread"), "false_record_by": said("false"),
            "recorded": [b for k, b in enumerate(labels.behaviours) if ev.caught[k, i]],
            "recorded_falsely": [b for k, b in enumerate(labels.behaviours) if ev.false_records[k, i]],
            "points": int(state.score[i]) - int(before.score[i]), "score": int(state.score[i]),
            "tier": labels.tiers[int(state.tier[i])], "listed": listed,
            "listed_wrongly": listed and bool(state.listed_wrongly[i]),
            "newly_listed": bool(ev.newly_listed[i]), "left_list": ways[0] if ways else "",
            "appealed": bool(ev.appeals_filed[i]), "wanted": said("wanted"), "denied": said("denied"),
            "perk": said("perk")[0], "shamed": bool(ev.newly_shamed[i]),
            "ties_lost": int(state.ties_lost[i]) - int(before.ties_lost[i]),
            "stance": pytest.approx(float(state.stance[i]), abs=1e-5),
        }  # fmt: skip
        for column, value in want.items():
            if isinstance(value, list):  # a list column: the names joined by "; "
                value = "; ".join(value)
            assert got[column] == value, (where, i, column)
        assert np.isnan(got["approval"])  # the approval mechanism is off in these worlds
        for column in ("seen_by", "denied", "false_record_by", "misread_by", "left_list"):
            tally[f"followed {column}"] = tally.get(f"followed {column}", 0) + bool(got[column])


def _compare_step(w: World, label: str, tally: dict[str, int]) -> None:
    t = w.state.step
    before_state, before_net = copy.deepcopy(w.state), copy.deepcopy(w.net)
    d = StepDraws(w.keys, t)
    near = _near_ties(before_state, before_net, w, d)
    w.follower.before(w.state)
    ev = step_mod.step(w.state, w.net, w.params, w.keys, w.buf, hooks=w.hooks)
    p = w.params
    day = w.follower.after(w.state, ev, p, {})
    morning = copy.deepcopy(before_state)
    slow_ev = StepEvents.empty(N, p.n_behaviours, p.n_opportunities, p.n_groups)
    slow_state, slow_net = before_state, before_net
    diary: ref.Diary = {int(i): [] for i in w.follower.ids}
    # The reference's own decisions, except at float32/float64 ties.
    ref.behave(slow_state, p, d, slow_ev)
    slow_ev.acts[near] = ev.acts[near]
    ref.observe(slow_state, p, d, slow_ev, diary)
    ref.score(slow_state, p, d, slow_ev)
    ref.consequences(slow_state, slow_net, p, d, slow_ev, diary)
    ref.adapt(slow_state, slow_net, p, slow_ev)
    slow_state.step += 1
    where = f"{label} step {t}"
    assert_events_equal(ev, slow_ev, where)
    assert_states_equal(w.state, slow_state, where)
    np.testing.assert_array_equal(w.net.active, slow_net.active, err_msg=where)
    _compare_followed(w, day, morning, slow_state, slow_ev, diary, where, tally)
    # Every metric column of every row, against the reference measures.
    slow_state.step = t
    groups = [
        list(range(int(w.state.bounds[g]), int(w.state.bounds[g + 1]))) for g in range(p.n_groups)
    ]
    rows = [*((ids, g) for g, ids in enumerate(groups)), (list(range(N)), None)]
    for r, (ids, g) in enumerate(rows):
        if not ids:
            continue
        earlier = w.totals.setdefault(r, {})
        expected = ref_measures.row(
            slow_state, slow_net, p, w.compiled.labels, slow_ev, ids, g, w.initial_logit0, earlier
        )
        for name in expected:  # the running sums the cumulative columns add to
            if name == "list_entries" or name.startswith("denied."):
                earlier[name] = earlier.get(name, 0.0) + expected[name]
        assert not set(w.buf.names) - set(expected), "a metric column has no reference"
        for name in w.buf.names:
            got = w.buf.values[name][t, r]
            assert got == pytest.approx(expected[name], rel=1e-5, abs=1e-6), (
                f"{where} {name} row {r}"
            )
    for key, arr in (
        ("listed", ev.newly_listed),
        ("paid", ev.paid),
        ("repaired", ev.repaired),
        ("expired", ev.expired),
        ("wrongly", w.state.listed_wrongly),
        ("appeals", ev.appeals_filed),
        ("won", ev.appeals_won),
        ("denied", ev.denied_any),
        ("false", ev.false_records),
        ("misread", ev.detected & ~ev.caught),
    ):
        tally[key] = tally.get(key, 0) + int(np.count_nonzero(arr))
    tally["cut"] = w.state.ties_cut
    if w.state.tolerated.shape[0]:
        free = w.params.score.tol_free[:, None]
        tally["within"] = tally.get("within", 0) + int(
            ((w.state.tolerated > 0) & (w.state.tolerated <= free)).sum()
        )
        tally["beyond"] = tally.get("beyond", 0) + int((w.state.tolerated > free).sum())


@pytest.mark.parametrize("label", list(WORLDS))
@pytest.mark.parametrize("seed", [3, 11])
def test_step_matches_reference_from_step_zero(label: str, seed: int) -> None:
    w = World(WORLDS[label], seed)
    tally: dict[str, int] = {}
    for _ in range(STEPS):
        _compare_step(w, label, tally)
    # Guard: without these events the comparison would be hollow.
    assert tally["listed"] > 10 and tally["wrongly"] > 3 and tally["false"] > 10
    assert tally["appeals"] > 0 and tally["won"] > 0 and tally["cut"] > 0
    assert tally["denied"] > 0 and tally["misread"] > 0
    # and the followed people met the sources, denials and false records too
    assert tally["followed seen_by"] > 0 and tally["followed false_record_by"] > 0
    assert tally["followed denied"] > 0
    if label == "list":  # listings that end by payment, by repair and at their term
        assert tally["paid"] > 3 and tally["repaired"] > 3 and tally["expired"] > 3
    if label == "score":  # lapses at the term, not renewed
        assert tally["expired"] > 3
    if label == "channels":
        assert w.state.told.any() or w.state.ringtone.any()
    if label == "tolerance":  # records both within and beyond the tolerance
        assert tally["within"] > 10 and tally["beyond"] > 10


def test_the_inline_behave_draws_are_the_keyed_uniforms() -> None:
    """behave draws ``act/<behaviour>`` inside its compiled pass, serially or on every
    Numba thread: both give the decisions of the keyed uniforms ``Keys.uniform``."""
    from scoresim.core.crn import Keys
    from scoresim.society import behave_kernel

    keys = Keys(11)
    k0, k1 = keys.key("act/jaywalk")
    rng = np.random.default_rng(3)
    for n in (0, 1, 5, 4099):
        odds = rng.exponential(3.0, n).astype(np.float32)
        u = keys.uniform("act/jaywalk", 7, n)
        expected = u * (np.float32(1.0) + odds) < np.float32(1.0)
        for settle in (behave_kernel.settle, behave_kernel.settle_parallel):
            acts = np.ones(n, np.bool_)
            settle(k0, k1, np.uint32(7), odds, acts)
            np.testing.assert_array_equal(acts, expected)
        assert n < 100 or 0 < expected.sum() < n
