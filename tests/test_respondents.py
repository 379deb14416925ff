"""The respondents table and polls broken down by sex, age and education (docs/model.md, 8)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import scoresim
from scoresim.errors import RunOptionError, ScenarioValueError
from scoresim.mechanisms import estimators
from scoresim.results.breakdown import poll_breakdown
from scoresim.results.polls import poll_table

DAY = 4
EARLY = {
    f"polls.{p}.day": DAY for p in ("kostka_online", "rt_direct", "rt_list", "xkc_information")
}


@pytest.fixture(scope="module")
def run() -> scoresim.RunResult:
    sc = scoresim.load_scenario("seed").with_overrides(EARLY)
    return scoresim.simulate(sc, agents=6000, steps=DAY + 2, seed=4)


def test_each_polls_metrics_are_its_respondents_estimate(run: scoresim.RunResult) -> None:
    table, polls = run.respondents, run.info["parameters"]["polls"]
    for poll in polls:
        if poll["experiment"] is not None:  # tests/test_survey_experiment.py
            continue
        rows = table[table["poll"] == poll["name"]]
        assert (rows["step"] == DAY).all() and rows["id"].is_monotonic_increasing
        said, view = rows["answer"].to_numpy(np.int64), rows["view"].to_numpy()
        if poll["design"] == "list":
            est = estimators.item_count(said, rows["treated"].to_numpy())
            # Only the treated at the floor hide, and they say the sensitive item.
            hid = rows[rows["hid"]]
            assert hid["treated"].all() and (~hid["view"]).all() and (hid["answer"] == 1).all()
        else:
            est = estimators.direct(said == 1)  # a neutral answer (-1) is not yes
            assert not rows["treated"].any()
            if poll["neutral"]:  # yes, no or neutral; whoever hid said yes
                assert set(np.unique(said)) <= {-1, 0, 1} and (said == -1).any()
                assert (said[rows["hid"].to_numpy()] == 1).all()
            else:
                np.testing.assert_array_equal(said, (view | rows["hid"].to_numpy()).astype(int))
            assert not (rows["hid"] & rows["view"]).any()
        summary = next(r for r in poll_table(run.metrics, polls) if r["name"] == poll["name"])
        assert summary["n"] == len(rows)
        assert summary["truth"] == pytest.approx(view.mean(), abs=1e-12)
        for k, field in enumerate(("estimate", "low", "high")):
            assert summary[field] == pytest.approx(est[k], abs=1e-12)
    assert table["hid"].any()


def test_by_group_from_the_respondents_is_the_metrics_group_rows(run: scoresim.RunResult) -> None:
    rows = poll_breakdown(run.respondents, run.agents, run.info, "group", "run")
    polls = run.info["parameters"]["polls"]
    for row in rows:
        want = next(
            r for r in poll_table(run.metrics, polls, row["category"]) if r["name"] == row["poll"]
        )
        for field in ("n", "estimate", "low", "high", "truth", "bias"):
            assert row[field] == pytest.approx(want[field], abs=1e-12), (row, field)


@pytest.mark.parametrize("by", ["sex", "age", "education"])
def test_a_breakdown_splits_every_respondent_by_the_agents_attribute(run: scoresim.RunResult, by: str) -> None:  # fmt: skip
    rows = poll_breakdown(run.respondents, run.agents, run.info, by, "run")
    people = run.info["parameters"]["people"]
    order = {
        "sex": ["women", "men"],
        "age": list(people["age"]),
        "education": list(people["education"]),
    }[by]
    agents = run.agents.set_index("id")
    for poll in run.info["parameters"]["polls"]:
        mine = [r for r in rows if r["poll"] == poll["name"]]
        assert [r["category"] for r in mine] == order
        asked = run.respondents[run.respondents["poll"] == poll["name"]]
        if poll["experiment"] is not None:  # the poll's own answers are the control's
            asked = asked[asked["condition"] == "control"]
        assert sum(r["n"] for r in mine) == len(asked)
        # Recomputed by hand for one category: the first.
        first = mine[0]
        who = agents.loc[asked["id"]]
        if by == "sex":
            m = who["female"].to_numpy()
        elif by == "age":
            lo, hi = (int(y) for y in order[0].split("-"))
            m = who["age"].between(lo, hi).to_numpy()
        else:
            m = (who["education"] == order[0]).to_numpy()
        assert first["n"] == int(m.sum())
        assert first["truth"] == pytest.approx(asked["view"].to_numpy()[m].mean(), abs=1e-12)
        if poll["design"] == "direct":
            assert first["estimate"] == pytest.approx(
                (asked["answer"].to_numpy()[m] == 1).mean(), abs=1e-12
            )


def test_the_table_is_saved_and_read_and_absent_without_polls(run: scoresim.RunResult, tmp_path: Path) -> None:  # fmt: skip
    run.save(tmp_path / "r")
    back = scoresim.load_run(tmp_path / "r")
    pd.testing.assert_frame_equal(back.respondents, run.respondents)
    plain = scoresim.simulate("baseline", agents=300, steps=2, seed=1)
    assert plain.respondents.empty and len(plain.respondents.columns) == 0
    plain.save(tmp_path / "b")
    assert not (tmp_path / "b" / "respondents.parquet").exists()
    with pytest.raises(RunOptionError, match="has no sex of its people"):
        unbroken: dict[str, object] = {
            f"polls.{p}.by": [] for p in ("kostka_online", "rt_direct", "rt_list")
        }
        no_people = scoresim.simulate(scoresim.load_scenario("seed").with_overrides({**EARLY, **unbroken, "people": None}),
                                      agents=500, steps=DAY + 1, seed=1)  # fmt: skip
        poll_breakdown(no_people.respondents, no_people.agents, no_people.info, "sex", "run")


def test_the_cli_breaks_polls_down_by_sex(run: scoresim.RunResult, tmp_path: Path) -> None:
    run.save(tmp_path / "r")
    cli = str(Path(sys.executable).parent / "scoresim")
    done = subprocess.run([cli, "poll", str(tmp_path / "r"), "--by", "sex"], capture_output=True,
                          text=True, check=False, env={**os.environ, "COLUMNS": "200"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    women = next(r for r in poll_breakdown(run.respondents, run.agents, run.info, "sex", "r")
                 if r["poll"] == "rt_direct" and r["category"] == "women")  # fmt: skip
    line = next(ln for ln in done.stdout.splitlines() if "rt_direct" in ln and "women" in ln)
    assert f"{100 * women['estimate']:.1f}%" in line and str(women["n"]) in line
    bad = subprocess.run([cli, "poll", str(tmp_path / "r"), "--by", "height"], capture_output=True,
                         text=True, check=False)  # fmt: skip
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "--by: 'height' is not a breakdown; use one of: group, sex, age, education" in bad.stderr
    assert not math.isnan(women["estimate"])


@pytest.mark.parametrize("by", ["sex", "age", "education"])
def test_a_polls_by_columns_are_the_breakdown_of_its_respondents(run: scoresim.RunResult, by: str) -> None:  # fmt: skip
    """seed's polls carry by: [sex, age, education]; each category's metric equals the
    breakdown recomputed from the respondents and agents tables."""
    rows = poll_breakdown(run.respondents, run.agents, run.info, by, "run")
    day = run.metrics[(run.metrics["step"] == DAY) & (run.metrics["group"] == "all")].iloc[0]
    checked = 0
    for row in rows:
        prefix = f"poll.{row['poll']}.by.{by}.{row['category']}."
        if prefix + "n" not in day:
            continue
        checked += 1
        assert day[prefix + "n"] == row["n"]
        assert day[prefix + "estimate"] == pytest.approx(row["estimate"], abs=1e-12)
        assert day[prefix + "truth"] == pytest.approx(row["truth"], abs=1e-12)
    assert checked >= 6  # three polls, at least two categories each


def test_by_names_only_what_the_people_section_draws() -> None:
    with pytest.raises(ScenarioValueError, match=r"polls\[0\].by\[1\]: 'age' is not drawn: the scenario's people: section gives no age"):  # fmt: skip
        scoresim.load_scenario("seed").with_overrides({"people.age": None, "people.education": {"low": 1.0},
                                                       "people.income_premium": {}})  # fmt: skip
    with pytest.raises(ScenarioValueError, match=r"polls\[0\].by\[1\]: 'sex' is named twice"):
        scoresim.load_scenario("seed").with_overrides({"polls.kostka_online.by": ["sex", "sex"]})


def test_a_calibration_statistic_reads_a_polls_field(run: scoresim.RunResult) -> None:
    from scoresim.calibrate.statistics import Statistic, compute

    days = {p["name"]: DAY for p in run.info["parameters"]["polls"]}
    women = Statistic(poll="rt_direct", field="by.sex.women.estimate")
    day = run.metrics[(run.metrics["step"] == DAY) & (run.metrics["group"] == "all")].iloc[0]
    assert compute(women, run.metrics, days) == day["poll.rt_direct.by.sex.women.estimate"]
    with pytest.raises(ValueError, match="field names a poll's column"):
        Statistic(metric="listed", day=3, field="neutral")


def test_a_run_saved_before_the_new_poll_fields_still_prints(run: scoresim.RunResult, tmp_path: Path) -> None:  # fmt: skip
    """An older run folder lacks the neutral and bias-part columns: they read as None."""
    old = run.metrics.drop(
        columns=[c for c in run.metrics.columns if c.endswith((".neutral", ".bias_fear"))]
    )
    rows = poll_table(old, run.info["parameters"]["polls"])
    assert all(r["neutral"] is None and r["bias_fear"] is None for r in rows)
    assert all(r["estimate"] is not None for r in rows)


def test_too_many_answers_are_refused() -> None:
    big = [
        {"name": f"p{k}", "day": 1, "question": "government", "size": 1_000_000} for k in range(11)
    ]
    with pytest.raises(
        ScenarioValueError, match=r"polls: '11,000,000 answers' are more than the 10,000,000"
    ):
        scoresim.load_scenario("seed").with_overrides({"polls": big})
