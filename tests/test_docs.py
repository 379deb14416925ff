"""docs/model.md stays true: every output column is defined there, every default stated.

The column table of section 8 names columns with placeholders (``rate.<b>``,
``tier.<t>``); each column a run writes must match exactly one documented name, and
each documented name must be written by some built-in regime, so that neither the
docs nor the outputs can gain a column the other lacks.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import scoresim
from scoresim.config.loading import builtin_names
from scoresim.config.models import ResponseConfig

MODEL_MD = Path(__file__).resolve().parents[1] / "docs" / "model.md"


def _section(title: str) -> str:
    text = MODEL_MD.read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def _documented_columns() -> list[str]:
    """The metric columns: the first table of section 8 (later tables are other files')."""
    names: list[str] = []
    started = False
    for line in _section("8. Outputs").splitlines():
        if not line.startswith("|"):
            if started:
                break
            continue
        started = True
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names += re.findall(r"`([^`]+)`", first_cell)
    return names


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"<[a-z]>", "[^.]+", re.escape(name)) + "$")


@pytest.fixture(scope="module")
def columns_by_regime() -> dict[str, list[str]]:
    return {
        name: list(scoresim.simulate(name, agents=300, steps=2, seed=1).metrics.columns)
        for name in builtin_names()
    }


def test_every_output_column_is_defined_in_model_md(
    columns_by_regime: dict[str, list[str]],
) -> None:
    documented = [_pattern(n) for n in _documented_columns()]
    for regime, columns in columns_by_regime.items():
        for column in columns:
            matches = [p.pattern for p in documented if p.match(column)]
            assert len(matches) == 1, f"{regime}: column {column!r} matches {matches}"


def test_every_documented_column_is_written(columns_by_regime: dict[str, list[str]]) -> None:
    written = {c for columns in columns_by_regime.values() for c in columns}
    for name in _documented_columns():
        assert any(_pattern(name).match(c) for c in written), f"{name!r} is never written"


def test_agents_table_columns_are_the_documented_ones() -> None:
    text = " ".join(_section("8. Outputs").split())
    stated = re.search(r"`agents.parquet`: one row per agent at the end: (.*?)\.", text)
    assert stated is not None
    documented = re.findall(r"`([^`]+)`", stated.group(1))
    run = scoresim.simulate("seed", agents=300, steps=2, seed=1)
    assert list(run.agents.columns) == documented


def test_response_defaults_are_the_documented_ones() -> None:
    text = " ".join(_section("7. Parameters").split())
    stated = re.search(r"`response` (.*?) \(", text)
    assert stated is not None
    documented = {
        key: float(value) for key, value in (item.split() for item in stated.group(1).split(", "))
    }
    assert documented == {k: float(v) for k, v in ResponseConfig().model_dump().items()}


ROBUSTNESS_MD = MODEL_MD.with_name("robustness.md")


def test_the_limits_table_is_the_limits_module() -> None:
    """Every row of docs/robustness.md's limits table states its constants' values."""
    from scoresim import limits

    text = ROBUSTNESS_MD.read_text(encoding="utf-8")
    table = text[text.index("## Input limits") : text.index("### Types are strict")]
    rows = [line.split("|")[1:-1] for line in table.splitlines() if line.startswith("| ")]
    checked = 0
    for cells in rows[1:]:
        names = re.findall(r"`([A-Z_]+)`", cells[2])
        if not names:
            continue
        stated = cells[1].replace("2^63 \u2212 1", str(2**63 - 1))
        numbers = [int(n.replace(" ", "")) for n in re.findall(r"\d[\d ]*\d|\d", stated)]
        numbers = [n for n in numbers if n != 0]  # "0 to ..." states the lower end
        assert numbers == [getattr(limits, n) for n in names], cells
        checked += len(names)
    assert checked == len([n for n in dir(limits) if n.isupper()])
