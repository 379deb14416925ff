"""The cross-field checks run once per load, and still run on a Scenario made by hand (issue 24.7)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, model_validator

import scoresim
from scoresim.config import loading
from scoresim.config.checks import check_scenario
from scoresim.config.models import ScenarioConfig
from scoresim.engine.compile import compile_scenario
from scoresim.mechanisms import Mechanism, register
from scoresim.parts import registry


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


class _Counted(BaseModel):
    """A plug-in's section that counts how often it is validated."""

    model_config = ConfigDict(extra="forbid", strict=True)
    rate: float = 0.5

    @model_validator(mode="after")
    def _count(self) -> _Counted:
        VALIDATED.append(self.rate)
        return self


VALIDATED: list[float] = []


class _Quiet(Mechanism):
    name = "counted_once"
    section = _Counted

    def start(self, params: Any, labels: Any, regime: Any, state: Any, net: Any,
              keys: Any) -> Any:  # fmt: skip
        raise AssertionError("not run here")


def test_a_mechanism_section_is_validated_once_from_file_to_compile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(registry, "_registered", dict(registry._registered))  # undone after
    register(_Quiet)
    seed = scoresim.load_scenario("seed").raw
    VALIDATED.clear()
    sc = scoresim.Scenario.from_dict({**seed, "mechanisms": {"counted_once": {"rate": 0.25}}})
    compiled = compile_scenario(sc.config)
    assert VALIDATED == [0.25]  # the loader's validation, reused by compile
    assert [a.section for a in compiled.mechanisms if a.mechanism.name == "counted_once"] == [
        _Counted(rate=0.25)
    ]
    # A ScenarioConfig made without the loader still has its section validated at compile.
    bare = ScenarioConfig.model_validate(sc.config.model_dump(mode="json"))
    VALIDATED.clear()
    compile_scenario(bare)
    assert VALIDATED == [0.25]
