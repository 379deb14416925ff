"""Run a regime on a network of your own: a small-world graph built by hand.

Usage: python examples/own-network/run.py [OUT]   (default own-network-out)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _small import SMALL, out_dir

import scoresim

out = out_dir("own-network-out")
n, days = (2_000, 30) if SMALL else (20_000, 365)
rng = np.random.default_rng(1)
# A ring where each person knows the 3 nearest on each side, 10% of ties rewired.
ring = np.array([(i, (i + d) % n) for i in range(n) for d in (1, 2, 3)])
rewired = rng.random(len(ring)) < 0.1
ring[rewired, 1] = rng.integers(0, n, rewired.sum())
edges = ring[ring[:, 0] != ring[:, 1]]

sim = scoresim.Simulation("court-blacklist", agents=n, seed=3, network=edges)
sim.run(days)
m = sim.metrics
last = m[m["group"] == "all"].iloc[-1]
ties = sim.network()
print(
    f"mean degree at the start {m['degree.mean'].iloc[2]:.2f}, at the end {last['degree.mean']:.2f}"
)
print(f"listed {last['listed']:.2%}, ties cut {int(last['ties_cut'])} of {len(ties)}")
sim.save(out / "court-blacklist")
