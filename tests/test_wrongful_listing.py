"""Wrongful listing is a counterfactual: listed now, and not listed in the error-free world."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import scoresim
from scoresim.core.crn import Keys
from scoresim.engine.compile import compile_scenario
from scoresim.engine.simulation import setup
from scoresim.society import score
from scoresim.society.events import StepEvents
from scoresim.society.state import NO_APPEAL

# Nobody responds to the regime: no deterrence, no shame, no reward, no drift, so a
# person's behaviour cannot depend on their records.
INERT = {
    "response.deterrence": 0.0,
    "response.shame_aversion": 0.0,
    "response.reward_sensitivity": 0.0,
    "behaviours.criticise_government.conformity": 0.0,
    "behaviours.praise_party.conformity": 0.0,
    "shaming.tie_cut_probability": 0.0,
}
ERRORS = {
    "sources.street_cameras.false_positive_rate": 0.01,
    "sources.social_media.misclassification": 0.2,
    "sources.social_media.false_positive_rate": 0.002,
}
NO_ERRORS = {
    "sources.street_cameras.false_positive_rate": 0.0,
    "sources.payment_records.false_positive_rate": 0.0,
    "sources.social_media.false_positive_rate": 0.0,
    "sources.social_media.misclassification": 0.0,
}
LIST = {
    "scoring.coupling": "list",
    "blacklist.entry_events": ["unpaid_debt", "criticise_government"],
    "blacklist.term": 60,
    "blacklist.extension": 20,
    "blacklist.payment_exit": 0.02,
}


@pytest.mark.parametrize("coupling", [{}, LIST], ids=["score", "list"])
def test_error_free_world_is_a_twin_run_without_errors(coupling: dict[str, Any]) -> None:
    """With nobody responding, a run without false records *is* the error-free world."""
    base = {**INERT, **coupling, "blacklist.association_penalty": 1}
    runs = {}
    for label, extra in (("errors", ERRORS), ("clean", NO_ERRORS)):
        sc = scoresim.load_scenario("seed").with_overrides({**base, **extra})
        run = scoresim.Simulation(sc, agents=6000, seed=4, _rows=200)
        run.run(200)
        runs[label] = run
    err, clean = runs["errors"].state, runs["clean"].state
    np.testing.assert_array_equal(err.ef_score, clean.score)
    np.testing.assert_array_equal(err.ef_listed_until, clean.listed_until)
    np.testing.assert_array_equal(clean.score, clean.ef_score)
    assert not clean.listed_wrongly.any()
    wrongly = (err.listed_until > 0) & (clean.listed_until == 0)
    np.testing.assert_array_equal(err.listed_wrongly, wrongly)
    assert wrongly.sum() > 5  # the comparison is not empty


def test_recovery_does_not_hide_a_wrongful_listing() -> None:
    """The issue's case: with recovery, 0.1 counted a listing as rightful ~50 days on."""
    sc = scoresim.load_scenario("seed").with_overrides(INERT)
    run = scoresim.Simulation(sc, agents=20_000, seed=4, _rows=365)
    run.run(365)
    st = run.state
    # Every listed person the error-free world does not list is counted, whatever their
    # score has recovered to since.
    assert st.listed_wrongly.sum() == ((st.listed_until > 0) & (st.ef_listed_until == 0)).sum()
    assert st.listed_wrongly.sum() > 20


class Person:
    """One hand-followed person in a one-agent world (score coupling)."""

    def __init__(self, overrides: dict[str, Any]) -> None:
        sc = scoresim.load_scenario("seed").with_overrides(overrides)
        self.compiled = compile_scenario(sc.config)
        self.p = self.compiled.regime
        self.state, _, self.keys, _ = setup(self.compiled, 1, 0)
        self.b = {name: k for k, name in enumerate(self.compiled.labels.behaviours)}

    def day(self, true: tuple[str, ...] = (), false: tuple[str, ...] = ()) -> StepEvents:
        p = self.p
        ev = StepEvents.empty(1, p.n_behaviours, p.n_opportunities, p.n_groups)
        for name in true:
            ev.acts[self.b[name], 0] = ev.caught[self.b[name], 0] = True
            ev.detected[self.b[name], 0] = True
        for name in false:
            ev.false_records[self.b[name], 0] = True
        from scoresim.core.crn import StepDraws

        d = StepDraws(self.keys, self.state.step)
        score.apply(self.state, None, p.score, p.listing, d, ev)  # type: ignore[arg-type]
        self.state.step += 1
        return ev


def test_hand_followed_person_over_100_days() -> None:
    """Start 1000, threshold 850, recovery 1/day, criticism -50, term 730.

    Day 0: two true criticisms (-100 -> 900, +1 recovery -> 901). Day 1: two false
    ones (901 - 100 + 1 = 802 < 850): listed, and wrongly, since the error-free score is
    902. Day 1 to 100 both scores recover one point a day; the 0.1 rule (listed
    wrongly while score + false points >= threshold, the false points repaid first)
    would have called the listing rightful after ~50 days. Here it stays wrongful for
    the whole term, because the error-free world never lists the person.
    """
    w = Person({"blacklist.appeals.share": 0.0})
    w.day(true=("criticise_government",))
    w.state.score[0] -= 50  # a second true criticism the same day
    w.state.ef_score[0] -= 50
    assert int(w.state.score[0]) == 901 and int(w.state.ef_score[0]) == 901
    ev = w.day(false=("criticise_government", "jaywalk"))
    assert int(w.state.score[0]) == 901 - 55 + 1 and int(w.state.ef_score[0]) == 902
    assert ev.newly_listed[0] and w.state.listed_wrongly[0]
    for day in range(2, 101):
        w.day()
        assert w.state.listed_until[0] == 1 + 730
        assert w.state.listed_wrongly[0], day
        assert int(w.state.ef_score[0]) == min(902 + day - 1, 1000)
    assert int(w.state.score[0]) == 847 + 99


def test_a_won_appeal_restores_the_error_free_score() -> None:
    w = Person({"blacklist.appeals": {"share": 1.0, "success": 1.0, "delay": 3}})
    for _ in range(4):  # 951, 902, 853, 804: listed on day 3
        w.day(false=("criticise_government",))
    assert int(w.state.score[0]) == 804 and int(w.state.ef_score[0]) == 1000
    assert w.state.listed_wrongly[0] and w.state.appeal_at[0] == 3 + 3
    for _ in range(3):
        ev = w.day()
    assert ev.appeals_won[0] and w.state.listed_until[0] == 0
    assert int(w.state.score[0]) == int(w.state.ef_score[0]) == 1000
    assert w.state.appeal_at[0] == NO_APPEAL


def test_appeals_from_day_zero_never_win_more_than_filed() -> None:
    """0.1 read appeal_at == 0 as 'none', so day 0's newly listed were all 'due'."""
    harsh = {
        "sources.street_cameras.false_positive_rate": 0.2,
        "blacklist.threshold": 999,
        "blacklist.appeals": {"share": 0.0, "success": 1.0, "delay": 5},
    }
    run = scoresim.simulate("seed", agents=5000, steps=10, seed=1, overrides=harsh)
    m = run.metrics[run.metrics["group"] == "all"]
    assert m["listed"].iloc[0] > 0.01 and m["listed_wrongly"].iloc[0] > 0
    assert m["appeals"].sum() == 0 and m["appeals_won"].sum() == 0
    harsh["blacklist.appeals"] = {"share": 0.5, "success": 1.0, "delay": 1}
    run = scoresim.simulate("seed", agents=5000, steps=10, seed=1, overrides=harsh)
    m = run.metrics[run.metrics["group"] == "all"]
    assert m["appeals_won"].iloc[0] == 0 and m["appeals"].iloc[0] > 0
    assert (m["appeals_won"].cumsum() <= m["appeals"].cumsum()).all()
    assert m["appeals_won"].sum() > 0


def test_keys_are_not_shared_between_seeds() -> None:
    assert Keys(1).key("payment") != Keys(2).key("payment")


def test_counters_and_indices_cannot_overflow() -> None:
    """Every scenario that validates fits the engine's types; one more group is refused."""
    from scoresim.errors import ScenarioValueError
    from scoresim.society.state import CitizenState

    hints = CitizenState.__dataclass_fields__
    for name in ("denials", "perk_days", "sanctions", "shamings", "ties_lost"):
        assert "uint32" in str(hints[name].type)
    # 60 000 steps x 1 000 opportunities fits uint32 counters.
    assert 60_000 * 1_000 < 2**32
    sc = scoresim.load_scenario("seed")
    groups = sc.config.model_dump()["groups"]
    one = next(iter(groups.values()))
    many = {f"g{k}": {**one, "share": 1 / 255} for k in range(255)}
    # Per-group values name the groups, so seed's approval, online shares, desirability and
    # people go too.
    sc = sc.with_overrides(
        {
            "approval": None,
            "polls": None,
            "interviews.online": 0.7,
            "people": None,
            "interviews.desirability": 0.3,
        }
    )
    sc.with_overrides({"groups": many, "behaviours.jaywalk.base_rate": 0.05,
                       "behaviours.flashy_purchase.base_rate": 0.02,
                       "behaviours.unpaid_debt.base_rate": 0.003})  # fmt: skip
    too_many = {f"g{k}": {**one, "share": 1 / 256} for k in range(256)}
    with pytest.raises(ScenarioValueError, match=r"groups: '256 entries' are more than 255"):
        sc.with_overrides({"groups": too_many})


def test_paid_counts_listings_ended_by_paying_by_hand() -> None:
    """``list_paid`` (docs/model.md): a listing that ends because the person pays, before
    its term, on a day without an entry event. Everybody pays (payment_exit 1)."""
    w = Person({**LIST, "blacklist.payment_exit": 1.0, "blacklist.appeals.share": 0.0})
    ev = w.day(true=("unpaid_debt",))  # day 0: listed; paying needs a listing before today
    assert ev.newly_listed[0] and not ev.paid[0]
    ev = w.day()  # day 1: pays
    assert ev.paid[0] and w.state.listed_until[0] == 0
    w.day(true=("unpaid_debt",))  # day 2: listed again
    ev = w.day(true=("unpaid_debt",))  # day 3: a new entry event: extended, not paid
    assert not ev.paid[0] and not ev.newly_listed[0] and w.state.listed_until[0] == 2 + 60 + 20
    ev = w.day()  # day 4: pays
    assert ev.paid[0]
    ev = w.day()  # day 5: nobody listed, nobody pays
    assert not ev.paid[0]
