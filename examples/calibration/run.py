"""Run the shipped calibrations and print their posteriors and forecasts.

Usage: python examples/calibration/run.py [OUT]   (default calibrations/)

Each writes OUT/court-blacklist, OUT/court-constant and OUT/polls (posterior.csv,
predictive.csv, forecasts.csv, calibration.json, figures/); see docs/calibration.md
for what they found and how long they took.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from _small import SCORESIM, SMALL, out_dir  # noqa: E402


def calibration_file(name: str, out: Path) -> Path:
    """The file itself, or in small mode a copy with small runs and one generation."""
    path = HERE / f"{name}.yaml"
    if not SMALL:
        return path
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec["run"]["agents"] = 1000 if name.startswith("court") else 3000
    spec["abc"] = {"population": 10, "generations": 1, "predictive": 4}
    for key in list(spec.get("fixed", {})):
        if key.endswith(".size"):
            spec["fixed"][key] = 500
    small = out / f"{name}-small.yaml"
    small.parent.mkdir(parents=True, exist_ok=True)
    small.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return small


out = out_dir("calibrations")
for name in ("court-blacklist", "court-constant", "polls"):
    subprocess.run([SCORESIM, "calibrate", str(calibration_file(name, out)), "--out",
                    str(out / name), "-q"], check=True)  # fmt: skip
