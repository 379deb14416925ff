"""The interview model's social desirability, neutral answer and bias split (docs/polls.md)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import scoresim
from scoresim.errors import ScenarioValueError

DAY = 3
K = 20_000


def _run(interviews: dict[str, Any], poll: dict[str, Any], name: str = "baseline", agents: int = K) -> dict[str, Any]:  # fmt: skip
    """The all row of one poll of the scoring system asked on day DAY of everyone."""
    spec = {"name": "q", "day": DAY, "question": "scoring_system", "mode": "street",
            "size": agents, **poll}  # fmt: skip
    sc = scoresim.load_scenario(name).with_overrides(
        {"approval": {"mean": 0.1, "sd": 0.5}, "interviews": interviews, "polls": [spec]}
    )
    run = scoresim.simulate(sc, agents=agents, steps=DAY + 1, seed=7)
    row: dict[str, Any] = run.info["polls"][0]
    row["table"] = run.respondents
    row["agents"] = run.agents
    return row


def test_desirability_alone_claims_one_minus_exp_minus_s_of_the_rest() -> None:
    """No regime, so no fear: a constant S makes a share 1 - e^-S of non-holders say yes.

    Seeded, 20 000 asked; tolerance 5 binomial standard errors of that share.
    """
    s = 0.4
    row = _run({"desirability": s, "presence": {"street": 1.0, "phone": 1.0, "online": 1.0}}, {})
    expected = row["truth"] + (1 - row["truth"]) * (1 - math.exp(-s))
    se = math.sqrt(expected * (1 - expected) / row["n"])
    assert abs(row["estimate"] - expected) < 5 * se
    assert row["bias_fear"] == 0.0 and row["bias_design"] == 0.0 and row["bias_neutral"] == 0.0
    assert row["bias_desirability"] == pytest.approx(row["estimate"] - row["truth"], abs=1e-12)


def test_women_and_the_young_are_pulled_more_by_their_factors() -> None:
    """S = 0.3 * 2 for women and * 0.5^((age - 45)/10): each person's claim chance known.

    Compared per category with the expected share of yes; 5 standard errors.
    """
    row = _run({"desirability": 0.3, "desirability_women": 2.0, "desirability_per_decade": 0.5}, {})
    table = row["table"].merge(row["agents"][["id", "female", "age"]], on="id")
    age = table["age"].to_numpy(np.float64)
    hazard = 0.3 * np.where(table["female"], 2.0, 1.0) * 0.5 ** ((age - 45) / 10)
    p_yes = np.where(table["view"], 1.0, -np.expm1(-hazard))
    for mask in (table["female"], ~table["female"], age < 35, age >= 60):
        m = np.asarray(mask, dtype=bool)
        want, n = float(p_yes[m].mean()), int(m.sum())
        got = float((table["answer"][m] == 1).mean())
        assert abs(got - want) < 5 * math.sqrt(want * (1 - want) / n), (got, want)


def test_the_neutral_answer_goes_to_the_undecided_and_the_refugees() -> None:
    """Without pressure: refuge 0 makes exactly the undecided neutral; refuge 1 everyone
    who does not say yes."""
    band = 0.2
    table = _run({"neutral": band, "refuge": 0.0}, {"neutral": True}, agents=4000)["table"]
    approval = _approvals(4000)[table["id"]]
    np.testing.assert_array_equal(table["answer"] == -1, np.abs(approval) <= band)
    np.testing.assert_array_equal(table["answer"] == 1, approval > band)
    row = _run({"neutral": band, "refuge": 1.0}, {"neutral": True}, agents=4000)
    np.testing.assert_array_equal(row["table"]["answer"] == -1, approval <= band)
    assert row["neutral"] == pytest.approx(float((approval <= band).mean()), abs=1e-12)
    # Those who hold the view but are undecided lower the estimate: bias_neutral.
    undecided_holders = float(((approval > 0) & (approval <= band)).mean())
    assert row["bias_neutral"] == pytest.approx(-undecided_holders, abs=1e-12)


def _approvals(agents: int) -> np.ndarray:
    sc = scoresim.load_scenario("baseline").with_overrides({"approval": {"mean": 0.1, "sd": 0.5}})
    sim = scoresim.Simulation(sc, agents=agents, seed=7)
    sim.run(DAY + 1)
    return np.asarray(sim.state.traits["approval"], dtype=np.float64)


@pytest.mark.parametrize("design", ["direct", "list", "randomized_response"])
def test_the_four_parts_sum_to_the_bias_in_every_row(design: str) -> None:
    sc = scoresim.load_scenario("seed").with_overrides({
        "interviews.desirability": {"urban": 0.5, "rural": 0.2}, "interviews.neutral": 0.1,
        "interviews.refuge": 0.4, "polls.kostka_online.day": DAY, "polls.kostka_online.design": design,
        "polls.kostka_online.neutral": design == "direct"})  # fmt: skip
    metrics = scoresim.simulate(sc, agents=5000, steps=DAY + 1, seed=3).metrics
    day = metrics[metrics["step"] == DAY]
    col = "poll.kostka_online."
    parts = day[
        [col + p for p in ("bias_fear", "bias_desirability", "bias_neutral", "bias_design")]
    ]
    np.testing.assert_allclose(
        parts.sum(axis=1), day[col + "estimate"] - day[col + "truth"], atol=1e-12
    )
    if design == "randomized_response":  # the device is private: nobody claims
        assert (parts[[col + "bias_fear", col + "bias_desirability"]] == 0).all().all()
    else:  # seed's regime makes people afraid, and the desirability pulls
        pressures = parts[[col + "bias_fear", col + "bias_desirability"]]
        assert (pressures >= 0).all().all()
        everyone = day["group"].astype(str).to_numpy() == "all"
        assert (pressures[everyone] > 0).all().all()
        if design == "direct":  # every group's opponents are asked; in a list, only those
            assert (pressures > 0).all().all()  # at the floor can show it, a few per group


def test_a_scenario_of_0_3_keeps_its_hash() -> None:
    """seed as written for 0.3 (tests/data): the new interview and poll fields at their
    defaults leave its hash as 0.3 computed it, so its sweeps and calibrations resume."""
    text = (Path(__file__).parent / "data" / "seed_0_3.yaml").read_text()
    sc = scoresim.Scenario.from_yaml_text(text)
    assert sc.content_hash == "f76b90e7a38f29e10bed3245f757eee3c1220ab13c75adec34c1487bd94b68b4"
    assert sc.with_overrides({"interviews.refuge": 0.1}).content_hash != sc.content_hash
    # And a calibration of it keeps its fingerprint (what its folder resumes on).
    from scoresim.calibrate.spec import load_calibration

    calibration = load_calibration(Path(__file__).parent / "data" / "calibration_0_3.yaml")
    assert (
        calibration.fingerprint
        == "d1f6aa6c4cfbb901918f1634069f9c61cbc5bbc745f1de3023d1e97fc4e6fdf7"
    )
    assert sc.with_overrides({"polls.rt_direct.neutral": True}).content_hash != sc.content_hash


BAD = [
    ({"polls.rt_list.neutral": True},
     r"polls\[2\].neutral: True offers a neutral answer in the list design, which counts or "
     r"randomises yes and no only; offer it in a direct question"),
    ({"interviews.desirability": {"urban": 0.2}}, r"interviews.desirability: .* gives no value for group 'rural'"),
    ({"interviews.desirability_women": 0.0}, r"interviews.desirability_women"),
    ({"interviews.neutral": 1.5}, r"interviews.neutral"),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "message"), BAD)
def test_a_bad_interview_setting_is_named(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioValueError, match=message):
        scoresim.load_scenario("seed").with_overrides(overrides)


def test_scoresim_poll_decompose_prints_the_parts(tmp_path: Path) -> None:
    sc = scoresim.load_scenario("seed").with_overrides(
        {"interviews.desirability": 0.3, "polls.rt_direct.day": DAY}
    )
    run = scoresim.simulate(sc, agents=3000, steps=DAY + 1, seed=2)
    run.save(tmp_path / "r")
    cli = str(Path(sys.executable).parent / "scoresim")
    env = {**os.environ, "COLUMNS": "250"}
    done = subprocess.run([cli, "poll", str(tmp_path / "r"), "--decompose"], capture_output=True,
                          text=True, check=False, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    row = next(r for r in run.info["polls"] if r["name"] == "rt_direct")
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("│ rt_direct"))
    for key in ("bias", "bias_fear", "bias_desirability"):
        assert f"{100 * row[key]:+.1f}" in line, key
    bad = subprocess.run([cli, "poll", str(tmp_path / "r"), "--decompose", "--by", "sex"],
                         capture_output=True, text=True, check=False)  # fmt: skip
    assert bad.returncode == 2 and "--decompose: the bias is split per group only" in bad.stderr
