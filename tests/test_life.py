"""A followed person's life in words, against rows written by hand and a real run."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import scoresim
from scoresim.results.life import day_line, life, life_days

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
    lines = [line for _, line in life_days(table, person)]
    mine = table[table["id"] == person]
    happened = mine[(mine["did"] != "") | (mine["points"] != 0) | mine["newly_listed"]
                    | (mine["denied"] != "") | mine["shamed"] | (mine["ties_lost"] > 0)
                    | (mine["left_list"] != "") | mine["appealed"] | (mine["misread_by"] != "")
                    | (mine["recorded_falsely"] != "")]  # fmt: skip
    assert [int(x.split(":")[0].removeprefix("day ")) for x in lines] == happened["step"].tolist()
    merged = life(table, person)
    runs = [x for x in merged if x.startswith("days ")]
    assert len(merged) < len(lines) and runs  # a busy person has quiet days in a row
    with pytest.raises(KeyError, match="not followed"):
        life(table, -1)


QUIET_DAYS = [  # (step, points, score, did): a hand-made life
    (3, 1, 1001, ""),
    (4, 1, 1002, ""),
    (5, 2, 1004, ""),
    (6, -5, 999, "jaywalk"),
    (7, 0, 999, ""),
    (8, 1, 1000, ""),
    (10, 1, 1001, ""),
    (11, -1, 1000, ""),
]
QUIET_LINES = [
    "days 3 to 5: +4 points over 3 days (score 1004)",
    "day 6: did jaywalk; -5 points (score 999)",
    "day 8: +1 points (score 1000)",  # day 9 broke the run (nothing happened on it)
    "days 10 to 11: +0 points over 2 days (score 1000)",
]


def quiet_table() -> pd.DataFrame:
    rows = [QUIET | {"id": 1, "step": s, "points": p, "score": sc, "did": did}
            for s, p, sc, did in QUIET_DAYS]  # fmt: skip
    return pd.DataFrame(rows)


def test_days_on_which_only_the_score_moved_are_one_line() -> None:
    assert life(quiet_table(), 1) == QUIET_LINES
    assert life(quiet_table(), 1, up_to=4) == ["days 3 to 4: +2 points over 2 days (score 1002)"]
    assert life(quiet_table(), 1, up_to=2) == []
