"""The cross-field checks run once per load, and still run on a Scenario made by hand (issue 24.7)."""

from __future__ import annotations

from typing import Any

import pytest

import scoresim
from scoresim.config import loading
from scoresim.config.checks import check_scenario


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = check_scenario

    def counting(cfg: Any, origin: str) -> None:
        seen.append(origin)
        real(cfg, origin)

    monkeypatch.setattr(loading, "check_scenario", counting)
    return seen


def test_each_way_of_loading_checks_once(calls: list[str]) -> None:
    seed = scoresim.load_scenario("seed")
    assert len(calls) == 1
    seed.with_overrides({"blacklist.term": 30})
    assert len(calls) == 2
    scoresim.Scenario.from_dict(seed.raw, "mine")
    assert len(calls) == 3
    by_hand = loading.Scenario(config=seed.config, origin="by hand", raw=seed.raw)
    assert len(calls) == 4 and calls[-1] == "by hand" and by_hand.name == seed.name
