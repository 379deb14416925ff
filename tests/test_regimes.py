"""The built-in regimes: they load, run, share one society, cite a source for every
number, and each one's defining mechanism does what it says. Seeded; tolerances stated."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import pytest

import scoresim
from scoresim.config.loading import builtin_names
from scoresim.engine.compile import Compiled
from scoresim.society.state import CitizenState

REGIMES = builtin_names()


def _all(run: scoresim.RunResult) -> pd.DataFrame:
    m = run.metrics
    out: pd.DataFrame = m[m["group"] == "all"].reset_index(drop=True)
    return out


def _engine(
    name: str, overrides: dict[str, Any], agents: int, steps: int, seed: int
) -> tuple[Compiled, CitizenState]:
    sc = scoresim.load_scenario(name).with_overrides(overrides)
    sim = scoresim.Simulation(sc, agents=agents, seed=seed, _rows=steps)
    sim.run(steps)
    return sim.compiled, sim.state


@pytest.mark.parametrize("name", REGIMES)
def test_every_regime_runs(name: str) -> None:
    run = scoresim.simulate(name, agents=2000, steps=30, seed=5)
    m = _all(run)
    assert len(m) == 30 and (m["population"] == 2000).all()
    rates = m[[c for c in m.columns if c.startswith("rate.")]]
    assert rates.notna().all().all() and (rates.to_numpy() > 0).any()
    if scoresim.load_scenario(name).config.blacklist is None:
        assert m["listed"].max() == 0.0


@pytest.mark.parametrize("name", REGIMES)
def test_every_regime_lives_in_the_baseline_society(name: str) -> None:
    """Runs compare only if the people are the same; regimes may add behaviours."""
    base = scoresim.load_scenario("baseline").config
    cfg = scoresim.load_scenario(name).config
    for part in ("groups", "people", "network", "response", "dissent_behaviour"):
        assert getattr(cfg, part) == getattr(base, part), part
    for b, spec in base.behaviours.items():
        assert cfg.behaviours[b] == spec, b
    for o, want in base.opportunities.items():
        assert cfg.opportunities[o] == want, o


NUMBER = re.compile(r"(?<![\w.])-?\d+(\.\d+)?(?![\w.])")


@pytest.mark.parametrize("name", REGIMES)
def test_every_number_has_a_source_comment(name: str) -> None:
    """A number is explained on its line or on a line of an enclosing section."""
    text = resources.files("scoresim.scenarios").joinpath(f"{name}.yaml").read_text()
    stack: list[tuple[int, bool]] = []  # (indent, has a comment) of enclosing lines
    for lineno, line in enumerate(text.splitlines(), 1):
        body, _, comment = line.partition("#")
        if not body.strip():
            continue
        indent = len(body) - len(body.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        value = body.split(":", 1)[1] if ":" in body else body
        explained = bool(comment.strip()) or any(c for _, c in stack)
        if NUMBER.search(value) and not body.lstrip().startswith(("name:", "description:")):
            assert explained, f"{name}.yaml line {lineno}: {line.strip()!r} has no source"
        stack.append((indent, bool(comment.strip())))
    unconfirmed = {"rongcheng-2018": "C: {min: 600}", "court-blacklist": "payment_exit: 0.0005"}
    if name in unconfirmed:
        line = next(x for x in text.splitlines() if unconfirmed[name] in x)
        assert "unconfirmed" in line


def test_court_blacklist_paying_ends_the_listing() -> None:
    """Monotone in the daily payment probability (20 000 agents, 200 days, seed 11)."""
    more = {"behaviours.refuse_to_perform.base_rate": 0.001}
    listed = {}
    for pay in (0.0, 0.01, 1.0):
        run = scoresim.simulate(
            "court-blacklist",
            agents=20_000,
            steps=200,
            seed=11,
            overrides={**more, "blacklist.payment_exit": pay},
        )
        end = _all(run).iloc[-1]
        listed[pay] = float(end["listed"] - end["listed_wrongly"])
    assert listed[0.0] > 0.003  # ~80 rightly listed people
    assert listed[0.01] < 0.8 * listed[0.0]
    # Paying the next day: only those listed today remain (a few in 20 000).
    assert listed[1.0] < 0.05 * listed[0.0]


def test_court_blacklist_ringtone_and_map_cut_ties() -> None:
    """Shaming channels isolate the listed; without them no tie is cut."""
    harsh = {
        "behaviours.refuse_to_perform.base_rate": 0.001,
        "shaming.tie_cut_probability": 0.5,
        "shaming.ringtone.share": 1.0,
    }
    _, with_shame = _engine("court-blacklist", harsh, 10_000, 150, 12)
    assert with_shame.ties_cut > 20
    assert with_shame.ringtone.any() and with_shame.told.any()
    listed = with_shame.listed_until > 0
    assert with_shame.ties_lost[listed].mean() > 10 * max(
        with_shame.ties_lost[~listed].mean(), 0.01
    )
    # The section switched off as a whole (its fields and the section may not be set together).
    off = {k: v for k, v in harsh.items() if not k.startswith("shaming.")} | {"shaming": None}
    _, no_shame = _engine("court-blacklist", off, 10_000, 150, 12)
    assert no_shame.ties_cut == 0 and no_shame.shamings.sum() == 0


def test_court_blacklist_joint_punishment_denies_across_agencies() -> None:
    """Flights and rail are blocked from the 2014 platform on, market access and public
    posts from the joint-punishment memorandum of January 2016 (docs/sources.md, 10)."""
    cfg = scoresim.load_scenario("court-blacklist").config
    assert cfg.blacklist is not None and len(cfg.blacklist.entry_events) == 6
    assert cfg.blacklist.term == 100_000 and cfg.scoring.coupling == "list"
    run = scoresim.simulate(
        "court-blacklist",
        agents=5_000,
        steps=900,
        seed=3,
        overrides={"behaviours.refuse_to_perform.base_rate": 0.002},
    )
    every = _all(run).reset_index(drop=True)
    platform, memorandum = 273, 841  # 1 Jul 2014 and 20 Jan 2016, from 1 Oct 2013
    for o in ("travel", "high_speed_rail"):
        assert every[f"denied.{o}"][:platform].sum() == 0 and every[f"denied.{o}"].sum() > 0
    for o in ("business_licence", "public_job"):
        assert every[f"denied.{o}"][:memorandum].sum() == 0
    opportunities = [c for c in every.columns if str(c).startswith("denied.")]
    assert (every[opportunities].sum() > 0).sum() >= 7  # rare ones may see no demand


def test_sesame_criticism_costs_nothing() -> None:
    """Speech is neither watched nor scored: chilling of criticism is within 0.02 of 0."""
    cfg = scoresim.load_scenario("sesame").config
    assert "criticise_government" not in cfg.scoring.points
    assert all("criticise_government" not in s.behaviours for s in cfg.sources.values())
    run = scoresim.simulate("sesame", agents=20_000, steps=120, seed=13)
    m = _all(run)
    assert m["recorded.criticise_government"].max() == 0.0
    assert abs(m["chilling.criticise_government"].iloc[60:].mean()) < 0.02
    # ...while what people buy is scored and does change.
    assert m["recorded.unpaid_debt"].sum() > 0


def test_rongcheng_current_only_the_consenting_respond() -> None:
    """Littering is chilled with everyone consenting and not at all with nobody."""
    chill = {}
    for share in (0.0, 1.0):
        run = scoresim.simulate(
            "rongcheng-current",
            agents=20_000,
            steps=120,
            seed=14,
            overrides={"scoring.awareness": share},
        )
        chill[share] = float(_all(run)["chilling.littering"].iloc[60:].mean())
    assert abs(chill[0.0]) < 0.02
    assert chill[1.0] > 0.03


def test_rongcheng_current_no_consent_no_score_no_perks() -> None:
    compiled, state = _engine("rongcheng-current", {}, 10_000, 120, 15)
    refused = ~state.consented
    assert 0.8 < refused.mean() < 0.95  # 11% consent
    assert (state.score[refused] == compiled.regime.score.start).all()
    assert state.perk_days[refused].sum() == 0
    assert (state.score[state.consented] != compiled.regime.score.start).any()
    # Records are still kept: people who never consented are listed too.
    assert (state.listed_until[refused] > 0).any() or state.sanctions[refused].sum() > 0


def test_rongcheng_2018_points_table_and_grades() -> None:
    """A year of ordinary life takes nobody to grade D; a higher bar does list people."""
    run = scoresim.simulate("rongcheng-2018", agents=20_000, steps=365, seed=16)
    end = _all(run).iloc[-1]
    assert end["tier.D"] == 0.0 and end["listed"] == 0.0
    assert end["score.p50"] < 1000  # the table mostly docks points
    assert end["tier.AAA"] + end["tier.AA"] > 0  # volunteering and heroism lift a few
    run = scoresim.simulate(
        "rongcheng-2018",
        agents=20_000,
        steps=200,
        seed=16,
        overrides={"blacklist.threshold": 985},
    )
    m = _all(run)
    assert m["listed"].iloc[-1] > 0.01 and m["denied.loan"].sum() > 0
    assert m["denied.travel"].sum() == 0  # grade D bars loans, business and public jobs only


def test_fuzhou_jasmine_perks_only_and_by_threshold() -> None:
    compiled, state = _engine("fuzhou-jasmine", {}, 10_000, 120, 17)
    assert state.denials.sum() == 0 and not (state.listed_until > 0).any()
    labels = compiled.labels.tiers
    perk = dict(zip(labels, compiled.regime.consequences.perk, strict=True))
    assert perk["fair"] == 0 and perk["good"] == pytest.approx(0.3)
    assert perk["good_transit"] == pytest.approx(0.7)
    assert state.perk_days[~state.consented].sum() == 0  # perks need the app (consent)
    assert state.perk_days[state.consented].sum() > 0


def test_eu_compliant_denies_credit_only() -> None:
    run = scoresim.simulate(
        "eu-compliant",
        agents=20_000,
        steps=200,
        seed=18,
        overrides={"scoring.points.unpaid_debt": -60},
    )
    m = _all(run)
    assert m["listed"].max() > 0.002 and m["denied.loan"].sum() > 0
    others = [c for c in m.columns if c.startswith("denied.") and c != "denied.loan"]
    assert m[others].to_numpy().sum() == 0
    assert m["appeals"].sum() > 0


def test_stance_drift_resentment_and_silence() -> None:
    """Resentment pulls the sanctioned towards dissent; pressure makes silence persuasive.

    Same seed, so the same people; 20 000 agents, 200 days.
    """
    kw: dict[str, Any] = {"agents": 20_000, "steps": 200, "seed": 19}
    plain = scoresim.simulate("seed", **kw)
    angry = scoresim.simulate("seed", overrides={"stance_drift.resentment": 0.2}, **kw)
    # Listings last 730 days, so everyone ever sanctioned is listed or was denied.
    hit = angry.agents["listed"].to_numpy() | (angry.agents["denials"].to_numpy() > 0)
    assert hit.sum() > 100
    drop = (plain.agents["stance"] - angry.agents["stance"]).to_numpy()
    movable = hit & (plain.agents["stance"].to_numpy() > -1.0)  # -1 cannot fall further
    assert drop[movable].min() > 0.0 and drop[hit].mean() > 0.08
    assert (drop[~hit] == 0.0).all()
    pressed = {"stance_drift.pressure": 0.003}
    base = _all(scoresim.simulate("baseline", overrides=pressed, **kw))
    seed = _all(scoresim.simulate("seed", overrides=pressed, **kw))
    assert seed["private_dissent"].iloc[-1] < base["private_dissent"].iloc[-1] - 0.03
    np.testing.assert_allclose(
        _all(plain)["private_dissent"], _all(plain)["private_dissent"].iloc[0], atol=1e-12
    )
