"""A followed person's life in words, against rows written by hand and a real run."""

from __future__ import annotations

from typing import Any

import pytest

import scoresim
from scoresim.results.life import day_line, life

QUIET: dict[str, Any] = {
    "did": "", "seen_by": "", "misread_by": "", "false_record_by": "", "recorded": "",
    "recorded_falsely": "", "points": 0, "score": 1000, "tier": "ordinary", "listed": False,
    "listed_wrongly": False, "newly_listed": False, "left_list": "", "appealed": False,
    "wanted": "", "denied": "", "perk": 0.0, "shamed": False, "ties_lost": 0,
}  # fmt: skip


def test_a_day_in_words() -> None:
    row = QUIET | {
        "step": 112, "did": "criticise_government; jaywalk",
        "seen_by": "social_media: criticise_government", "points": -50, "score": 950,
        "tier": "suspect",
    }  # fmt: skip
    assert day_line(row, "ordinary") == (
        "day 112: did criticise government, jaywalk; social media saw criticise government; "
        "-50 points (score 950); now 'suspect'"
    )
    listed = QUIET | {"step": 3, "newly_listed": True, "listed_wrongly": True,
                      "denied": "travel; loan", "shamed": True, "ties_lost": 2}  # fmt: skip
    assert day_line(listed, "ordinary") == (
        "day 3: put on the list wrongly; denied travel, loan; made public; 2 ties cut"
    )
    assert day_line(QUIET | {"step": 4}, "ordinary") is None  # nothing happened
    assert day_line(QUIET | {"step": 5, "left_list": "paid"}, None) == "day 5: left the list (paid)"


def test_a_life_has_a_line_for_each_day_something_happened() -> None:
    sim = scoresim.Simulation("seed", agents=2000, seed=3, follow=40,
                              overrides={"blacklist.threshold": 990})  # fmt: skip
    sim.run(60)
    table = sim.followed()
    busy = table[(table["did"] != "") | (table["points"] != 0) | table["newly_listed"]]
    person = int(busy["id"].value_counts().index[0])
    lines = life(table, person)
    mine = table[table["id"] == person]
    happened = mine[(mine["did"] != "") | (mine["points"] != 0) | mine["newly_listed"]
                    | (mine["denied"] != "") | mine["shamed"] | (mine["ties_lost"] > 0)
                    | (mine["left_list"] != "") | mine["appealed"] | (mine["misread_by"] != "")
                    | (mine["recorded_falsely"] != "")]  # fmt: skip
    assert [int(x.split(":")[0].removeprefix("day ")) for x in lines] == happened["step"].tolist()
    with pytest.raises(KeyError, match="not followed"):
        life(table, -1)
