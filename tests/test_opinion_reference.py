"""Approval and polls agree with the per-person reference of tests/reference/opinion.py.

The engine runs; after every step the reference moves its own copy of everyone's
approval from the step's events (docs/model.md, section 6) and, on a poll's day,
asks the poll one respondent at a time (docs/polls.md). Compared from step 0, every
column of both mechanisms.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import scoresim
from scoresim.mechanisms import estimators, interview, polls
from tests.reference import opinion as ref

N, STEPS = 400, 9
POLLS = [
    {"name": "direct_all", "day": 0, "question": "scoring_system", "mode": "street", "size": 150,
     "neutral": True, "by": ["sex", "age", "education"]},
    {"name": "gov_list", "day": 3, "question": "government", "design": "list", "mode": "online",
     "frame": "online", "size": 200, "control": [0.2, 0.6], "by": ["age"]},
    {"name": "rr", "day": 6, "question": "scoring_system", "design": "randomized_response",
     "mode": "phone", "size": 300, "by": ["education", "sex"]},
    {"name": "gov_direct", "day": 8, "question": "government", "mode": "street", "size": 5000},
    {"name": "gov_neutral", "day": 7, "question": "government", "mode": "phone", "size": 250,
     "neutral": True},
    {"name": "info_between", "day": 5, "question": "scoring_system", "mode": "online", "size": 302,
     "neutral": True, "by": ["sex"], "experiment": {"arms": {
         "repression": {"share": 0.25, "learn": 0.7, "approval": -0.4, "fear": 2.0},
         "praise": {"share": 0.3, "approval": 0.25}}}},
    {"name": "info_within", "day": 6, "question": "government", "mode": "street", "size": 201,
     "experiment": {"assignment": "within", "arms": {  # 100.5 rounds up; the last arm gets the rest
         "repression": {"share": 0.5, "learn": 0.5, "approval": -0.5, "fear": 3.0},
         "fear_only": {"share": 0.5, "fear": 5.0}}}},
]  # fmt: skip
APPROVAL = {
    "mean": {"urban": 0.2, "rural": -0.1}, "sd": 0.6, "stance_correlation": 0.7,
    "perk_effect": 0.05, "order_effect": 0.3, "sanction_effect": 0.3, "wrongful_effect": 0.4,
    "condemn_effect": 0.2, "sympathy_effect": 0.3,
    "information": [{"day": 2, "reach": 0.5, "effect": -0.3}, {"day": 5, "reach": 0.2, "effect": 0.4}],
}  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2])
def test_approval_and_polls_agree_with_the_reference(seed: int) -> None:
    compared = compare(seed)
    assert {"by.sex.women.estimate", "by.age.60-99.n", "by.education.university.truth",
            "bias_desirability", "neutral", "effect.repression.estimate"} <= compared  # fmt: skip


def _swap_sex(original: Callable[..., Any]) -> Callable[..., Any]:
    def codes(attribute: str, state: Any, who: Any) -> Any:
        out = original(attribute, state, who)
        return 1 - out if attribute == "sex" else out

    return codes


def _age_from_40(original: Callable[..., Any]) -> Callable[..., Any]:
    def respondents(self: Any, poll: Any, state: Any, who: Any) -> Any:
        r = original(self, poll, state, who)  # as if decades were counted from 40, not 45
        return dataclasses.replace(
            r, desirability=r.desirability * self.p.desirability_per_decade**0.5
        )

    return respondents


def _parts_swapped(original: Callable[..., Any]) -> Callable[..., Any]:
    def parts(self: Any, m: Any, truth: float) -> Any:
        fear, desirability, neutral, design = original(self, m, truth)
        return desirability, fear, neutral, design

    return parts


def _effect_reversed(original: Callable[..., Any]) -> Callable[..., Any]:
    return lambda arm, control: original(control, arm)


MUTANTS = [  # (object, attribute, wrapper): a slip a vectorised phase could make
    (polls, "_codes", _swap_sex),
    (polls.PollsHook, "_respondents", _age_from_40),
    (interview.Replays, "parts", _parts_swapped),
    (estimators, "difference", _effect_reversed),
]


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m[1] if isinstance(m, tuple) else "")
def test_the_reference_catches_a_planted_mutation(
    mutant: tuple[Any, str, Callable[..., Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, name, wrap = mutant
    monkeypatch.setattr(owner, name, wrap(getattr(owner, name)))
    with pytest.raises(AssertionError):
        compare(1)


def compare(seed: int) -> set[str]:
    """Run the engine and the reference side by side; the poll fields compared."""
    compared: set[str] = set()
    # A harsh world, so that every effect happens within a few steps: many listed,
    # denied and paid, some wrongly.
    overrides = {
        "approval": APPROVAL,
        "interviews": {"fear": 5.0, "income_elasticity": 1.0, "online": {"urban": 0.9, "rural": 0.4},
                       "sensitivity": {"government": 1.0, "scoring_system": 0.3},
                       "desirability": {"urban": 0.4, "rural": 0.15}, "desirability_women": 1.6,
                       "desirability_per_decade": 0.8, "neutral": 0.15, "refuge": 0.3},
        "polls": POLLS,
        "blacklist.threshold": 990,
        "sources.street_cameras.false_positive_rate": 0.05,
        "opportunities.travel.demand": 0.3,
        "scoring.tiers.model_citizen.min": 1000,
    }  # fmt: skip
    sc = scoresim.load_scenario("seed").with_overrides(overrides)
    sim = scoresim.Simulation(sc, agents=N, seed=seed)
    cfg = sc.config
    slow = ref.Approval(cfg.approval, sim.compiled.labels, sim.state, sim.net, sim.keys)
    online = ref.online_frame(cfg.interviews, sim.compiled.labels, sim.state, sim.keys)
    np.testing.assert_allclose(sim.state.traits["approval"], slow.a, atol=1e-6)
    seen = {"sanctioned": 0, "wrongful": 0, "paid": 0, "near_listed": 0}
    respondents: dict[str, dict[str, object]] = {}
    for t in range(STEPS):
        sim.step()
        ev, state = sim.events, sim.state
        assert ev is not None
        slow.day(state, sim.net, sim.compiled.regime, sim.keys, ev, t)
        fast = state.traits["approval"]
        np.testing.assert_allclose(fast, slow.a, atol=1e-4, err_msg=f"step {t}: approval")
        row = sim.metrics.iloc[-1]
        assert row["approval.private"] == pytest.approx(np.mean(np.array(slow.a) > 0), abs=1.5 / N)
        assert row["approval.mean"] == pytest.approx(np.mean(slow.a), abs=1e-4)
        seen["sanctioned"] += int((ev.newly_listed | ev.denied_any).sum())
        seen["wrongful"] += int(((ev.newly_listed | ev.denied_any) & state.listed_wrongly).sum())
        seen["paid"] += int((state.tier == 3).sum())
        seen["near_listed"] += int(ev.newly_listed.sum())
        for p in cfg.polls or []:
            cols = [f"poll.{p.name}.{f}" for f in ("estimate", "truth", "n")]
            if p.day != t:
                assert row[cols].isna().all(), (t, p.name)
                continue
            asked = ref.poll(p, cfg.interviews, state, sim.compiled.regime, sim.keys,
                             list(fast), online, t, sim.compiled.labels.groups, cfg.people)  # fmt: skip
            day = (
                sim.metrics[sim.metrics["step"] == t]
                .assign(group=lambda f: f["group"].astype(str))
                .set_index("group")
            )
            for group, want in asked["rows"].items():
                for field, value in want.items():
                    compared.add(field)
                    got = day.loc[group, f"poll.{p.name}.{field}"]
                    if np.isnan(value):
                        assert np.isnan(got), (t, p.name, group, field)
                    else:  # interval ends: the reference's z has 6 digits
                        tol = 1e-6 if field.endswith(("low", "high")) else 1e-12
                        assert got == pytest.approx(value, abs=tol), (t, p.name, group, field)
            respondents[p.name] = asked
    assert all(v > 0 for v in seen.values()), seen  # every effect was exercised
    # The respondents table, person by person, for every poll.
    table = sim.respondents()
    assert list(table["poll"].unique()) == [p["name"] for p in POLLS]
    for name, asked in respondents.items():
        rows = table[table["poll"] == name]
        assert (rows["step"] == next(p["day"] for p in POLLS if p["name"] == name)).all()
        trial = asked["trial"]
        if trial is not None:  # one row per respondent and asking
            want = trial.table(asked["hid"])  # type: ignore[attr-defined]
            got = list(zip(rows["asking"], rows["condition"], rows["answer"], rows["view"],
                           rows["hid"], strict=True))  # fmt: skip
            assert got == want, name
            continue
        assert (rows["condition"] == "").all() and (rows["asking"] == 1).all()
        for column, key in (("id", "who"), ("answer", "answers"), ("view", "views"),
                            ("treated", "treated"), ("hid", "hid")):  # fmt: skip
            assert rows[column].tolist() == list(asked[key]), (name, column)  # type: ignore[call-overload]
    assert table["hid"].any() and table["treated"].any()  # both were exercised
    assert (table["answer"] == -1).any()  # and the neutral answer
    return compared
