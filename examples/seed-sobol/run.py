"""Run the Sobol sweep and its sensitivity indices, with the figure.

Usage: python examples/seed-sobol/run.py [OUT]   (default sweeps/sobol)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from _small import out_dir, sweep_file  # noqa: E402

out = out_dir("sweeps/sobol")
scoresim = str(Path(sys.executable).with_name("scoresim"))
subprocess.run([scoresim, "sweep", str(sweep_file(HERE / "sweep.yaml", out)), "--out", str(out),
                "-q"], check=True)  # fmt: skip
subprocess.run([scoresim, "sensitivity", str(out), "--figure", str(out / "sensitivity.png")],
               check=True)  # fmt: skip
