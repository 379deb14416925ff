"""Polls and approval as a user meets them: estimators, bit-identity, errors, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import scoresim
from scoresim.errors import ScenarioValueError
from scoresim.mechanisms import estimators

SEED_YAML = Path(scoresim.__file__).parent / "scenarios" / "seed.yaml"
CLI = str(Path(sys.executable).with_name("scoresim"))


def test_wilson_interval_of_half_of_a_hundred() -> None:
    est, low, high = estimators.direct(np.array([True] * 50 + [False] * 50))
    # Wilson's 95% interval for 50/100, as tabulated: 0.4038 to 0.5962.
    assert est == 0.5 and low == pytest.approx(0.4038, abs=1e-4)
    assert high == pytest.approx(0.5962, abs=1e-4)
    _, low, high = estimators.direct(np.ones(20, np.bool_))
    assert 0.83 < low < 0.84 and high == pytest.approx(1.0)  # never above 1


def test_item_count_is_the_difference_of_means_with_its_standard_error() -> None:
    counts = np.array([2, 3, 1, 2, 1, 0, 2, 1])
    treated = np.array([True, True, True, True, False, False, False, False])
    est, low, high = estimators.item_count(counts, treated)
    # treated mean 2, variance 2/3; control mean 1, variance 2/3; n = 4 each.
    se = np.sqrt(2 / 3 / 4 + 2 / 3 / 4)
    assert est == pytest.approx(1.0)
    assert (low, high) == pytest.approx((1 - 1.959964 * se, 1 + 1.959964 * se), abs=1e-6)
    assert np.isnan(estimators.item_count(counts[:3], treated[:3])[0])  # one control


def test_forced_response_inverts_the_device() -> None:
    yes = np.array([True] * 60 + [False] * 40)
    est, low, high = estimators.forced_response(yes, truth=0.75, forced_yes=0.125)
    se = np.sqrt(0.6 * 0.4 / 100) / 0.75
    assert est == pytest.approx((0.6 - 0.125) / 0.75)
    assert high - low == pytest.approx(2 * 1.959964 * se, abs=1e-6)


def test_approval_and_polls_change_nothing_else() -> None:
    """seed carries approval and four polls; without them every other column is equal."""
    on = scoresim.simulate("seed", agents=3000, steps=370, seed=4)
    off = scoresim.simulate(
        scoresim.load_scenario("seed").with_overrides({"approval": None, "polls": None}),
        agents=3000, steps=370, seed=4,
    )  # fmt: skip
    assert "poll.rt_list.estimate" in on.metrics and "approval.private" in on.metrics
    pd.testing.assert_frame_equal(on.metrics[list(off.metrics.columns)], off.metrics)
    pd.testing.assert_frame_equal(on.agents.drop(columns="approval"), off.agents)
    assert off.info["polls"] == [] and len(on.info["polls"]) == 4


def test_without_fear_or_desirability_a_direct_poll_is_the_truth_and_a_list_agrees() -> None:
    sc = scoresim.load_scenario("seed").with_overrides(
        {"interviews.fear": 0.0, "interviews.desirability": 0.0, "polls.rt_list.size": 20000,
         "polls.rt_direct.size": 20000}
    )  # fmt: skip
    run = scoresim.simulate(sc, agents=30000, steps=365, seed=2)
    row = run.metrics[(run.metrics.step == 364) & (run.metrics.group == "all")].iloc[0]
    assert row["poll.rt_direct.estimate"] == row["poll.rt_direct.truth"]
    assert row["poll.rt_list.low"] <= row["poll.rt_list.truth"] <= row["poll.rt_list.high"]
    # With them, the direct question overstates support (seed's calibrated pressures).
    feared = scoresim.simulate("seed", agents=30000, steps=365, seed=2).metrics
    f = feared[(feared.step == 364) & (feared.group == "all")].iloc[0]
    assert f["poll.rt_direct.estimate"] - f["poll.rt_direct.truth"] > 0.15


def test_run_json_holds_what_the_metrics_hold() -> None:
    run = scoresim.simulate("seed", agents=2000, steps=365, seed=1)
    rows = run.metrics[(run.metrics.step == 364) & (run.metrics.group == "all")].iloc[0]
    for poll in run.info["polls"]:
        assert poll["asked"] and poll["day"] == 364
        for f in ("estimate", "low", "high", "truth", "neutral", "bias_fear", "bias_design"):
            assert poll[f] == rows[f"poll.{poll['name']}.{f}"]
        assert poll["bias"] == pytest.approx(poll["estimate"] - poll["truth"])
        for arm in poll.get("arms", []):
            assert arm["effect"] == rows[f"poll.{poll['name']}.effect.{arm['arm']}.estimate"]
    short = scoresim.simulate("seed", agents=500, steps=10, seed=1)
    assert [p["asked"] for p in short.info["polls"]] == [False] * 4
    assert short.metrics["poll.rt_list.estimate"].isna().all()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("polls:\n  - {name: a, day: 1, question: government}\n  - {name: a, day: 2, question: government}\n",
         r"polls\[1\]\.name: 'a' is the name of an earlier poll; give each poll its own name"),
        ("polls:\n  - {name: a, day: 1, question: scoring_system}\n",
         r"polls\[0\]\.question: 'scoring_system' asks about the scoring system, but the scenario has no approval"),
        ("polls:\n  - {name: a, day: 1, question: government, design: randomized_response, forced: {truth: 0.9, yes: 0.2}}\n",
         r"polls\[0\]\.forced\.yes: 0\.2 leaves a negative chance of a forced no"),
        ("approval:\n  mean: {urban: 0.2}\n", r"approval\.mean: .* gives no value for group 'rural'"),
        ("polls:\n  - {name: a, day: 1, question: government, mode: tv}\n", r"line \d+: polls\[0\]\.mode"),
    ],
)  # fmt: skip
def test_bad_opinion_sections_get_one_line(extra: str, message: str) -> None:
    base = SEED_YAML.read_text()
    base = base[: base.index("\napproval:")] + "\n"  # seed without its approval and polls
    with pytest.raises(ScenarioValueError, match=message) as err:
        scoresim.Scenario.from_yaml_text(base + extra, origin="mine.yaml")
    assert "\n" not in str(err.value)


def test_scoresim_poll_prints_every_poll(tmp_path: Path) -> None:
    out = tmp_path / "run"
    subprocess.run([CLI, "run", "seed", "--agents", "4000", "--steps", "365", "--out", str(out),
                    "-q"], check=True, capture_output=True, timeout=300)  # fmt: skip
    res = subprocess.run([CLI, "poll", str(out)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    info = json.loads((out / "run.json").read_text())
    for poll in info["polls"]:
        assert poll["name"] in res.stdout
        assert f"{100 * poll['estimate']:.1f}%" in res.stdout
        assert f"{100 * poll['bias']:+.1f}" in res.stdout
    by = subprocess.run([CLI, "poll", str(out), "--by", "group"], capture_output=True,
                        text=True, timeout=120)  # fmt: skip
    assert by.returncode == 0 and "urban" in by.stdout and "rural" in by.stdout
    metrics = pd.read_parquet(out / "metrics.parquet")
    urban = metrics[(metrics.step == 364) & (metrics.group == "urban")].iloc[0]
    assert f"{100 * urban['poll.rt_list.estimate']:.1f}%" in by.stdout
    bad = subprocess.run([CLI, "poll", str(out), "--by", "tier"], capture_output=True,
                         text=True, timeout=120)  # fmt: skip
    assert (
        bad.returncode == 2
        and bad.stderr.count("\n") == 1
        and "use one of: group, sex, age, education" in bad.stderr
    )


def test_a_run_without_polls_says_so(tmp_path: Path) -> None:
    out = tmp_path / "run"
    subprocess.run([CLI, "run", "seed", "--agents", "500", "--steps", "5", "--out", str(out),
                    "-q", "--set", "polls=null"], check=True, capture_output=True, timeout=300)  # fmt: skip
    res = subprocess.run([CLI, "poll", str(out)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "this run has no polls" in res.stderr
    assert "Traceback" not in res.stderr
