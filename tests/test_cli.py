"""The command line, in process: runs, outputs, and one-line errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import scoresim
from scoresim.cli.app import app
from scoresim.results.run import FILES
from tests.conftest import write_scenario

WRITTEN = set(FILES) - {"people.parquet"}  # written only when people are followed

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_run_writes_the_run_folder(tmp_path: Path) -> None:
    out = tmp_path / "runs" / "seed"
    res = invoke(
        "run",
        "seed",
        "--agents",
        "3000",
        "--steps",
        "40",
        "--seed",
        "7",
        "--out",
        str(out),
        "--quiet",
    )
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == sorted(WRITTEN)
    info = json.loads((out / "run.json").read_text())
    assert info["scenario"] == "seed" and info["seed"] == 7 and info["agents"] == 3000
    assert len(info["scenario_hash"]) == 64 and info["seed_entropy"] == "7"
    metrics = pd.read_parquet(out / "metrics.parquet")
    assert len(metrics) == 40 * 3  # two groups and "all"
    assert "chilling of criticise_government" in res.output and "listed wrongly" in res.output
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temp left


def test_run_with_set_changes_the_scenario(tmp_path: Path) -> None:
    path = write_scenario(
        tmp_path,
        yaml.safe_load((Path(scoresim.__file__).parent / "scenarios" / "seed.yaml").read_text()),
    )
    out = tmp_path / "x"
    res = invoke(
        "run",
        str(path),
        "--set",
        "sources.street_cameras.coverage=0.0",
        "--agents",
        "2000",
        "--steps",
        "20",
        "--out",
        str(out),
        "--quiet",
    )
    assert res.exit_code == 0, res.output
    info = json.loads((out / "run.json").read_text())
    assert info["overrides"] == {"sources.street_cameras.coverage": 0.0}
    assert info["parameters"]["sources"]["street_cameras"]["coverage"] == 0.0
    assert pd.read_parquet(out / "metrics.parquet")["recorded.jaywalk"].max() == 0.0


def _seed_raw() -> dict[str, Any]:
    raw = scoresim.load_scenario("seed").raw
    copied: dict[str, Any] = yaml.safe_load(yaml.safe_dump(raw, sort_keys=False))
    return copied


def _bad(raw_change: Any) -> dict[str, Any]:
    raw = _seed_raw()
    raw_change(raw)
    return raw


CASES: list[tuple[str, Any, str]] = [
    (
        "probability",
        lambda r: r["sources"]["street_cameras"].update(coverage=1.5),
        r"mine\.yaml: line \d+: sources\.street_cameras\.coverage: 1\.5 is not allowed; it should be less than or equal to 1",
    ),
    (
        "tiers order",
        lambda r: r["scoring"]["tiers"]["ordinary"].update(min=800),
        r"mine\.yaml: line \d+: scoring\.tiers\.ordinary\.min: 800 is not above the previous tier 'suspect' \(850\); list tiers from lowest",
    ),
    (
        "missing opportunity",
        lambda r: r["blacklist"].update(denies=["travel", "yacht"]),
        r"mine\.yaml: line \d+: blacklist\.denies\[1\]: 'yacht' is not a defined opportunity; use one of: travel, loan",
    ),
    (
        "wrong type",
        lambda r: r["scoring"].update(start="high"),
        r"mine\.yaml: line \d+: scoring\.start: 'high' is not allowed; it should be a valid integer",
    ),
    (
        "unknown field",
        lambda r: r["sources"]["street_cameras"].update(coverge=0.3),
        r"mine\.yaml: line \d+: sources\.street_cameras\.coverge: unknown field; remove it or check its spelling",
    ),
    (
        "unknown behaviour",
        lambda r: r["sources"]["street_cameras"].update(behaviours=["jaywalking"]),
        r"line \d+: sources\.street_cameras\.behaviours\[0\]: 'jaywalking' is not a defined behaviour; use one of: jaywalk,",
    ),
    (
        "score range",
        lambda r: r["scoring"].update(max=40000),
        r"mine\.yaml: line \d+: scoring\.max: 40000 does not fit a 16-bit score; keep scores between",
    ),
    (
        "shares",
        lambda r: r["groups"]["urban"].update(share=0.5),
        r"mine\.yaml: line \d+: groups: 0\.9 is the sum of the shares; make them sum to 1",
    ),
]


@pytest.mark.parametrize(("label", "change", "message"), CASES, ids=[c[0] for c in CASES])
def test_schema_errors_are_one_line_exit_2(
    tmp_path: Path, label: str, change: Any, message: str
) -> None:
    path = write_scenario(tmp_path, _bad(change))
    out = tmp_path / "never"
    res = invoke("run", str(path), "--out", str(out), "--agents", "100", "--steps", "2")
    assert res.exit_code == 2
    assert res.output.count("\n") == 1 and "Traceback" not in res.output
    with pytest.raises(scoresim.ScoresimError, match=message):
        scoresim.load_scenario(path)
    assert not out.exists()


def test_unknown_scenario_lists_the_valid_ones(tmp_path: Path) -> None:
    res = invoke("run", "sed", "--out", str(tmp_path / "o"))
    assert res.exit_code == 2
    assert (
        "sed: no built-in scenario or file by that name; use one of: baseline, court-blacklist"
        in res.output
    )
    assert not (tmp_path / "o").exists()


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\ngroups:\n  urban: {share: 0.6\nbehaviours: {}\n")
    with pytest.raises(scoresim.ScoresimError, match=r"broken\.yaml: line 4: malformed YAML"):
        scoresim.load_scenario(path)
    res = invoke("run", str(path), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2 and "malformed YAML" in res.output


def test_unknown_set_path_suggests_the_nearest(tmp_path: Path) -> None:
    res = invoke(
        "run", "seed", "--set", "sources.street_camera.coverage=0.9", "--out", str(tmp_path / "o")
    )
    assert res.exit_code == 2
    assert (
        "--set sources.street_camera.coverage: no such field in seed.yaml; "
        "did you mean 'sources.street_cameras.coverage'?"
    ) in res.output
    assert not (tmp_path / "o").exists()


def test_set_value_is_validated(tmp_path: Path) -> None:
    res = invoke(
        "run", "seed", "--set", "sources.street_cameras.coverage=2", "--out", str(tmp_path / "o")
    )
    assert res.exit_code == 2
    assert "sources.street_cameras.coverage: 2 is not allowed" in res.output


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--agents", "0", "agents: 0 is out of range; use 1 to"),
        ("--steps", "0", "steps: 0 is out of range; use 1 to"),
        ("--seed", "-1", "seed: -1 is out of range; use 0 to 2^63 - 1"),
    ],
)
def test_bad_run_options(tmp_path: Path, option: str, value: str, message: str) -> None:
    res = invoke("run", "seed", option, value, "--out", str(tmp_path / "o"))
    assert res.exit_code == 2
    assert message in res.output
    assert not (tmp_path / "o").exists()
    with pytest.raises(scoresim.ScoresimError, match=message.split(";")[0]):
        kwargs: dict[str, int] = {"agents": 10, "steps": 2, "seed": 0, option[2:]: int(value)}
        scoresim.simulate(
            "seed", agents=kwargs["agents"], steps=kwargs["steps"], seed=kwargs["seed"]
        )


def test_demo_compares_seed_with_baseline(tmp_path: Path) -> None:
    res = invoke("demo", "--agents", "2000", "--steps", "30", "--out", str(tmp_path), "--quiet")
    assert res.exit_code == 0, res.output
    assert "baseline" in res.output and "seed" in res.output
    assert (tmp_path / "seed" / "run.json").exists() and (
        tmp_path / "baseline" / "run.json"
    ).exists()
