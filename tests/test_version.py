"""``scoresim --version``, and one version everywhere (c99c8c3 had no ``--version``)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import scoresim
from scoresim.version import VERSION


def test_the_command_prints_its_version() -> None:
    command = str(Path(sys.executable).with_name("scoresim"))
    res = subprocess.run([command, "--version"], capture_output=True, text=True, timeout=120)
    assert (res.returncode, res.stdout, res.stderr) == (0, f"scoresim {VERSION}\n", "")


def test_one_version_everywhere() -> None:
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text())["project"]["version"]
    assert VERSION == declared == scoresim.__version__ == version("scoresim")
    run = scoresim.simulate("seed", agents=50, steps=1)
    assert run.info["version"] == VERSION
