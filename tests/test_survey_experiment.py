"""Survey experiments (docs/polls.md, "Survey experiments"): arms of information in a poll."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import scoresim
from scoresim.config.loading import Scenario
from scoresim.errors import ScenarioValueError
from tests.conftest import write_scenario

DAY = 3


def _poll(experiment: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": "exp", "day": DAY, "question": "scoring_system", "mode": "street",
            "size": 3000, "experiment": experiment, **extra}  # fmt: skip


def _run(name: str, polls: list[dict[str, Any]], agents: int = 4000, **overrides: Any) -> scoresim.RunResult:  # fmt: skip
    sc = scoresim.load_scenario(name).with_overrides({"approval": {"mean": 0.2, "sd": 0.5},
                                                      "polls": polls, **overrides})  # fmt: skip
    return scoresim.simulate(sc, agents=agents, steps=DAY + 1, seed=11)


def _all(run: scoresim.RunResult) -> pd.Series:
    m = run.metrics
    return m[(m["step"] == DAY) & (m["group"] == "all")].iloc[0]


def test_without_pressure_answers_are_views_so_estimates_are_truths() -> None:
    """baseline has no regime, so nobody fears, and desirability is 0: every answer is
    the view, and each estimate equals its truth exactly, in both assignments."""
    arms = {
        "bad": {"share": 0.4, "learn": 0.6, "approval": -0.3},
        "good": {"share": 0.3, "approval": 0.2},
    }
    between = _all(_run("baseline", [_poll({"arms": arms})]))
    for arm in arms:
        assert between[f"poll.exp.arm.{arm}.estimate"] == between[f"poll.exp.arm.{arm}.truth"]
    assert between["poll.exp.estimate"] == between["poll.exp.truth"]
    # Sizes: floor(share * 3000 + 0.5) in order, the rest control.
    assert (
        between["poll.exp.arm.bad.n"],
        between["poll.exp.arm.good.n"],
        between["poll.exp.n"],
    ) == (1200, 900, 900)
    within = _all(_run("baseline", [_poll({"assignment": "within", "arms": arms})]))
    for arm in arms:
        assert within[f"poll.exp.effect.{arm}.estimate"] == pytest.approx(
            within[f"poll.exp.effect.{arm}.truth"], abs=1e-12
        )
    assert within["poll.exp.n"] == 3000  # within: everyone's first answers
    assert within["poll.exp.effect.bad.estimate"] < 0 < within["poll.exp.effect.good.estimate"]


def test_information_that_turns_everyone_against_leaves_no_approval() -> None:
    run = _run("baseline", [_poll({"arms": {"shock": {"share": 0.5, "approval": -2.0}}})])
    row = _all(run)
    assert row["poll.exp.arm.shock.estimate"] == 0.0 and row["poll.exp.arm.shock.truth"] == 0.0
    # Between: the effect is the arm's share of yes less the control's, by hand.
    assert row["poll.exp.effect.shock.estimate"] == pytest.approx(
        -row["poll.exp.estimate"], abs=1e-12
    )
    p, n = row["poll.exp.estimate"], row["poll.exp.n"]
    se = math.sqrt(p * (1 - p) / n)  # the arm's share is 0, so its variance is 0
    assert row["poll.exp.effect.shock.high"] == pytest.approx(
        -p + 1.959963984540054 * se, abs=1e-12
    )


def test_learn_is_the_share_of_the_arm_that_takes_the_information_in() -> None:
    """approval +2 makes whoever learns approve; seeded, tolerance 5 binomial SE."""
    table = _run(
        "baseline", [_poll({"arms": {"news": {"share": 0.5, "learn": 0.3, "approval": 2.0}}})]
    ).respondents
    news = table[table["condition"] == "news"]
    control = table[table["condition"] == "control"]
    # Those who do not learn approve as often as the control does.
    p0 = float(control["view"].mean())
    expected = 0.3 + 0.7 * p0
    assert abs(float(news["view"].mean()) - expected) < 5 * math.sqrt(
        expected * (1 - expected) / len(news)
    )


def test_fear_raised_by_information_only_adds_yes_answers_within_subjects() -> None:
    """seed's regime makes people afraid; an arm that only multiplies fear can move a
    respondent's second answer from no to yes, never the other way."""
    run = _run("seed", [_poll({"assignment": "within", "arms": {"scare": {"share": 1.0, "fear": 10.0}}},
                              mode="street")], agents=6000, **{"interviews.sensitivity.scoring_system": 3.0})  # fmt: skip
    table = run.respondents
    first = table[table["asking"] == 1].set_index("id")["answer"]
    second = table[table["asking"] == 2].set_index("id")["answer"]
    diff = (second == 1).astype(int) - (first == 1).astype(int)
    assert set(diff.unique()) <= {0, 1} and diff.sum() > 0
    row = _all(run)
    assert row["poll.exp.effect.scare.truth"] == 0.0  # the view is untouched
    assert row["poll.exp.effect.scare.estimate"] == pytest.approx(diff.mean(), abs=1e-12)


def test_the_control_answers_as_without_the_experiment_and_nothing_else_moves() -> None:
    plain_poll = {
        "name": "exp",
        "day": DAY,
        "question": "scoring_system",
        "mode": "street",
        "size": 3000,
    }
    other = {"name": "other", "day": DAY, "question": "government", "mode": "online", "size": 2000}
    plain = _run("seed", [plain_poll, other])
    with_exp = _run("seed", [_poll({"arms": {"news": {"share": 0.5, "approval": -0.5}}}), other])
    a, b = plain.respondents, with_exp.respondents
    control = b[(b["poll"] == "exp") & (b["condition"] == "control")].set_index("id")["answer"]
    same = a[a["poll"] == "exp"].set_index("id")["answer"].loc[control.index]
    pd.testing.assert_series_equal(control, same)
    columns = [c for c in plain.metrics.columns if not c.startswith("poll.exp.")]
    pd.testing.assert_frame_equal(with_exp.metrics[columns], plain.metrics[columns])


BAD = [
    (_poll({"arms": {"a": {"share": 0.5}}}, design="list"),
     r"polls\[0\].experiment: 'list' is the poll's design; a survey experiment compares direct answers"),
    (_poll({"arms": {"control": {"share": 0.5}}}),
     r"polls\[0\].experiment.arms.control: 'control' names the arm that gets no information"),
    (_poll({"arms": {"a": {"share": 0.5}, "b": {"share": 0.5}}}),
     r"polls\[0\].experiment.arms: 1.0 is the arms' total share, which leaves no control arm"),
    (_poll({"assignment": "within", "arms": {"a": {"share": 0.7}, "b": {"share": 0.5}}}),
     r"polls\[0\].experiment.arms: 1.2 is the arms' total share, more than everyone"),
    (_poll({"arms": {}}), r"polls\[0\].experiment.arms"),
]  # fmt: skip


@pytest.mark.parametrize(("poll", "message"), BAD)
def test_a_bad_experiment_is_named(poll: dict[str, Any], message: str) -> None:
    raw = dict(scoresim.load_scenario("seed").raw)
    raw["polls"] = [poll]
    with pytest.raises(ScenarioValueError, match=message):
        Scenario.from_dict(raw, "x.yaml")


def test_a_within_experiment_may_give_everyone_information() -> None:
    raw = dict(scoresim.load_scenario("seed").raw)
    raw["polls"] = [
        _poll({"assignment": "within", "arms": {"a": {"share": 0.5}, "b": {"share": 0.5}}})
    ]
    Scenario.from_dict(raw, "x.yaml")


def test_an_experiment_runs_from_a_file_and_scoresim_poll_prints_its_arms(tmp_path: Path) -> None:
    raw = dict(scoresim.load_scenario("seed").raw)
    raw["polls"] = [_poll({"arms": {"repression": {"share": 0.5, "approval": -0.3}}})]
    path = write_scenario(tmp_path, raw)
    cli = str(Path(sys.executable).parent / "scoresim")
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run([cli, "run", str(path), "--agents", "3000", "--steps", str(DAY + 1),
                           "--out", str(tmp_path / "r"), "-q"], capture_output=True, text=True,
                          check=False, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    shown = subprocess.run([cli, "poll", str(tmp_path / "r")], capture_output=True, text=True,
                           check=False, env=env)  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    arm = scoresim.load_run(tmp_path / "r").info["polls"][0]["arms"][0]
    line = next(ln for ln in shown.stdout.splitlines() if "repression" in ln)
    assert f"{100 * arm['effect']:+.1f}" in line and f"{100 * arm['effect_truth']:+.1f}" in line
    assert np.isfinite(arm["effect_low"]) and arm["n"] == 1500
