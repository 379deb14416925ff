"""Run the grid sweep and print falsification and wrongful listing by design point.

Usage: python examples/cameras-and-criticism/run.py [OUT]   (default sweeps/cameras)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from _small import SCORESIM, out_dir, run_sweep  # noqa: E402

out = out_dir("sweeps/cameras")
run_sweep(HERE, out)
query = (
    'SELECT r."sources.street_cameras.coverage" AS cameras, '
    'r."scoring.points.criticise_government" AS criticism, '
    "round(avg(m.falsification), 4) AS falsification, "
    "round(avg(m.listed_wrongly), 5) AS wrongly "
    "FROM metrics m JOIN runs r USING (run_id) "
    "WHERE m.\"group\" = 'all' AND m.step = (SELECT max(step) FROM metrics) "
    "GROUP BY ALL ORDER BY ALL"
)
subprocess.run([SCORESIM, "query", str(out), query, "--csv"], check=True)
