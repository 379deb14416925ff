"""Shared by the examples' scripts: where to write, and the small size the tests use.

``SCORESIM_EXAMPLE_SMALL=1`` (set by ``tests/test_examples.py``) runs each example at a
size that takes seconds; without it, at the size its README describes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

SMALL = os.environ.get("SCORESIM_EXAMPLE_SMALL") == "1"


def out_dir(default: str) -> Path:
    """The folder to write into: the first command-line argument, or ``default``."""
    return Path(sys.argv[1]) if len(sys.argv) > 1 else Path(default)


def sweep_file(path: Path, out: Path) -> Path:
    """The sweep file itself, or in small mode a copy with few agents and steps."""
    if not SMALL:
        return path
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec.update(agents=300, steps=5)
    if spec.get("design") in ("sobol", "morris"):
        spec["samples"] = 8
    small = out.parent / f"{out.name}-small.yaml"
    small.parent.mkdir(parents=True, exist_ok=True)
    small.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return small


SCORESIM = str(Path(sys.executable).with_name("scoresim"))
"""The ``scoresim`` command of this interpreter's environment."""


def run_sweep(here: Path, out: Path) -> None:
    """``scoresim sweep`` of the example's ``sweep.yaml`` (small in small mode) into ``out``."""
    subprocess.run([SCORESIM, "sweep", str(sweep_file(here / "sweep.yaml", out)), "--out",
                    str(out), "-q"], check=True)  # fmt: skip
