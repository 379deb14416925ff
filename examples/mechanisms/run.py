"""Run `seed` with and without the neighbourhood watch, on the same people.

Usage: python examples/mechanisms/run.py [OUT]   (default watch-out)

The watch is found by its entry point once installed (``pip install -e
examples/mechanisms``); without installing, this script registers it in-process.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from _small import SMALL, out_dir  # noqa: E402 - after the path is set

import scoresim  # noqa: E402
from scoresim.mechanisms import installed, register  # noqa: E402

if "neighbourhood_watch" not in installed():
    from scoresim_watch import NeighbourhoodWatch

    register(NeighbourhoodWatch)

out = out_dir("watch-out")
agents, days = (3_000, 40) if SMALL else (50_000, 365)
for scenario in ("seed", str(HERE / "seed-watch.yaml")):
    run = scoresim.simulate(scenario, agents=agents, steps=days, seed=7)
    m = run.metrics
    tail = m[m["group"] == "all"].tail(30)
    reports = tail.get("neighbourhood_watch.reports", tail["listed"] * 0).mean()
    print(f"{run.info['scenario']:>10}: jaywalking {tail['rate.jaywalk'].mean():.4f} a day, "
          f"recorded {tail['recorded.jaywalk'].mean():.4f}, reported by the watch {reports:.4f}")  # fmt: skip
    run.save(out / run.info["scenario"])
