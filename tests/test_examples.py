"""Every example under examples/ runs end to end (at a small size), as a user would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NAMES = sorted(p.parent.name for p in EXAMPLES.glob("*/run.py"))
EXPECTED = {  # what each leaves in its output folder
    "cameras-and-criticism": ["results.duckdb"],
    "seed-sobol": ["results.duckdb", "sensitivity.png"],
    "stepping": ["afraid.png", "seed/run.json", "baseline/run.json"],
    "own-network": ["court-blacklist/run.json"],
    "notebook": ["stepping.ipynb"],
    "mechanisms": ["seed/run.json", "seed-watch/run.json"],
    "interviews": ["seed/run.json", "interviews.txt"],
    "calibration": [
        "court-blacklist/posterior.csv",
        "court-blacklist/forecasts.csv",
        "court-constant/posterior.csv",
        "polls/posterior.csv",
        "polls/predictive.csv",
    ],
}


def test_every_example_has_the_one_shape() -> None:
    assert sorted(EXPECTED) == NAMES
    for name in NAMES:
        assert (EXAMPLES / name / "README.md").is_file(), name


@pytest.mark.parametrize("name", NAMES)
def test_the_example_runs(name: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {**os.environ, "SCORESIM_EXAMPLE_SMALL": "1", "MPLBACKEND": "Agg"}
    res = subprocess.run([sys.executable, str(EXAMPLES / name / "run.py"), str(out)],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)  # fmt: skip
    assert res.returncode == 0, res.stderr[-2000:]
    for path in EXPECTED[name]:
        assert (out / path).exists(), (name, path, res.stdout[-500:])
