"""Regimes in time: the timeline section, Simulation.set, and common random numbers through time.

Definitions tested are those of docs/model.md, "Regimes in time".
"""

from __future__ import annotations

import datetime
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import scoresim
from scoresim.calibrate.spec import calibration_from_text
from scoresim.config.loading import Scenario
from scoresim.config.timeline import RampChange, SetChange
from scoresim.errors import OverrideError, ScenarioValueError, ScoresimError
from scoresim.sweep.spec import sweep_from_text
from tests.conftest import write_scenario

COVERAGE = "sources.street_cameras.coverage"
AGENTS, STEPS = 2000, 50


def with_timeline(name: str, timeline: Any, **extra: Any) -> Scenario:
    raw = dict(scoresim.load_scenario(name).raw)
    raw["timeline"] = timeline
    raw.update(extra)
    return Scenario.from_dict(raw, "t.yaml")


def run(
    scenario: Scenario | str, steps: int = STEPS, sets: Sequence[tuple[int, str, Any]] = ()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    sim = scoresim.Simulation(scenario, agents=AGENTS, seed=3)
    for day, path, value in sets:
        sim.run(day - sim.steps)
        sim.set(path, value)
    sim.run(steps - sim.steps)
    return sim.metrics, sim.agents()


@pytest.fixture(scope="module")
def plain() -> tuple[pd.DataFrame, pd.DataFrame]:
    return run("seed")


def test_a_timeline_that_changes_nothing_gives_the_bits_of_none(plain: Any) -> None:
    coverage = scoresim.load_scenario("seed").config.sources["street_cameras"].coverage
    for timeline in ([], [{"day": 10, "set": {COVERAGE: coverage}}],
                     [{"from": 5, "to": 25, "ramp": {COVERAGE: [coverage, coverage]}}]):  # fmt: skip
        metrics, agents = run(with_timeline("seed", timeline))
        pd.testing.assert_frame_equal(metrics, plain[0])
        pd.testing.assert_frame_equal(agents, plain[1])


def test_two_regimes_that_differ_from_day_d_are_identical_before_it(plain: Any) -> None:
    day = 30
    changed = with_timeline("seed", [{"day": day, "set": {COVERAGE: 0.95}}])
    metrics, _ = run(changed)
    before = metrics["step"] < day
    pd.testing.assert_frame_equal(metrics[before], plain[0][before])
    on_day = (metrics["step"] == day).to_numpy()
    assert (
        not metrics[on_day].reset_index(drop=True).equals(plain[0][on_day].reset_index(drop=True))
    )
    # The agents themselves, at the end of day - 1: the same people in the same state.
    _, agents_then = run(changed, steps=day)
    _, plain_then = run("seed", steps=day)
    pd.testing.assert_frame_equal(agents_then, plain_then)


def test_set_on_day_d_is_the_timeline_change_on_day_d_bit_for_bit() -> None:
    by_file = run(with_timeline("seed", [{"day": 30, "set": {COVERAGE: 0.95}}]))
    by_set = run("seed", sets=[(30, COVERAGE, 0.95)])
    for a, b in zip(by_file, by_set, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_a_ramp_is_a_set_every_day_of_the_ramp() -> None:
    path = "behaviours.jaywalk.base_rate"
    ramp = run(with_timeline("seed", [{"from": 20, "to": 40, "ramp": {path: [0.01, 0.2]}}]))
    daily = [(20 + d, path, 0.01 + (0.2 - 0.01) * d / 20) for d in range(21)]
    by_set = run("seed", sets=daily)
    for a, b in zip(ramp, by_set, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_a_date_is_the_day_it_falls_on_counted_from_start_date() -> None:
    start = datetime.date(2013, 10, 1)
    dated = with_timeline("seed", [{"day": datetime.date(2013, 10, 31), "set": {COVERAGE: 0.95}}],
                          start_date=start)  # fmt: skip
    numbered = with_timeline("seed", [{"day": 30, "set": {COVERAGE: 0.95}}])
    pd.testing.assert_frame_equal(run(dated)[0], run(numbered)[0])


def test_a_base_rate_change_moves_the_log_odds_by_the_difference() -> None:
    """docs/model.md: logit0 moves by the change of the group's float32 base log-odds."""
    scenario = scoresim.load_scenario("seed").with_overrides({"stance_drift": None})
    sim = scoresim.Simulation(scenario, agents=AGENTS, seed=3)
    sim.run(10)
    before = sim.state.logit0.copy()
    sim.set("behaviours.jaywalk.base_rate", 0.3)
    sim.step()
    b = list(scenario.config.behaviours).index("jaywalk")
    # The group's base log-odds at stance 0, from the docs: the logit of its base rate
    # (a number for every group, or one per group).
    groups = list(scenario.config.groups)
    state = sim.state
    given = scenario.config.behaviours["jaywalk"].base_rate
    for g, name in enumerate(groups):
        old = given[name] if isinstance(given, dict) else given
        shift = np.float32(np.log(0.3 / 0.7)) - np.float32(np.log(old / (1 - old)))
        rows = state.group == g
        assert np.allclose(state.logit0[b, rows], before[b, rows] + shift, atol=2e-6, rtol=0)
    other = [k for k in range(before.shape[0]) if k != b]
    assert np.array_equal(state.logit0[other], before[other])
    # pf_rate: the group means of the pressure-free probability, recomputed.
    pf = 1.0 / (1.0 + np.exp(-state.logit0[b].astype(np.float64)))
    for g in range(len(groups)):
        assert state.pf_rate[g, b] == pytest.approx(pf[state.group == g].mean(), rel=1e-6)
    assert state.pf_rate[-1, b] == pytest.approx(pf.mean(), rel=1e-6)


BAD = [
    ([{"day": 10, "set": {COVERAGE: 1.9}}],
     "t.yaml: timeline[0].set.sources.street_cameras.coverage: 1.9 is not allowed on day 10; it should be less than or equal to 1"),
    ([{"from": 10, "to": 20, "ramp": {COVERAGE: [0.1, 1.5]}}],
     "t.yaml: timeline[0].ramp.sources.street_cameras.coverage: 1.5 is not allowed on day 20;"),
    ([{"from": 20, "to": 10, "ramp": {COVERAGE: [0.1, 0.5]}}],
     "t.yaml: timeline[0].to: day 10 is not after from (day 20)"),
    ([{"day": -1, "set": {COVERAGE: 0.5}}], "t.yaml: timeline[0].day: -1 is outside a run"),
    ([{"day": 60_000, "set": {COVERAGE: 0.5}}], "t.yaml: timeline[0].day: 60000 is outside a run"),
    ([{"day": datetime.date(2014, 1, 1), "set": {COVERAGE: 0.5}}],
     "t.yaml: timeline[0].day: 2014-01-01 is a date but the scenario has no start_date"),
    ([{"day": 10, "set": {"groups.urban.share": 0.5}}],
     "t.yaml: timeline[0].set.groups.urban.share: groups cannot change during a run"),
    ([{"day": 10, "set": {"network.mean_degree": 4}}],
     "t.yaml: timeline[0].set.network.mean_degree: network cannot change during a run"),
    ([{"day": 10, "set": {"sources.street_camera.coverage": 0.5}}],
     "t.yaml: timeline[0].set.sources.street_camera.coverage: no such field in the scenario; did you mean 'sources.street_cameras.coverage'?"),
    ([{"day": 15, "set": {COVERAGE: 0.5}}, {"from": 10, "to": 20, "ramp": {COVERAGE: [0.1, 0.5]}}],
     "t.yaml: timeline[0].set.sources.street_cameras.coverage: starts on day 15, while timeline[1].ramp"),
    ([{"day": 15, "set": {COVERAGE: 0.5}}, {"day": 15, "set": {COVERAGE: 0.6}}],
     "t.yaml: timeline[1].set.sources.street_cameras.coverage: starts on day 15, while timeline[0].set"),
    ([{"day": 15, "set": {"sources.street_cameras": {"coverage": 0.5, "observes": ["jaywalk"]}}},
      {"day": 15, "set": {COVERAGE: 0.6}}],
     "t.yaml: timeline[1].set.sources.street_cameras.coverage: starts on day 15, while timeline[0].set.sources.street_cameras"),
    ([{"from": 1, "to": 20, "ramp": {"scoring.start": [800, 1000]}}],
     "t.yaml: timeline[0].ramp.scoring.start: 800.0 is not allowed on day 1; it should be a valid integer"),
    ([{"day": 10}], "t.yaml: timeline[0]: {'day': 10} is not allowed; an entry has `day` and `set`, or `from`, `to` and `ramp`"),
    ([{"day": 10, "set": {}}], "t.yaml: timeline[0].set: {} is not allowed"),
    ([{"day": 10, "set": {COVERAGE: 0.5}, "colour": 1}], "t.yaml: timeline[0].colour: unknown field"),
    ([{"day": 1.5, "set": {COVERAGE: 0.5}}], "t.yaml: timeline[0].day: 1.5 is not allowed"),
    ([{"day": True, "set": {COVERAGE: 0.5}}], "t.yaml: timeline[0].day: True is not allowed"),
    ("soon", "t.yaml: timeline: 'soon' is not allowed"),
]  # fmt: skip


@pytest.mark.parametrize(("timeline", "message"), BAD)
def test_every_bad_timeline_is_one_line_naming_its_field(timeline: Any, message: str) -> None:
    with pytest.raises(ScenarioValueError) as err:
        with_timeline("seed", timeline)
    assert str(err.value).startswith(message), str(err.value)
    assert "\n" not in str(err.value)


FOLLOW = [
    ({"scoring.start": 900}, "timeline[0].set.scoring.start: it would change how the people are made on day 0 (their score start); set it in the scenario itself"),
    ({"shaming": None}, "timeline[0].set.shaming: it would switch a mechanism on or off"),
    ({"interviews.online": 0.3}, "timeline[0].set.interviews.online: who is online is drawn on day 0"),
    ({"approval.mean": 0.3}, "timeline[0].set.approval.mean: approval's starting values"),
]  # fmt: skip


@pytest.mark.parametrize(("values", "message"), FOLLOW)
def test_a_change_a_run_cannot_follow_is_refused_when_it_starts(values: dict[str, Any], message: str) -> None:  # fmt: skip
    scenario = with_timeline("seed", [{"day": 10, "set": values}])
    with pytest.raises(ScenarioValueError) as err:
        scoresim.Simulation(scenario, agents=500, seed=1)
    assert str(err.value).startswith(f"t.yaml: {message}"), str(err.value)


def test_set_is_checked_as_the_entry_would_be_and_changes_nothing_when_refused() -> None:
    sim = scoresim.Simulation("seed", agents=500, seed=1)
    sim.run(5)
    for path, value, message in [
        (COVERAGE, 3, f"Simulation.set {COVERAGE}: 3 is not allowed on day 5; it should be less than or equal to 1"),
        ("groups.urban.share", 0.2, "Simulation.set groups.urban.share: groups cannot change during a run"),
        ("scoring.start", 10, "Simulation.set scoring.start: it would change how the people are made"),
    ]:  # fmt: skip
        with pytest.raises(ScoresimError) as err:
            sim.set(path, value)
        assert str(err.value).startswith(message), str(err.value)
    assert sim.scenario.config.timeline is None
    sim.set(COVERAGE, 0.5)
    sim.set(COVERAGE, 0.6)  # the second set of a path on one day replaces the first
    timeline = sim.scenario.config.timeline
    assert timeline is not None and len(timeline) == 1
    assert isinstance(timeline[0], SetChange)
    assert timeline[0].day == 5 and timeline[0].values == {COVERAGE: 0.6}
    sim.step()
    assert sim.scenario.content_hash != scoresim.load_scenario("seed").content_hash
    assert sim.info()["parameters"]["timeline"][0] == {"name": None, "day": 5, "set": {COVERAGE: 0.6}}  # fmt: skip


def test_an_entry_is_addressed_by_name_or_position_in_set_sweeps_and_calibrations(tmp_path: Path) -> None:  # fmt: skip
    raw = dict(scoresim.load_scenario("court-blacklist").raw)
    rail = "opportunities.high_speed_rail.demand"
    raw["timeline"] = [{"name": "widen", "day": 300, "set": {"blacklist.payment_exit": 0.002}},
                       {"from": 400, "to": 600, "ramp": {rail: [0.0003, 0.002]}}]  # fmt: skip
    scenario = Scenario.from_dict(raw, "court.yaml")
    changed = scenario.with_overrides({"timeline.widen.day": 350, f"timeline.1.ramp.{rail}.end": 0.003})  # fmt: skip
    timeline = changed.config.timeline
    assert timeline is not None
    first, second = timeline
    assert isinstance(first, SetChange) and isinstance(second, RampChange)
    assert first.day == 350 and second.ramp == {rail: [0.0003, 0.003]}
    with pytest.raises(OverrideError, match=r"no timeline entry 'nope'; the entries are widen, 1"):
        scenario.with_overrides({"timeline.nope.day": 3})
    path = write_scenario(tmp_path, raw, "court.yaml")
    sweep = sweep_from_text(
        f"scenario: {path.name}\nagents: 500\nsteps: 700\nparameters:\n"
        "  timeline.widen.day: [200, 300]\noutputs: [listed]\n", "sweep.yaml", tmp_path)  # fmt: skip
    assert sweep.config.parameters and sweep.scenario.config.timeline is not None
    with pytest.raises(ScoresimError, match=r"sweep.yaml.*timeline.widen.day.*70000"):
        sweep_from_text(f"scenario: {path.name}\nagents: 500\nsteps: 700\nparameters:\n"
                        "  timeline.widen.day: [200, 70000]\noutputs: [listed]\n", "sweep.yaml", tmp_path)  # fmt: skip
    cal = calibration_from_text(
        f"scenario: {path.name}\nrun: {{agents: 500, steps: 700}}\nparameters:\n"
        "  timeline.widen.day: {prior: uniform, low: 100, high: 500}\n"
        "targets:\n  - {name: listed, value: 0.01, sd: 0.001, day: 699, metric: list_entries, "
        "aggregate: sum, per_person: true, source: test}\n", "cal.yaml", tmp_path)  # fmt: skip
    assert "timeline.widen.day" in cal.integer


def test_a_bad_timeline_in_a_file_is_exit_2_one_line_and_nothing_written(tmp_path: Path) -> None:
    raw = dict(scoresim.load_scenario("seed").raw)
    raw["timeline"] = [{"day": 10, "set": {COVERAGE: 2.0}}]
    path = write_scenario(tmp_path, raw)
    out = tmp_path / "out"
    cli = [
        sys.executable,
        "-m",
        "scoresim.cli",
        "run",
        str(path),
        "--agents",
        "500",
        "--steps",
        "20",
    ]
    done = subprocess.run([*cli, "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "timeline[0].set.sources.street_cameras.coverage: 2.0 is not allowed on day 10" in lines[0]  # fmt: skip
    assert "Traceback" not in done.stderr and not out.exists()
    cli[4] = "seed"
    timeline = f"timeline=[{{day: 10, set: {{{COVERAGE}: 0.5}}}}]"
    good = subprocess.run(
        [*cli, "--out", str(out), "--set", timeline], capture_output=True, text=True
    )
    assert good.returncode == 0, good.stderr
    assert (out / "metrics.parquet").is_file()


def test_enforcement_is_a_probability_of_an_opportunity_the_list_denies() -> None:
    """blacklist.enforcement: keys in blacklist.denies, values in [0, 1]; 0 blocks nothing."""
    seed = scoresim.load_scenario("seed")
    with pytest.raises(ScenarioValueError) as err:
        seed.with_overrides({"blacklist.enforcement": {"high_speed_rail": 0.5}})
    assert "blacklist.enforcement.high_speed_rail: 'high_speed_rail' is not an opportunity the list denies; add it to blacklist.denies" in str(err.value)  # fmt: skip
    with pytest.raises(
        ScenarioValueError, match=r"blacklist.enforcement.travel: 1.5 is not allowed"
    ):
        seed.with_overrides({"blacklist.enforcement": {"travel": 1.5}})
    scenario = seed.with_overrides({"blacklist.enforcement": {"travel": 0.0}})
    metrics = scoresim.simulate(scenario, agents=AGENTS, steps=60, seed=3).metrics
    every = metrics[metrics["group"] == "all"]
    assert every["listed"].iloc[-1] > 0 and every["wanted.travel"].sum() > 0
    assert every["denied.travel"].sum() == 0 and every["denied.loan"].sum() > 0


def test_the_court_list_in_time_calibration_file_loads_with_timeline_parameters() -> None:
    """examples/calibration/court-blacklist.yaml: its parameters include timeline values,
    each checked at its prior's ends; its forecasts reach the end of 2025."""
    from scoresim.calibrate.spec import load_calibration

    root = Path(__file__).resolve().parents[1]
    cal = load_calibration(root / "examples" / "calibration" / "court-blacklist.yaml")
    assert "timeline.air_blocking.set.blacklist.enforcement.travel" in cal.names
    assert "timeline.rail_blocking.ramp.blacklist.enforcement.high_speed_rail.end" in cal.names
    assert cal.predictive_steps == 4475  # 31 December 2025 is day 4474
    assert cal.scenario.config.timeline is not None


def test_the_constant_rate_court_file_fits_the_same_targets_and_forecasts() -> None:
    """court-constant.yaml copies court-blacklist.yaml's targets, forecasts and run
    (the comparison in docs/calibration.md is on the same targets); differing only in
    the timeline and its parameters, the two must not drift apart."""
    import yaml

    folder = Path(__file__).resolve().parents[1] / "examples" / "calibration"
    timed, constant = (yaml.safe_load((folder / f).read_text()) for f in ("court-blacklist.yaml", "court-constant.yaml"))  # fmt: skip
    for key in ("scenario", "seed", "run", "targets", "forecasts"):
        assert constant[key] == timed[key], key
    assert constant["fixed"]["timeline"] is None
    shared = {k: v for k, v in timed["fixed"].items() if k in constant["fixed"]}
    assert shared == {k: constant["fixed"][k] for k in shared}


def test_a_section_and_a_field_in_it_changed_on_different_days_apply_in_time_order() -> None:
    """The field on day 10, its whole section on day 20, the field again on day 30: on
    day 35 the field holds day 30's value, on day 25 the section's."""
    from scoresim.config.timeline import changes, values_at

    section = {"behaviours": ["jaywalk"], "coverage": 0.3}
    scenario = with_timeline("seed", [
        {"day": 10, "set": {COVERAGE: 0.9}},
        {"day": 20, "set": {"sources.street_cameras": section}},
        {"day": 30, "set": {COVERAGE: 0.6}},
    ])  # fmt: skip
    cfg = scenario.config
    assert cfg.timeline is not None
    found = changes(cfg.timeline, cfg.start_date)
    assert list(values_at(found, 35)) == ["sources.street_cameras", COVERAGE]
    from scoresim.config.loading import parse_scenario
    from scoresim.config.timeline_checks import config_on

    on = {d: config_on(cfg, scenario.raw, found, d, "t.yaml", parse_scenario) for d in (25, 35)}
    assert on[25].sources["street_cameras"].coverage == 0.3
    assert on[35].sources["street_cameras"].coverage == 0.6
    # The field set inside the section did not write into the timeline's own entry.
    assert scenario.raw["timeline"][1]["set"]["sources.street_cameras"]["coverage"] == 0.3


def test_an_entry_changing_fields_that_must_agree_is_checked_as_a_whole() -> None:
    """Coupling and entry events set together on one day: accepted (each alone is not)."""
    both = {"scoring.coupling": "list", "blacklist.entry_events": ["jaywalk"]}
    scenario = with_timeline("seed", [{"day": 30, "set": both}])
    scoresim.Simulation(scenario, agents=300, seed=1).run(35)


def test_switching_the_list_off_mid_run_is_refused() -> None:
    scenario = with_timeline("court-blacklist", [{"day": 30, "set": {"blacklist": None}}])
    with pytest.raises(ScenarioValueError, match=r"timeline\[0\].set.blacklist: it would switch the list on or off"):  # fmt: skip
        scoresim.Simulation(scenario, agents=300, seed=1)


def test_approvals_reference_of_order_follows_a_base_rate_change() -> None:
    """With the rate from day 0 or from a timeline's day 10, approval ends alike (within
    0.1; seeded): the reference it measures order against moves with the log-odds."""
    rates = {"urban": 0.2, "rural": 0.15}
    from_start = scoresim.load_scenario("seed").with_overrides({"behaviours.jaywalk.base_rate": rates})  # fmt: skip
    later = with_timeline("seed", [{"day": 10, "set": {"behaviours.jaywalk.base_rate": rates}}])
    ends = []
    for scenario in (from_start, later):
        metrics = scoresim.simulate(scenario, agents=3000, steps=120, seed=3).metrics
        ends.append(float(metrics[metrics["group"] == "all"]["approval.private"].iloc[-1]))
    assert abs(ends[0] - ends[1]) < 0.1, ends


def test_set_takes_numpy_numbers_and_never_edits_the_files_entries() -> None:
    scenario = with_timeline("seed", [{"name": "cams", "day": 10, "set": {COVERAGE: 0.9}}])
    sim = scoresim.Simulation(scenario, agents=300, seed=1)
    sim.run(5)
    sim.set("blacklist.term", np.int64(30))
    sim.set(COVERAGE, np.float32(0.5))
    timeline = sim.scenario.config.timeline
    assert timeline is not None and len(timeline) == 2 and timeline[0].name == "cams"
    sim.run(5)
    with pytest.raises(ScenarioValueError, match=f"Simulation.set {COVERAGE}: starts on day 10, while timeline"):  # fmt: skip
        sim.set(COVERAGE, 0.2)  # the file changes this path on this day
    assert sim.scenario.config.timeline is not None and len(sim.scenario.config.timeline) == 2


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"start_date": 0}, "t.yaml: start_date: 0 is not allowed; give a date as YYYY-MM-DD"),
        ({"start_date": 20131001}, "t.yaml: start_date: 20131001 is not allowed; give a date as YYYY-MM-DD"),
        ({"timeline": [{"name": "x", "day": 3, "set": {COVERAGE: 0.5}},
                       {"name": "x", "day": 5, "set": {"scoring.recovery": 2}}]},
         "t.yaml: timeline[1].name: 'x' already names timeline[0]"),
        ({"timeline": [{"day": 3, "set": {"polls.rt_direct.day": 20}}]},
         "t.yaml: timeline[0].set.polls.rt_direct.day: polls cannot change during a run"),
    ],
)  # fmt: skip
def test_more_bad_timelines(extra: dict[str, Any], message: str) -> None:
    raw = dict(scoresim.load_scenario("seed").raw)
    raw.update(extra)
    with pytest.raises(ScenarioValueError) as err:
        Scenario.from_dict(raw, "t.yaml")
    assert str(err.value).startswith(message), str(err.value)


def test_scenarios_check_refuses_a_timeline_no_run_could_follow(tmp_path: Path) -> None:
    raw = dict(scoresim.load_scenario("seed").raw)
    raw["timeline"] = [{"day": 10, "set": {"approval.sd": 0.3}}]
    path = write_scenario(tmp_path, raw)
    done = subprocess.run([sys.executable, "-m", "scoresim.cli", "scenarios", "check", str(path)],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2 and "timeline[0].set.approval.sd" in done.stderr
    with pytest.raises(OverrideError, match="no timeline entry"):
        with_timeline("seed", [{"day": 3, "set": {COVERAGE: 0.5}}]).with_overrides({"timeline.².day": 4})  # fmt: skip
