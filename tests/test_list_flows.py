"""The list's stocks and flows (docs/model.md, section 8): they balance, and the running
totals are the sums of the daily counts.

The per-agent reference (tests/test_phases_reference.py) checks each new column person by
person from step 0; these check the accounting over a long run of the court list, with
credit repair switched on part-way by a timeline.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scoresim
from scoresim.config.loading import Scenario

REPAIR_FROM = 300


@pytest.fixture(scope="module")
def court() -> pd.DataFrame:
    raw = dict(scoresim.load_scenario("court-blacklist").raw)
    raw["timeline"] = [{"day": REPAIR_FROM, "set": {"blacklist.repair_exit": 0.004}}]
    scenario = Scenario.from_dict(raw, "court.yaml").with_overrides(
        {
            "behaviours.refuse_to_perform.base_rate": 2e-4,
            "blacklist.payment_exit": 0.002,
            "blacklist.term": 200,
            "blacklist.enforcement.travel": 1.0,
        }
    )
    return scoresim.simulate(scenario, agents=20_000, steps=900, seed=5).metrics


def test_the_stock_is_yesterdays_plus_entries_less_exits_in_every_row(court: pd.DataFrame) -> None:
    for _, rows in court.groupby("group", sort=False):
        stock = (rows["listed"] * rows["population"]).to_numpy()
        flows = (rows["list_entries"] - rows["list_paid"] - rows["list_repaired"]
                 - rows["list_expired"] - rows["appeals_won"]).to_numpy()  # fmt: skip
        yesterday = np.concatenate([[0.0], stock[:-1]])
        np.testing.assert_allclose(stock, yesterday + flows, rtol=0, atol=1e-6)
    every = court[court["group"] == "all"]
    # Not hollow: every flow happened, and listings lapsed at their term.
    for column in ("list_entries", "list_paid", "list_repaired", "list_expired"):
        assert every[column].sum() > 5, column


def test_running_totals_are_the_sums_of_the_daily_counts(court: pd.DataFrame) -> None:
    opportunities = [str(c)[7:] for c in court.columns if str(c).startswith("denied.")]
    assert opportunities
    for _, rows in court.groupby("group", sort=False):
        np.testing.assert_array_equal(rows["list_person_times"], rows["list_entries"].cumsum())
        for o in opportunities:
            np.testing.assert_array_equal(rows[f"denied_total.{o}"], rows[f"denied.{o}"].cumsum())
    every = court[court["group"] == "all"]
    assert every["denied_total.travel"].iloc[-1] > 10


def test_credit_repair_starts_on_its_day_and_changes_nothing_before(court: pd.DataFrame) -> None:
    every = court[court["group"] == "all"]
    assert every.loc[every["step"] < REPAIR_FROM, "list_repaired"].sum() == 0
    assert every.loc[every["step"] >= REPAIR_FROM, "list_repaired"].sum() > 5
    scenario = scoresim.load_scenario("court-blacklist").with_overrides(
        {
            "behaviours.refuse_to_perform.base_rate": 2e-4,
            "blacklist.payment_exit": 0.002,
            "blacklist.term": 200,
            "blacklist.enforcement.travel": 1.0,
            "timeline": None,  # the fixture's timeline replaced the regime's own
        }
    )
    without = scoresim.simulate(scenario, agents=20_000, steps=REPAIR_FROM, seed=5).metrics
    pd.testing.assert_frame_equal(court[court["step"] < REPAIR_FROM].reset_index(drop=True),
                                  without.reset_index(drop=True))  # fmt: skip
