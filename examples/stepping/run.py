"""Step a simulation like a Mesa model, add a measure of your own, and plot it.

Usage: python examples/stepping/run.py [OUT]   (default stepping-out)
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _small import SMALL, out_dir

import scoresim


def afraid(state: scoresim.society.state.CitizenState, _events: object) -> float:
    """Share of dissenters who think criticism is more likely seen than not."""
    dissenters = state.stance < 0
    risk = state.perceived_risk[2]  # criticise_government, the seed regime's third behaviour
    return float(np.mean(risk[dissenters] > 0.5)) if dissenters.any() else 0.0


out = out_dir("stepping-out")
out.mkdir(parents=True, exist_ok=True)
agents, days = (2_000, 30) if SMALL else (50_000, 365)
lines = {}
for name in ("seed", "baseline"):
    sim = scoresim.Simulation(name, agents=agents, seed=7, reporters={"afraid": afraid})
    sim.step()  # one day, to look at
    print(f"{name}: after day 1, {sim.events.acts[2].sum()} people criticised the government")
    sim.run(days - 1)
    m = sim.metrics
    lines[name] = m[m["group"] == "all"]
    sim.save(out / name)

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
for name, rows in lines.items():
    left.plot(rows["step"], rows["afraid"], label=name)
    right.plot(rows["step"], rows["falsification"], label=name)
left.set(title="dissenters who expect criticism to be seen", xlabel="day", ylabel="share")
right.set(title="falsification", xlabel="day", ylabel="share of people")
left.legend()
fig.tight_layout()
fig.savefig(out / "afraid.png", dpi=100)
print(f"written: {out / 'afraid.png'}, run folders {out / 'seed'} and {out / 'baseline'}")
