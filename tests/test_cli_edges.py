"""Command-line edges found by the issue 23 review: each one line, exit 2, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

import scoresim
from scoresim.cli.app import app

SEED = Path(scoresim.__file__).parent / "scenarios" / "seed.yaml"


def test_compare_refuses_two_regimes_of_one_name(tmp_path: Path) -> None:
    mine = tmp_path / "myseed.yaml"
    mine.write_text(
        SEED.read_text().replace("criticise_government: -50", "criticise_government: -10")
    )
    out = tmp_path / "cmp"
    res = CliRunner().invoke(
        app,
        ["compare", "seed", str(mine), "--agents", "200", "--steps", "2", "-q", "--out", str(out)],
    )
    assert res.exit_code == 2, res.output
    assert res.output.count("\n") == 1 and "are both named 'seed'" in res.output
    assert not out.exists()


def test_an_argument_that_is_not_utf8_is_one_line_before_any_work(tmp_path: Path) -> None:
    exe = str(Path(sys.executable).with_name("scoresim"))
    out = bytes(tmp_path) + b"/\xff"
    for args in (
        [b"run", b"seed", b"--agents", b"200", b"--steps", b"2", b"-q", b"--out", out],
        [b"query", bytes(tmp_path), b"SELECT '\xff'"],
    ):
        res = subprocess.run([exe.encode(), *args], capture_output=True, timeout=120)
        assert res.returncode == 2, res.stderr
        assert b"holds bytes that are not UTF-8" in res.stderr and b"Traceback" not in res.stderr
        assert res.stderr.count(b"\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_refused_experiment_folder_is_the_only_line_without_quiet(tmp_path: Path) -> None:
    from tests.tiny import CALIBRATION, SWEEP

    exe = str(Path(sys.executable).with_name("scoresim"))
    (tmp_path / "s.yaml").write_text(SWEEP)
    (tmp_path / "c.yaml").write_text(CALIBRATION)
    for command, file in (("sweep", "s.yaml"), ("calibrate", "c.yaml")):
        res = subprocess.run(
            [exe, command, file, "--out", "p\\q"],
            cwd=tmp_path, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert res.returncode == 2, res.stderr
        assert res.stderr.startswith("error: --out p\\q: DuckDB reads"), res.stderr
        assert res.stderr.count("\n") == 1, res.stderr  # no bar, no blank line before it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml", "s.yaml"]
