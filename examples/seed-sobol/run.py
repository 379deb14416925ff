"""Run the Sobol sweep and its sensitivity indices, with the figure.

Usage: python examples/seed-sobol/run.py [OUT]   (default sweeps/sobol)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from _small import SCORESIM, out_dir, run_sweep  # noqa: E402

out = out_dir("sweeps/sobol")
run_sweep(HERE, out)
subprocess.run([SCORESIM, "sensitivity", str(out), "--figure", str(out / "sensitivity.png")],
               check=True)  # fmt: skip
