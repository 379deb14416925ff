"""Messages say what is wrong in the user's terms, in one line, wherever they are met."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import scoresim
from scoresim.cli.app import app
from scoresim.errors import RunOptionError
from scoresim.explorer.app import create_app

runner = CliRunner()
SEED = resources.files("scoresim.scenarios").joinpath("seed.yaml").read_text()


def command(*args: str) -> subprocess.CompletedProcess[str]:
    """The real ``scoresim`` entry point (the one-line usage errors live in ``main``)."""
    scoresim_command = str(Path(sys.executable).with_name("scoresim"))
    return subprocess.run([scoresim_command, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [(["run", "seed", "--agents", "1e5", "--out", "x"],
      "error: scoresim run: Invalid value for '--agents' / '-n': Input should be a valid integer"),
     (["run", "seed", "--out", "x", "--bogus"], "error: scoresim run: No such option: --bogus"),
     (["run"], "error: scoresim run: Missing argument 'scenario'"),
     (["nosuch"], "error: scoresim: No such command 'nosuch'")],
)  # fmt: skip
def test_command_line_mistakes_are_one_line_exit_2(args: list[str], fragment: str) -> None:
    res = command(*args)
    assert res.returncode == 2, res.stderr
    assert res.stderr.count("\n") == 1 and "╭" not in res.stderr, res.stderr
    assert res.stderr.startswith(fragment) and "--help" in res.stderr


def test_the_library_names_its_own_arguments() -> None:
    with pytest.raises(RunOptionError, match=r"^agents: 0 is out of range"):
        scoresim.simulate("seed", agents=0, steps=2)
    with pytest.raises(RunOptionError, match=r"^seed: -1 is out of range; use 0 to 2\^63 - 1"):
        scoresim.simulate("seed", agents=10, steps=2, seed=-1)


def test_the_api_says_overrides_not_set() -> None:
    with TestClient(create_app(max_agents=2000, max_steps=10)) as client:
        body = {"scenario": "seed", "agents": 500, "steps": 2, "overrides": {"sources.nope": 1}}
        detail = client.post("/api/runs", json=body).json()["detail"]
    # The key is named by its place, never repeated (issue 23: no answer echoes input).
    assert detail.startswith("overrides: key 1 names no field of seed")
    assert "--set" not in detail and "nope" not in detail


def test_seeds_have_one_range_everywhere(tmp_path: Path) -> None:
    top = str(2**63 - 1)
    res = runner.invoke(app, ["run", "seed", "--agents", "100", "--steps", "1", "--seed", top,
                              "--out", str(tmp_path / "r"), "-q"])  # fmt: skip
    assert res.exit_code == 0, res.output
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"scenario: seed\nagents: 100\nsteps: 1\nseed: {2**63}\n"
                     "parameters:\n  blacklist.term: [10]\n")  # fmt: skip
    res = runner.invoke(app, ["sweep", str(sweep), "--out", str(tmp_path / "o"), "-q"])
    assert res.exit_code == 2 and "seed:" in res.output
    with TestClient(create_app(max_agents=2000, max_steps=10)) as client:
        body = {"scenario": "seed", "agents": 500, "steps": 1, "seed": 2**63 - 1}
        assert client.post("/api/runs", json=body).status_code == 202
        assert client.post("/api/runs", json={**body, "seed": 2**63}).status_code == 422


def test_files_that_are_not_files_are_named_for_what_they_are(tmp_path: Path) -> None:
    folder = tmp_path / "adir"
    folder.mkdir()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path, what in ((folder, "is a folder, not a file"), (fifo, "is not a regular file")):
        for args in (["scenarios", "check", str(path)],
                     ["run", str(path), "--out", str(tmp_path / "r")],
                     ["sweep", str(path), "--out", str(tmp_path / "o")]):  # fmt: skip
            res = runner.invoke(app, args)
            assert res.exit_code == 2 and what in res.output, (args, res.output)


def test_a_number_as_a_key_reads_as_a_key_and_sweep_values_name_no_types(tmp_path: Path) -> None:
    i = SEED.index("\n", SEED.index("  points:"))
    keyed = tmp_path / "keyed.yaml"
    keyed.write_text(SEED[: i + 1] + "    4: -5\n" + SEED[i + 1 :])
    res = runner.invoke(app, ["scenarios", "check", str(keyed)])
    assert res.exit_code == 2 and "scoring.points['4']: 4 is not allowed" in res.output
    sweep = tmp_path / "s.yaml"
    sweep.write_text("scenario: seed\nagents: 100\nsteps: 1\nparameters:\n  shaming: [[1]]\n")
    res = runner.invoke(app, ["sweep", str(sweep), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "parameters.shaming[0]: [1] is not allowed" in res.output
    assert ".float" not in res.output and "list them one by one" in res.output


def test_query_takes_one_statement_that_reads(tmp_path: Path) -> None:
    sweep = tmp_path / "s.yaml"
    sweep.write_text("scenario: seed\nagents: 100\nsteps: 1\nparameters:\n  blacklist.term: [10]\n")
    out = tmp_path / "o"
    assert runner.invoke(app, ["sweep", str(sweep), "--out", str(out), "-q"]).exit_code == 0
    cases: list[tuple[str, str]] = [
        ("SELECT 1; SELECT 2", "query: 2 statements; give one"),
        (f"COPY (SELECT 1) TO '{tmp_path / 'x.csv'}'", "query: a COPY statement"),
        (f"ATTACH '{tmp_path / 'y.db'}'", "query: a ATTACH statement"),
    ]
    for sql, fragment in cases:
        res: Any = runner.invoke(app, ["query", str(out), sql])
        assert res.exit_code == 2 and fragment in res.output, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o", "s.yaml"]  # nothing written
    res = runner.invoke(app, ["query", str(out), "SELECT count(*) AS n FROM runs", "--csv"])
    assert res.exit_code == 0 and res.output.splitlines() == ["n", "1"]


def test_scenarios_list_says_perks_only_as_the_readme_does() -> None:
    res = runner.invoke(app, ["scenarios", "list"])
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip()
            for line in res.output.splitlines() if line.startswith("│") and line.split("│")[1].strip()}  # fmt: skip
    assert rows["sesame"] == "perks only" and rows["fuzhou-jasmine"] == "perks only"
    assert rows["baseline"] == "none" and rows["seed"] == "score"
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "| `sesame` |" in readme and readme.count("| perks only |") == 2


def test_flags_show_no_bool_placeholder() -> None:
    for name in ("run", "sweep", "audit", "query", "validate"):
        res = runner.invoke(app, [name, "--help"], env={"COLUMNS": "150"})
        lines = [line for line in res.output.splitlines() if "--" in line and "--help" not in line]
        assert lines and not [line for line in lines if "<bool>" in line], (name, lines)
