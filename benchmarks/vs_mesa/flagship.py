"""The flagship ``seed`` regime in scoresim against the same model written in Mesa.

``scored_society.py`` is ``seed`` as a Mesa model (one agent per person on Mesa's
network space, the six phases of docs/model.md), run in the Mesa environment of
``mesa_env.py`` (the newest Mesa this machine can install). This script:

1. **agreement**: runs both at ``--agents`` (10 000) for ``--steps`` days over
   ``--seeds`` seeds each and compares, seed distributions against seed distributions,
   five measures: the criticism rate and falsification (means of the last 30 days),
   the share listed at the end, travel denials and ties cut (totals). Two-sided
   Mann-Whitney U per measure; "agree" when p >= 0.01, the same rule as the Epstein
   comparison. The two models share parameters, not random numbers.
2. **speed**: seconds per step of each, side by side in this invocation, at
   ``--sizes`` (10^3, 10^4, 10^5 agents; Mesa runs fewer steps as size grows; set-up
   excluded). scoresim runs ``seed`` without approval and polls, which the Mesa model
   leaves out.

Usage: python benchmarks/vs_mesa/flagship.py [--seeds 10] [--agents 10000] [--steps 120]
       [--sizes 1000 10000 100000] [--skip-agreement]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

import scoresim

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from mesa_env import ensure_mesa  # noqa: E402

MEASURES = ("criticism rate", "falsification", "listed", "travel denials", "ties cut")
TAIL = 30


def scenario() -> Any:
    """``seed`` without approval and polls (the Mesa model has neither)."""
    return scoresim.load_scenario("seed").with_overrides({"approval": None, "polls": None})


def run_mesa(python: Path, cfg_file: Path, agents: int, steps: int, seed: int) -> dict[str, Any]:
    out = subprocess.run([str(python), str(HERE / "scored_society.py"), str(cfg_file),
                          str(agents), str(steps), str(seed)],
                         check=True, capture_output=True, text=True)  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def measures_mesa(r: dict[str, Any]) -> dict[str, float]:
    s = r["series"]
    return {
        "criticism rate": float(np.mean(s["rate"][-TAIL:])),
        "falsification": float(np.mean(s["falsification"][-TAIL:])),
        "listed": float(s["listed"][-1]),
        "travel denials": float(s["denied_travel"][-1]),
        "ties cut": float(s["ties_cut"][-1]),
    }


def run_scoresim(agents: int, steps: int, seed: int) -> tuple[dict[str, float], float]:
    sim = scoresim.Simulation(scenario(), agents=agents, seed=seed)
    sim.step()  # compile outside the timing
    t0 = time.perf_counter()
    sim.run(steps - 1)
    seconds = (time.perf_counter() - t0) / max(steps - 1, 1)
    m = sim.metrics
    a = m[m["group"] == "all"]
    return {
        "criticism rate": float(a["rate.criticise_government"].tail(TAIL).mean()),
        "falsification": float(a["falsification"].tail(TAIL).mean()),
        "listed": float(a["listed"].iloc[-1]),
        "travel denials": float(a["denied.travel"].sum()),
        "ties cut": float(a["ties_cut"].iloc[-1]),
    }, seconds


def agreement(python: Path, cfg_file: Path, seeds: int, agents: int, steps: int) -> None:
    rows: dict[str, dict[str, list[float]]] = {k: {"mesa": [], "scoresim": []} for k in MEASURES}
    for seed in range(seeds):
        m = measures_mesa(run_mesa(python, cfg_file, agents, steps, seed))
        s, _ = run_scoresim(agents, steps, seed)
        for k in MEASURES:
            rows[k]["mesa"].append(m[k])
            rows[k]["scoresim"].append(s[k])
    print(f"\nagreement: seed, {agents:,} agents, {steps} days, {seeds} seeds per model")
    print(f"{'measure':<16}{'mesa mean (sd)':>22}{'scoresim mean (sd)':>24}{'MW p':>8}  verdict")
    for k in MEASURES:
        a, b = rows[k]["mesa"], rows[k]["scoresim"]
        same = np.allclose(a, b) and np.ptp(a + b) == 0
        p = 1.0 if same else float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
        print(f"{k:<16}{np.mean(a):>13.5g} ({np.std(a):>7.3g}){np.mean(b):>15.5g} ({np.std(b):>7.3g})"
              f"{p:>8.3f}  {'agree' if p >= 0.01 else 'DIFFER'}")  # fmt: skip


def speed(python: Path, cfg_file: Path, sizes: list[int]) -> None:
    print("\nspeed: seconds per step, set-up excluded, same invocation")
    print(f"{'agents':>10}{'mesa ms/step':>15}{'scoresim ms/step':>18}{'ratio':>9}  mesa steps")
    for n in sizes:
        mesa_steps = max(3, 20_000_000 // (n * 400))  # about 50 s of Mesa per size at most
        m = run_mesa(python, cfg_file, n, mesa_steps, 0)
        _, s = run_scoresim(n, 60 if n >= 1_000_000 else 200, 0)
        ms = float(m["seconds_per_step"])
        print(f"{n:>10,}{ms * 1e3:>15.1f}{s * 1e3:>18.3f}{ms / s:>9.0f}  {mesa_steps}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--agents", type=int, default=10_000)
    ap.add_argument("--steps", type=int, default=120)
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10_000, 100_000])
    ap.add_argument("--skip-agreement", action="store_true")
    a = ap.parse_args()
    python, info = ensure_mesa()
    print(f"Mesa {info['mesa']} on Python {info['python']} ({info['note']}); "
          f"scoresim {scoresim.__version__}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        cfg_file = Path(tmp) / "seed.json"
        cfg_file.write_text(json.dumps(scenario().config.model_dump(mode="json")))
        if not a.skip_agreement:
            agreement(python, cfg_file, a.seeds, a.agents, a.steps)
        if a.sizes:
            speed(python, cfg_file, a.sizes)


if __name__ == "__main__":
    main()
