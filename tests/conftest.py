from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import scoresim
from scoresim.config.loading import Scenario


@pytest.fixture(scope="session")
def seed() -> Scenario:
    return scoresim.load_scenario("seed")


def write_scenario(tmp_path: Path, raw: dict[str, Any], name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path
