"""A section and a field inside it set together are refused, whatever their order (issue 23)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import scoresim
from scoresim.cli.app import app
from scoresim.errors import ScoresimError

PAIRS = [
    ("sources=7", "sources.street_cameras.coverage=0.3"),
    ("sources.street_cameras={coverage: 0.5}", "sources.street_cameras.coverage=0.3"),
    ("polls.rt_list=5", "polls.rt_list.size=3"),
]


@pytest.mark.parametrize(("a", "b"), PAIRS)
@pytest.mark.parametrize("order", ["section first", "field first"])
def test_a_section_and_its_field_together_are_one_line(
    tmp_path: Path, a: str, b: str, order: str
) -> None:
    first, second = (a, b) if order == "section first" else (b, a)
    out = tmp_path / "run"
    args = ["run", "seed", "--agents", "200", "--steps", "2", "-q", "--out", str(out)]
    res = CliRunner().invoke(app, [*args, "--set", first, "--set", second])
    assert res.exit_code == 2, res.output
    assert res.output.count("\n") == 1 and "the second is a field of the first" in res.output
    assert not out.exists()


def test_the_python_api_refuses_the_same() -> None:
    with pytest.raises(ScoresimError, match="the second is a field of the first"):
        scoresim.load_scenario("seed").with_overrides(
            {"sources": {}, "sources.street_cameras.coverage": 0.3}
        )
