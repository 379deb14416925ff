"""Each compile step against a hand computation from docs/model.md's definitions.

The expected values are worked out here from the scenario files' numbers (and SciPy's
normal distribution for the informants' supportive share), not from the compile code.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel, ConfigDict
from scipy.stats import norm

import scoresim
from scoresim.engine.compile import compile_scenario
from scoresim.errors import ScenarioValueError
from scoresim.mechanisms import Mechanism
from scoresim.parts import registry
from scoresim.society.step import plan


def _compiled(name: str, overrides: dict[str, Any] | None = None) -> Any:
    scenario = scoresim.load_scenario(name)
    if overrides:
        scenario = scenario.with_overrides(overrides)
    return scenario.config, compile_scenario(scenario.config)


def test_prior_risk_is_the_chance_that_some_source_records_an_act() -> None:
    cfg, c = _compiled("seed")
    names = list(cfg.behaviours)
    shares = np.array([g.share for g in cfg.groups.values()])
    shares = shares / shares.sum()
    # Informants: mean degree x informant share x P(stance >= min_stance), per group.
    supportive = sum(
        s * norm.sf(0.3, loc=g.stance.mean, scale=g.stance.sd)
        for s, g in zip(shares, cfg.groups.values(), strict=True)
    )
    informants = cfg.network.mean_degree * 0.2 * supportive
    heard = 1.0 * (1 - (1 - 0.1) ** informants)
    want = {
        "jaywalk": 0.5,
        "flashy_purchase": 0.9,
        "unpaid_debt": 0.9,
        "praise_party": 0.3,
        "criticise_government": 1 - (1 - 0.3) * (1 - heard),
    }
    got = dict(zip(names, c.regime.adapt.prior_risk.tolist(), strict=True))
    for b, p in want.items():
        assert got[b] == pytest.approx(p, rel=1e-6), b


def test_points_become_penalties_and_rewards_per_hundred() -> None:
    cfg, c = _compiled("seed")
    b = c.regime.behave
    for i, name in enumerate(cfg.behaviours):
        pts = cfg.scoring.points.get(name, 0)
        assert b.penalty[i] == pytest.approx(max(-pts, 0) / 100)
        assert b.reward[i] == pytest.approx(max(pts, 0) / 100)
        assert c.regime.score.points[i] == pts
    assert not b.listing_stake.any()  # score coupling: the list deters through points


def test_list_coupling_puts_the_stake_on_the_entry_events_only() -> None:
    # The calibrated regime's stake is 0; 30 points show where a stake goes.
    cfg, c = _compiled("court-blacklist", {"blacklist.stake": 30})
    assert cfg.blacklist is not None
    for i, name in enumerate(cfg.behaviours):
        entry = name in cfg.blacklist.entry_events
        assert c.regime.behave.listing_stake[i] == pytest.approx(0.30 if entry else 0.0)
        assert c.regime.listing.entry_events[i] == entry
    assert c.regime.listing.term == cfg.blacklist.term


def test_every_score_has_the_tier_whose_band_holds_it() -> None:
    cfg, c = _compiled("seed")
    sc = c.regime.score
    mins = [t.min for t in cfg.scoring.tiers.values()]
    for s in range(cfg.scoring.min, cfg.scoring.max + 1):
        want = max(k for k, m in enumerate(mins) if m <= s)
        assert sc.tier_of[s - sc.lo] == want, s


def test_shaming_exposure_is_the_chance_of_any_channel() -> None:
    _, c = _compiled("seed")  # screens only, display share 0.3
    assert c.regime.shaming.exposure == pytest.approx(0.3)
    assert c.regime.shaming.tie_cut == 0.1 and c.regime.shaming.shame_effect == 0.05
    channels = {"shaming.ringtone": {"share": 0.5, "contact_rate": 0.1},
                "shaming.map": {"share": 0.2, "usage": 0.3}}  # fmt: skip
    _, c = _compiled("seed", channels)
    assert c.regime.shaming.exposure == pytest.approx(1 - 0.7 * 0.5 * 0.8)
    _, c = _compiled("baseline")  # no shaming: every rate 0, no mechanism
    assert c.regime.shaming.exposure == 0.0 and c.regime.shaming.reach == 0.0
    assert c.regime.drift.resentment == 0.0 and c.regime.drift.pressure == 0.0


def test_without_a_blacklist_the_list_part_is_inert() -> None:
    _, c = _compiled("baseline")
    li = c.regime.listing
    assert not li.has_list and not li.entry_events.any()
    assert li.association_penalty == 0 and li.payment_exit == 0.0
    assert not c.regime.consequences.denied_listed.any()


def test_a_source_that_reads_both_speech_acts_can_swap_their_labels() -> None:
    cfg, c = _compiled("seed")
    names = list(cfg.behaviours)
    s = list(cfg.sources).index("social_media")
    crit, praise = names.index("criticise_government"), names.index("praise_party")
    pair = c.regime.observe.speech_pair[s]
    assert pair[crit] == praise and pair[praise] == crit
    assert (np.delete(pair, [crit, praise]) == -1).all()


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Counted(Mechanism):
    """A plug-in whose compile step counts its calls and whose hook checks what it got."""

    name = "counted"
    section = _Section
    calls = 0

    def compile(self, config: Any, labels: Any) -> Any:
        _Counted.calls += 1
        return np.array([len(b) for b in labels.behaviours])

    def start(self, params: Any, labels: Any, regime: Any, state: Any, net: Any,
              keys: Any) -> Any:  # fmt: skip
        assert isinstance(params, np.ndarray) and params.shape == (len(labels.behaviours),)
        return _Hook()


class _Hook:
    name, after = "counted", "score"
    columns: tuple[str, ...] = ()

    def act(self, *args: Any) -> None:
        """Nothing to do."""

    def measure(self, *args: Any) -> None:
        """No columns."""


def test_a_mechanism_compiles_once_per_scenario_and_its_hook_gets_the_result() -> None:
    registry.register(_Counted)
    try:
        scenario = scoresim.load_scenario("seed").with_overrides({"mechanisms": {"counted": {}}})
        before = _Counted.calls
        compiled = compile_scenario(scenario.config)
        assert _Counted.calls == before + 1
        assert compiled.mechanisms[-1].params.tolist() == [
            len(b) for b in scenario.config.behaviours
        ]
        sim = scoresim.Simulation(scenario, agents=300, seed=1)
        sim.run(3)
        assert [h.name for h in sim.hooks.after["score"]] == ["counted"]
    finally:
        registry._registered.pop("counted", None)


def test_a_hook_after_a_phase_it_cannot_follow_is_refused_when_the_run_starts() -> None:
    bad = _Hook()
    bad.after = "measure"
    with pytest.raises(ValueError, match="after='measure' is not a phase a mechanism can act"):
        plan([bad])


def test_a_tolerance_needs_a_behaviour_that_costs_points() -> None:
    with pytest.raises(ScenarioValueError, match=r"scoring\.tolerance\.praise_party: 'praise_party' costs no points"):  # fmt: skip
        scoresim.load_scenario("seed").with_overrides(
            {"scoring.tolerance": {"praise_party": {"free": 2, "period": 30}}}
        )
    with pytest.raises(
        ScenarioValueError, match=r"scoring\.tolerance\[0\]: 'shout' is not a defined"
    ):
        scoresim.load_scenario("seed").with_overrides(
            {"scoring.tolerance": {"shout": {"free": 2, "period": 30}}}
        )
    sc = scoresim.load_scenario("seed").with_overrides(
        {"scoring.tolerance": {"criticise_government": {"free": 2, "period": 30}}}
    )
    c = compile_scenario(sc.config)
    assert c.regime.score.tol_rows.tolist() == [
        list(sc.config.behaviours).index("criticise_government")
    ]
    assert c.regime.score.tol_free.tolist() == [2] and c.regime.score.tol_period.tolist() == [30]
    assert sc.content_hash != scoresim.load_scenario("seed").content_hash
