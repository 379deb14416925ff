"""`scoresim scenarios list|show|check|schema|diff`, and where errors point in a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import scoresim
from scoresim.cli.app import app
from scoresim.cli.scenarios import scenario_diff
from scoresim.config.loading import builtin_names
from scoresim.config.yamltext import MAX_BYTES, line_of

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def test_list_names_every_builtin_with_its_coupling() -> None:
    res = invoke("scenarios", "list")
    assert res.exit_code == 0, res.output
    for name in builtin_names():
        assert name in res.output
    seed_row = next(line for line in res.output.splitlines() if " seed " in line)
    assert "score" in seed_row and "popular image" in seed_row
    baseline_row = next(line for line in res.output.splitlines() if " baseline " in line)
    assert "none" in baseline_row


def test_show_prints_the_file_with_its_comments() -> None:
    res = invoke("scenarios", "show", "seed")
    assert res.exit_code == 0
    assert res.output.startswith("# seed:")
    assert "# RW 4, two-year listing" in res.output
    assert yaml.safe_load(res.output) == scoresim.load_scenario("seed").raw


def test_show_resolved_fills_in_defaults() -> None:
    res = invoke("scenarios", "show", "baseline", "--resolved")
    assert res.exit_code == 0
    shown = yaml.safe_load(res.output)
    assert shown["response"]["dissent_window"] == 30
    assert shown == scoresim.load_scenario("baseline").config.model_dump(mode="json")


def test_check_accepts_a_valid_file_and_refuses_a_bad_one(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(invoke("scenarios", "show", "seed").output)
    res = invoke("scenarios", "check", str(good))
    assert res.exit_code == 0 and "good.yaml: valid (seed;" in res.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("coverage: 0.5 ", "coverage: 5.0 "))
    res = invoke("scenarios", "check", str(good), str(bad))
    assert res.exit_code == 2
    assert res.output.strip().endswith(
        "sources.street_cameras.coverage: 5.0 is not allowed; it should be less than or equal to 1"
    )
    res = invoke("scenarios", "check", str(tmp_path / "none.yaml"))
    assert res.exit_code == 2 and "none.yaml: no such file" in res.output


def test_schema_is_json_schema_that_describes_the_fields(tmp_path: Path) -> None:
    res = invoke("scenarios", "schema")
    assert res.exit_code == 0
    doc = json.loads(res.output)
    assert doc["$schema"].startswith("https://json-schema.org/")
    assert {"groups", "behaviours", "scoring"} <= set(doc["required"])
    assert doc["additionalProperties"] is False
    cov = doc["$defs"]["SourceConfig"]["properties"]["coverage"]
    assert any(opt.get("maximum") == 1.0 for opt in cov["anyOf"])
    target = tmp_path / "schema.json"
    assert invoke("scenarios", "schema", "--out", str(target)).exit_code == 0
    assert json.loads(target.read_text()) == doc


def test_diff_lists_only_what_differs() -> None:
    seed = scoresim.load_scenario("seed")
    more = seed.with_overrides({"sources.street_cameras.coverage": 0.9})
    rows = scenario_diff(seed.config, more.config)
    assert rows == [("sources.street_cameras.coverage", 0.5, 0.9)]
    assert scenario_diff(seed.config, seed.config) == []
    res = invoke("scenarios", "diff", "seed", "baseline")
    assert res.exit_code == 0
    assert "blacklist.threshold" in res.output and "scoring.awareness" in res.output
    assert "groups.urban.share" not in res.output  # same society
    assert "same regime" in invoke("scenarios", "diff", "seed", "seed").output


def test_diff_of_unknown_name_is_one_line() -> None:
    res = invoke("scenarios", "diff", "seed", "sed")
    assert res.exit_code == 2 and res.output.count("\n") == 1


TEXT = """\
name: lines
groups:
  a:
    share: 1.0
    stance: {mean: 0, sd: 0.5}
    risk_aversion: {mean: 0.5, sd: 0.1}
    income: {median: 100, sigma: 0.5}
behaviours:
  x: {kind: conduct, base_rate: 0.1}
sources:
  cam:
    behaviours: [x, y]
    coverage: 0.5
scoring:
  tiers: {low: {min: 0}}
"""


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("groups.a.share", 4),
        ("sources.cam.behaviours[1]", 12),
        ("sources.cam.coverage", 13),
        ("scoring.tiers.low.min", 15),
        ("scoring.start", 14),  # missing: the line of the deepest part present
    ],
)
def test_line_of_finds_the_field(path: str, line: int) -> None:
    assert line_of(TEXT, path) == line


def test_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "lines.yaml"
    path.write_text(TEXT)
    with pytest.raises(
        scoresim.ScoresimError,
        match=r"lines\.yaml: line 12: sources\.cam\.behaviours\[1\]: 'y' is not a defined behaviour",
    ):
        scoresim.load_scenario(path)
    path.write_text(TEXT.replace("share: 1.0", "share: 1.0\n    colour: red"))
    with pytest.raises(scoresim.ScoresimError, match=r"line 5: groups\.a\.colour: unknown field"):
        scoresim.load_scenario(path)


def test_huge_files_are_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("# padding\n" * (MAX_BYTES // 10 + 1))
    with pytest.raises(scoresim.ScoresimError, match=r"huge\.yaml: .* larger than a scenario file"):
        scoresim.load_scenario(path)


def test_yaml_tags_never_run_code(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    marker = tmp_path / "pwned"
    path.write_text(f"name: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(scoresim.ScoresimError, match=r"evil\.yaml: line 1: malformed YAML"):
        scoresim.load_scenario(path)
    assert not marker.exists()


def test_compare_runs_regimes_on_the_same_people(tmp_path: Path) -> None:
    res = invoke(
        "compare",
        "baseline",
        "seed",
        "--agents",
        "2000",
        "--steps",
        "40",
        "--quiet",
        "--markdown",
        "--out",
        str(tmp_path),
    )
    assert res.exit_code == 0, res.output
    lines = res.output.strip().splitlines()
    assert lines[0].startswith("| regime | chilling of dissent | falsification | listed")
    assert lines[2].startswith("| `baseline` | ") and lines[3].startswith("| `seed` | ")
    assert lines[2].split("|")[4].strip() == "0.00%"  # the baseline lists nobody
    assert (tmp_path / "seed" / "metrics.parquet").exists()
    res = invoke("compare", "seed", "sed", "--agents", "100", "--steps", "2", "--quiet")
    assert res.exit_code == 2 and "sed: no built-in scenario" in res.output
