"""Ask the flagship regime's people what they think of it, and say what it means.

Usage: python examples/interviews/run.py [OUT]   (default interviews-out)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _small import SMALL, out_dir

import scoresim

HERE = Path(__file__).resolve().parent
WINDOW = 30  # days over which compliance is judged

out = out_dir("interviews-out")
out.mkdir(parents=True, exist_ok=True)
polls = yaml.safe_load((HERE / "polls.yaml").read_text(encoding="utf-8"))["polls"]
agents = 5_000 if SMALL else 100_000
scenario = scoresim.load_scenario("seed").with_overrides({"polls": polls})
sim = scoresim.Simulation(scenario, agents=agents, seed=11)
labels = sim.compiled.labels
penalised = np.flatnonzero(sim.compiled.regime.behave.penalty > 0)
sim.run(365 - WINDOW)
broke = np.zeros(agents, np.bool_)  # broke a rule in the last WINDOW days
for _ in range(WINDOW):
    sim.step()
    assert sim.events is not None
    broke |= sim.events.acts[penalised].any(axis=0)
sim.save(out / "seed")

state = sim.state
approval = state.traits["approval"]
against = approval <= 0  # privately do not approve of the scoring system
# Without a regime, who would have broken none of those rules in WINDOW days.
p0 = 1.0 / (1.0 + np.exp(-state.logit0[penalised].astype(np.float64)))
clean_anyway = np.prod((1.0 - p0) ** WINDOW, axis=0)
comply = float(np.mean(~broke[against]) - np.mean(clean_anyway[against]))

ties = sim.network()
cut = ties[~ties["active"]]
listed = set(np.flatnonzero(state.listed_until > 0).tolist())
cutters = {int(b) if int(a) in listed else int(a) for a, b in zip(cut["source"], cut["target"], strict=True)
           if int(a) in listed or int(b) in listed} - listed  # fmt: skip
supporters = np.mean([approval[i] > 0 for i in cutters]) if cutters else float("nan")

row = {p["name"]: p for p in sim.info()["polls"]}
street, online, lst = row["street_camera"], row["online_direct"], row["online_list"]
arms = {a["arm"]: a for a in row["online_information"]["arms"]}
told, balanced = arms["repression"], arms["balanced"]
text = (
    f"After a year of the seed regime ({agents:,} people), {street['estimate']:.0%} of those "
    f"stopped in the street in front of a camera say the scoring system is a good idea; "
    f"privately, only {street['truth']:.0%} of them approve, so {street['bias']:.0%} of all "
    f"respondents say it without meaning it. Online, {online['estimate']:.0%} of internet users "
    f"say so when asked directly, and a list experiment puts their approval at "
    f"{lst['estimate']:.0%} (95% interval {lst['low']:.0%} to {lst['high']:.0%}; the truth in "
    f"that sample is {lst['truth']:.0%}). Of the {against.mean():.0%} who privately disapprove, "
    f"{comply:.0%} more kept every rule in the last {WINDOW} days than would have without the "
    f'regime ("we do not have a choice"). {len(cutters):,} people cut a tie with a '
    f'blacklisted neighbour ("they have to be condemned"); {supporters:.0%} of them approve '
    f"of the system. Asked twice, with news of the system's repressive potential in "
    f"between, the share of those told who called it a good idea fell by "
    f"{-100 * told['effect']:.1f} points (95% interval {-100 * told['effect_high']:.1f} to "
    f"{-100 * told['effect_low']:.1f}), while {-told['effect_truth']:.1%} of them had privately "
    f"turned against it; a balanced account of its pros and cons moved that share by "
    f"{-100 * balanced['effect']:.1f} points."
)
print(text)
(out / "interviews.txt").write_text(text + "\n", encoding="utf-8")
print(f"written to {out}")
