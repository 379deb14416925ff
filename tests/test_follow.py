"""Following people: what the followed table says, that following changes nothing, and its errors.

The table's rows are checked against the per-agent reference in
tests/test_phases_reference.py; here, against the run's own events and tables.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import scoresim
from scoresim import limits
from scoresim.errors import ExtensionError, RunOptionError


def names(cell: str) -> list[str]:
    """A list column's cell as its names."""
    return cell.split("; ") if cell else []


N = 1500
HARSH = {
    "sources.street_cameras.false_positive_rate": 0.05,
    "blacklist.threshold": 990,
    "opportunities.travel.demand": 0.3,
    # Tiers that move after the consequences phase (the penalty), and perks paid only
    # to the consenting: what the followed table must take as that phase saw it.
    "blacklist.association_penalty": 20,
    "scoring.tiers.model_citizen.min": 1000,  # everyone starts one, the unscored stay
    "scoring.consent": 0.6,
    "scoring.consent_required": True,
}


def test_following_changes_no_result() -> None:
    a = scoresim.Simulation("seed", agents=N, seed=4, overrides=HARSH, follow=300)
    b = scoresim.Simulation("seed", agents=N, seed=4, overrides=HARSH)
    a.run(40)
    b.run(40)
    pd.testing.assert_frame_equal(a.metrics, b.metrics)
    pd.testing.assert_frame_equal(a.agents(), b.agents())
    pd.testing.assert_frame_equal(a.respondents(), b.respondents())


def test_following_everyone_adds_up_to_the_days_events() -> None:
    """With everyone followed, each day's table sums to the step's own events."""
    sim = scoresim.Simulation("seed", agents=N, seed=5, overrides=HARSH, follow=N)
    labels = sim.compiled.labels
    denials = np.zeros(N, np.int64)
    totals = {"seen": 0, "denied": 0, "false": 0}
    days, scores = [], []
    for _ in range(30):
        sim.step()
        assert sim.events is not None
        days.append(copy.deepcopy(sim.events))
        scores.append(sim.state.score.copy())
    table = sim.followed()
    for t, ev in enumerate(days):
        day = table[table["step"] == t].set_index("id").sort_index()
        for k, b in enumerate(labels.behaviours):
            assert (day["did"].map(lambda x, b=b: b in names(x)).to_numpy() == ev.acts[k]).all()
            assert (
                day["recorded"].map(lambda x, b=b: b in names(x)).to_numpy() == ev.caught[k]
            ).all()
            seen = day["seen_by"].map(lambda x, b=b: any(p.endswith(f": {b}") for p in names(x)))
            assert (seen.to_numpy() == ev.detected[k]).all(), (t, b)
            falsely = day["recorded_falsely"].map(lambda x, b=b: b in names(x)).to_numpy()
            assert (falsely == ev.false_records[k]).all(), (t, b)
        for o, name in enumerate(labels.opportunities):
            for g, group in enumerate(labels.groups):
                mine = day["group"] == group
                wanted = day.loc[mine, "wanted"].map(lambda x, n=name: n in names(x)).sum()
                denied = day.loc[mine, "denied"].map(lambda x, n=name: n in names(x)).sum()
                assert (wanted, denied) == (ev.wanted[o, g], ev.denied[o, g]), (t, name, group)
        denials += day["denied"].map(lambda x: len(names(x))).to_numpy()
        assert (day["newly_listed"].to_numpy() == ev.newly_listed).all()
        assert (day["shamed"].to_numpy() == ev.newly_shamed).all()
        assert (day["score"].to_numpy() == scores[t]).all()
        totals["seen"] += int(day["seen_by"].map(lambda x: len(names(x))).sum())
        totals["denied"] += int(day["denied"].map(lambda x: len(names(x))).sum())
        totals["false"] += int(day["false_record_by"].map(lambda x: len(names(x))).sum())
    assert (denials == sim.state.denials).all()
    perk_days = sim.followed().groupby("id")["perk"].apply(lambda x: int((x > 0).sum()))
    assert (perk_days.to_numpy() == sim.state.perk_days).all()
    assert perk_days.sum() > 0 and (sim.followed()["perk"] > 0).any()
    last = sim.followed().query("step == 29").sort_values("id")
    np.testing.assert_array_equal(last["approval"].to_numpy(), sim.state.traits["approval"])
    lost = sim.followed().groupby("id")["ties_lost"].sum().to_numpy()
    assert (lost == sim.state.ties_lost).all()
    points = sim.followed().groupby("id")["points"].sum().to_numpy()
    assert (points == sim.state.score.astype(np.int64) - 1000).all()  # seed starts at 1000
    assert all(v > 0 for v in totals.values()), totals


def test_person_reporters_give_one_column_per_reporter() -> None:
    def wealth(state: Any, events: Any, ids: np.ndarray) -> np.ndarray:
        return np.asarray(state.wealth[ids])

    sim = scoresim.Simulation("seed", agents=N, seed=2, follow=[5, 3, 900],
                              person_reporters={"wealth": wealth})  # fmt: skip
    sim.run(3)
    table = sim.followed()
    assert table["id"].tolist() == [3, 5, 900] * 3
    assert table["step"].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert table["wealth"].tail(3).tolist() == pytest.approx(sim.state.wealth[[3, 5, 900]].tolist())


def test_a_rule_chooses_whom_to_follow() -> None:
    sim = scoresim.Simulation("seed", agents=N, seed=2, follow=lambda s: s.group == 1)
    sim.step()
    assert set(sim.followed()["group"]) == {"rural"}
    assert len(sim.followed()) == int((sim.state.group == 1).sum())


def test_follow_n_draws_its_own_people_the_same_each_time() -> None:
    one = scoresim.Simulation("seed", agents=N, seed=8, follow=50)
    two = scoresim.Simulation("seed", agents=N, seed=8, follow=50)
    other = scoresim.Simulation("seed", agents=N, seed=9, follow=50)
    assert one.follower is not None and two.follower is not None and other.follower is not None
    assert one.follower.ids.tolist() == two.follower.ids.tolist()
    assert one.follower.ids.tolist() != other.follower.ids.tolist()
    assert len(set(one.follower.ids.tolist())) == 50


def test_the_followed_table_is_saved_and_read_back(tmp_path: Path) -> None:
    run = scoresim.simulate("seed", agents=N, steps=5, seed=1, follow=10)
    run.save(tmp_path / "r")
    back = scoresim.load_run(tmp_path / "r")
    assert (tmp_path / "r" / "people.parquet").exists()
    assert back.info["followed"] == {"people": 10, "chosen": "at random", "person_reporters": []}
    pd.testing.assert_frame_equal(back.followed, run.followed, check_categorical=False)
    scoresim.simulate("seed", agents=N, steps=2, seed=1).save(tmp_path / "plain")
    assert not (tmp_path / "plain" / "people.parquet").exists()
    assert scoresim.load_run(tmp_path / "plain").info["followed"] is None


def test_with_your_own_network_the_ids_are_your_node_ids() -> None:
    # The run places people in group order, so position and node id differ.
    sim = scoresim.Simulation("seed", agents=200, seed=1, network=nx.cycle_graph(200),
                              follow=[3, 150])  # fmt: skip
    sim.step()
    table = sim.followed().set_index("id")
    assert list(table.index) == [3, 150]
    agents = sim.agents().set_index("id")
    for node in (3, 150):
        for column in ("score", "group"):
            assert str(table.loc[node, column]) == str(agents.loc[node, column]), (node, column)
    with pytest.raises(RunOptionError, match="follow: 200 is not a node of your network"):
        scoresim.Simulation("seed", agents=200, seed=1, network=nx.cycle_graph(200), follow=[200])


@pytest.mark.parametrize(
    ("follow", "message"),
    [
        (0, "follow: 0 is not allowed; follow between 1 and 1,500 people"),
        (N + 1, "follow between 1 and 1,500 people"),
        ([3, 3], "follow: id 3 twice; give each person once"),
        ([-1], "follow: id -1, which is not a person of this run; ids go from 0 to 1499"),
        ([1.5], "follow: [1.5], which is not ids; give whole numbers"),
        (True, "follow: True is not allowed"),
        ([], "follow: 0 people chosen; follow between 1 and 1,500"),
        (
            lambda s: s.group[:10] == 1,
            "follow: the rule returned a mask of shape (10,); this run has 1,500",
        ),
        (lambda s: None, "follow: the rule returned None, which is not ids"),
        (lambda s: s.group > 5, "follow: 0 people chosen"),
    ],
)
def test_bad_follow_is_one_line(follow: Any, message: str) -> None:
    with pytest.raises(RunOptionError, match=re.escape(message)) as exc:
        scoresim.Simulation("seed", agents=N, seed=1, follow=follow)
    assert "\n" not in str(exc.value)


def test_a_person_reporter_that_fails_undoes_the_step() -> None:
    calls = {"n": 0}

    def flaky(state: Any, events: Any, ids: np.ndarray) -> Any:
        calls["n"] += 1
        return np.zeros(ids.shape) if calls["n"] < 3 else [1.0]

    sim = scoresim.Simulation("seed", agents=N, seed=1, follow=4,
                              person_reporters={"flaky": flaky})  # fmt: skip
    sim.run(2)
    with pytest.raises(ExtensionError, match=r"person_reporters.flaky: in step 2, returned list"):
        sim.step()
    assert sim.steps == 2 and len(sim.followed()) == 8
    with pytest.raises(RunOptionError, match="give follow= too"):
        scoresim.Simulation("seed", agents=N, person_reporters={"x": flaky})


def test_a_source_changed_mid_run_names_each_day_by_its_own_regime() -> None:
    sim = scoresim.Simulation("seed", agents=N, seed=6, follow=N)
    sim.run(3)
    sim.set("sources.street_cameras.behaviours", ["flashy_purchase"])
    sim.run(3)
    table = sim.followed()
    before, after = table[table["step"] < 3], table[table["step"] >= 3]
    cams = "street_cameras: "
    assert before["seen_by"].str.contains(cams + "jaywalk").any()
    assert not after["seen_by"].str.contains(cams + "jaywalk").any()
    assert after["seen_by"].str.contains(cams + "flashy_purchase").any()
    seen = after[after["seen_by"].str.contains(cams + "flashy_purchase")]
    assert seen["did"].map(lambda x: "flashy_purchase" in names(x)).all()


def test_a_rule_that_raises_is_one_line_and_reads_a_view() -> None:
    with pytest.raises(RunOptionError, match=r"^follow: the rule raised ZeroDivisionError") as exc:
        scoresim.Simulation("seed", agents=N, seed=1, follow=lambda s: 1 / 0)
    assert "\n" not in str(exc.value)

    def careless(state: Any) -> Any:
        state.score[:] = 500  # a view: refused
        return [1]

    with pytest.raises(RunOptionError, match="read-only"):
        scoresim.Simulation("seed", agents=N, seed=1, follow=careless)


def test_following_more_person_days_than_a_run_may_keep_is_refused_before_a_step() -> None:
    """limits.FOLLOWED_DAYS bounds what a run keeps; the refusal names the fix, and no step is made."""
    sim = scoresim.Simulation("seed", agents=2000, seed=1, follow=2000)
    steps = limits.FOLLOWED_DAYS // 2000 + 1
    with pytest.raises(RunOptionError, match="follow fewer people or run fewer steps") as exc:
        sim.run(steps)
    assert "\n" not in str(exc.value) and f"{2000 * steps:,} person-days" in str(exc.value)
    assert sim.steps == 0
    sim.run(3)  # within the bound it runs
    assert sim.followed()["step"].max() == 2


@pytest.mark.parametrize("rows", [0, 3, 16, 17, 70])
def test_list_cells_name_exactly_the_true_rows(rows: int) -> None:
    """follow_table._names on every path (counted, sorted integers, packed bytes)."""
    from scoresim.engine.follow_table import _names

    rng = np.random.default_rng(rows)
    mask = rng.random((rows, 500)) < 0.2
    names = [f"n{i}" for i in range(rows)]
    got = _names(mask, names).astype(str).tolist()
    assert got == ["; ".join(names[i] for i in range(rows) if mask[i, j]) for j in range(500)]
