"""Input limits and strict types for every file scoresim reads and every --set value.

Each case is one the hardening issue reproduced on 0.2.0: a traceback, a silent
conversion, or a silent choice. Each now gets a one-line error, exit code 2, naming
the file (or --set), the line or field, the value and the fix, and writes nothing.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scoresim.cli.app import app
from scoresim.config.yamltext import MAX_DEPTH

runner = CliRunner()
SEED = resources.files("scoresim.scenarios").joinpath("seed.yaml").read_text()
DEEP = "[" * 600 + "1" + "]" * 600


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def refused(res: Any, *fragments: str) -> None:
    assert res.exit_code == 2, res.output
    assert res.output.count("\n") == 1 and "Traceback" not in res.output, res.output
    for fragment in fragments:
        assert fragment in res.output, res.output


def scenario(tmp_path: Path, old: str, new: str) -> Path:
    assert old in SEED
    path = tmp_path / "mine.yaml"
    path.write_text(SEED.replace(old, new, 1))
    return path


def sweep_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text("scenario: seed\nagents: 200\nsteps: 2\n" + body)
    return path


def test_deep_nesting_is_refused_before_anything_recursive(tmp_path: Path) -> None:
    path = scenario(tmp_path, "description: ", f"extra: {DEEP}\ndescription: ")
    for command in (["scenarios", "check", str(path)],
                    ["run", str(path), "--agents", "200", "--steps", "2", "--out",
                     str(tmp_path / "r")]):  # fmt: skip
        refused(invoke(*command), "mine.yaml: line 9: nested more than", str(MAX_DEPTH))
    deep_sweep = sweep_file(tmp_path, f"parameters: {DEEP}\n")
    refused(invoke("sweep", str(deep_sweep), "--out", str(tmp_path / "s"), "-q"),
            "sweep.yaml: line 4: nested more than")  # fmt: skip
    in_values = sweep_file(tmp_path, f"parameters:\n  description: [{DEEP}]\n")
    refused(invoke("sweep", str(in_values), "--out", str(tmp_path / "s"), "-q"),
            "nested more than")  # fmt: skip
    refused(invoke("run", "seed", "--agents", "200", "--steps", "2", "--out",
                   str(tmp_path / "r"), "--set", f"name={DEEP}"),
            "--set name: line 1: nested more than")  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.yaml", "sweep.yaml"]


def test_an_alias_bomb_is_refused_by_its_expanded_size(tmp_path: Path) -> None:
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{k}: &a{k} [{', '.join(['*a' + str(k - 1)] * 10)}]\n" for k in range(1, 7)
    )
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb + SEED)
    refused(invoke("scenarios", "check", str(path)), "more than 200,000 values")


def test_a_key_written_twice_is_named_with_its_line(tmp_path: Path) -> None:
    path = scenario(tmp_path, "  rewire: 0.3", "  rewire: 0.3\n  rewire: 0.5")
    refused(invoke("scenarios", "check", str(path)),
            "mine.yaml: line 41: key 'rewire' appears twice in the same mapping")  # fmt: skip


@pytest.mark.parametrize(
    ("spelling", "shown"),
    [("true", "True"), ("yes", "'yes'"), ("on", "'on'"), ("'0.5'", "'0.5'"), ("0x1", "'0x1'"),
     ("1_000", "'1_000'"), ("2026-01-01", "'2026-01-01'")],
)  # fmt: skip
def test_booleans_quoted_and_yaml11_numbers_are_not_numbers(
    spelling: str, shown: str, tmp_path: Path
) -> None:
    path = scenario(tmp_path, "coverage: 0.5 ", f"coverage: {spelling} ")
    refused(invoke("scenarios", "check", str(path)),
            f"sources.street_cameras.coverage: {shown} is not allowed; it should be a valid number")  # fmt: skip
    res = invoke("run", "seed", "--agents", "200", "--steps", "2", "--out", str(tmp_path / "r"),
                 "--set", f"sources.street_cameras.coverage={spelling}")  # fmt: skip
    refused(res, f"{shown} is not allowed; it should be a valid number")


def test_false_is_not_zero_points_and_a_fraction_is_not_an_integer(tmp_path: Path) -> None:
    path = scenario(tmp_path, "jaywalk: -5 ", "jaywalk: false ")
    refused(invoke("scenarios", "check", str(path)),
            "scoring.points.jaywalk: False is not allowed; it should be a valid integer")  # fmt: skip
    path = scenario(tmp_path, "jaywalk: -5 ", "jaywalk: -5.5 ")
    refused(invoke("scenarios", "check", str(path)), "-5.5 is not allowed")


def test_sweep_files_are_as_strict(tmp_path: Path) -> None:
    agents = tmp_path / "agents.yaml"
    agents.write_text("scenario: seed\nagents: true\nparameters:\n  blacklist.term: [10]\n")
    refused(invoke("sweep", str(agents), "--out", str(tmp_path / "o"), "-q"),
            "line 2: agents: True is not allowed; it should be a valid integer")  # fmt: skip
    mixed = sweep_file(tmp_path, "parameters:\n  sources.street_cameras.coverage: [0.1, true]\n")
    refused(invoke("sweep", str(mixed), "--out", str(tmp_path / "o"), "-q"),
            "True does not fit seed")  # fmt: skip
    ranged = sweep_file(tmp_path, "design: lhs\nsamples: 4\nparameters:\n"
                        "  sources.street_cameras.coverage: {low: '0.1', high: 0.9}\n")  # fmt: skip
    refused(invoke("sweep", str(ranged), "--out", str(tmp_path / "o"), "-q"), "'0.1'")
    assert not (tmp_path / "o").exists()  # nothing half-made


def test_names_are_bounded_and_cannot_leave_the_output_folder(tmp_path: Path) -> None:
    long = scenario(tmp_path, "name: seed", "name: " + "x" * 100_000)
    refused(invoke("scenarios", "check", str(long)), "should have at most 64 characters")
    escape = scenario(tmp_path, "name: seed", "name: ../../escape")
    refused(invoke("scenarios", "check", str(escape)), "the name becomes a folder name")
    behaviour = scenario(tmp_path, "  jaywalk:", "  " + "j" * 65 + ":")
    refused(invoke("scenarios", "check", str(behaviour)), "use up to 64 letters")


def test_an_empty_file_says_it_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n")
    refused(invoke("scenarios", "check", str(path)), "the file is empty or holds only comments")
