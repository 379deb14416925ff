"""Issue 25's table of speed targets, every row in one invocation, this tree against another.

Usage:

    python benchmarks/targets.py --against /tmp/base25/src [--quick]

Rows (ratios of times taken in this one invocation, on this machine):

1. Epstein against Mesa's own example (the newest Mesa the machine can install, in the
   environment of ``benchmarks/vs_mesa/mesa_env.py``) at 100x100 and 400x400;
2. the flagship (``seed`` without approval and polls) against its Mesa version
   (``benchmarks/vs_mesa/scored_society.py``) at 10^5 people;
3. seed at 10^6: agent-steps per second per GB/s of this machine's copy bandwidth;
4. seed at 10^4: its rate per agent over the rate at 10^6;
5. bytes per agent at 10^7: the peak resident set of a fresh process over the people;
6. court-list simulations per hour at 10^5 people x 1 553 days on 2 local worker
   processes (each run on one compiled thread, as a calibration's are).

Rows 3 to 6 are measured for this tree and for ``--against`` (a ``src/`` folder, e.g.
a git worktree of the commit before), each in fresh processes on the same interpreter.
``--quick`` shortens every run and ``--smallest`` makes every size tiny (the test
suite's smoke test); neither's figures are the table's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "vs_mesa"))

from bandwidth import copy_bandwidth  # noqa: E402
from run import bench, cpu_model, mesa  # noqa: E402

COURT = """
import json, sys, time
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext

def one(seed):
    import scoresim
    try:
        from scoresim.core.threads import compiled_threads
        one_thread = compiled_threads(1)
    except ImportError:  # a tree from before parallel passes
        one_thread = nullcontext()
    with one_thread:
        scoresim.simulate("court-blacklist", agents={agents}, steps={steps}, seed=seed)
    return seed

if __name__ == "__main__":
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(one, [100, 101]))  # compile and warm both workers
        t0 = time.perf_counter()
        list(pool.map(one, range({runs})))
        seconds = time.perf_counter() - t0
    print(json.dumps({{"runs": {runs}, "seconds": seconds}}))
"""

FLAGSHIP = """
import json, time, scoresim
sc = scoresim.load_scenario("seed").with_overrides({{"approval": None, "polls": None}})
sim = scoresim.Simulation(sc, agents={agents}, seed=0)
sim.step()
t0 = time.perf_counter()
sim.run({steps})
print(json.dumps({{"seconds_per_step": (time.perf_counter() - t0) / {steps}}}))
"""


def python(code: str, src: Path | None) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter (with ``src``'s package first when given)."""
    env = {**os.environ, "PYTHONPATH": str(src)} if src else None
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env=env)  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def mesa_flagship(agents: int, steps: int) -> float:
    """Seconds per step of the Mesa version of the flagship."""
    import flagship
    from mesa_env import ensure_mesa

    interpreter, _ = ensure_mesa()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "seed.json"
        cfg.write_text(json.dumps(flagship.scenario().config.model_dump(mode="json")))
        r = flagship.run_mesa(interpreter, cfg, agents, steps, 0)
    return float(r["seconds_per_step"])


SIZES: dict[str, dict[str, Any]] = {
    # grids and their steps; flagship people and Mesa steps; seed's small, large and
    # largest sizes and steps; the court list's people, days and runs
    "full": {"grids": (100, 400), "grid_steps": 200, "flagship": 100_000, "mesa_steps": 3,
             "small": 10_000, "large": 1_000_000, "largest": 10_000_000, "steps": 50,
             "court": (100_000, 1553, 4)},
    "quick": {"grids": (100, 400), "grid_steps": 20, "flagship": 10_000, "mesa_steps": 2,
              "small": 10_000, "large": 1_000_000, "largest": 1_000_000, "steps": 5,
              "court": (10_000, 100, 4)},
    "smallest": {"grids": (20,), "grid_steps": 5, "flagship": 300, "mesa_steps": 2,
                 "small": 1_000, "large": 4_000, "largest": 4_000, "steps": 2,
                 "court": (1_000, 10, 2)},
}  # fmt: skip


def seed_rows(src: Path | None, sizes: dict[str, Any]) -> dict[str, float]:
    """Rows 3 to 5 of one tree: rates at the small and large sizes, the largest's peak."""
    steps, big = sizes["steps"], sizes["largest"]
    small = bench(["seed", "--agents", str(sizes["small"]), "--steps", str(steps * 10)], src)
    large = bench(["seed", "--agents", str(sizes["large"]), "--steps", str(steps)], src)
    huge = bench(["seed", "--agents", str(big), "--steps", "3"], src)
    return {
        "rate_1e4": small["agent_steps_per_second"],
        "rate_1e6": large["agent_steps_per_second"],
        "bytes_per_agent": huge["peak_rss_bytes"] / big,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", type=Path, help="another tree's src/ folder")
    ap.add_argument("--quick", action="store_true", help="short runs")
    ap.add_argument("--smallest", action="store_true", help="tiny sizes (a smoke test)")
    args = ap.parse_args()
    sizes = SIZES["smallest" if args.smallest else "quick" if args.quick else "full"]
    trees: list[tuple[str, Path | None]] = [("this tree", None)]
    if args.against:
        trees.append(("against", args.against))
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}")

    print("\n1. Epstein against Mesa's example (ms/step)")
    for size in sizes["grids"]:
        steps = sizes["grid_steps"]
        ours = bench(["epstein", "--size", str(size), "--steps", str(steps)])
        theirs = mesa(size, steps)
        print(f"   {size}x{size}: scoresim {ours['seconds_per_step'] * 1e3:.3f}, Mesa "
              f"{theirs['mesa']} {theirs['seconds_per_step'] * 1e3:.1f}: "
              f"{theirs['seconds_per_step'] / ours['seconds_per_step']:,.0f}x")  # fmt: skip

    agents = sizes["flagship"]
    print(f"\n2. the flagship against its Mesa version at {agents:,} people (ms/step)")
    m = mesa_flagship(agents, sizes["mesa_steps"])
    for label, src in trees:
        s = python(FLAGSHIP.format(agents=agents, steps=sizes["steps"] * 2), src)
        print(f"   {label}: scoresim {s['seconds_per_step'] * 1e3:.2f}, Mesa {m * 1e3:.0f}: "
              f"{m / s['seconds_per_step']:,.0f}x")  # fmt: skip

    bw = copy_bandwidth(0.05 if args.smallest else 1.0) / 1e9
    small, large, big = sizes["small"], sizes["large"], sizes["largest"]
    print(f"\n3-5. seed (copy bandwidth {bw:.1f} GB/s)")
    print(f"   {'tree':<10}{f'{large:.0e}: M/s per GB/s':>22}{f'{small:.0e} / {large:.0e}':>16}"
          f"{f'B/agent at {big:.0e}':>18}")  # fmt: skip
    for label, src in trees:
        r = seed_rows(src, sizes)
        print(f"   {label:<10}{r['rate_1e6'] / 1e6 / bw:>22.3f}{r['rate_1e4'] / r['rate_1e6']:>16.2f}"
              f"{r['bytes_per_agent']:>18.0f}")  # fmt: skip

    people, days, runs = sizes["court"]
    print(f"\n6. court list at {people:,} x {days:,} days on 2 workers (simulations per hour)")
    for label, src in trees:
        r = python(COURT.format(agents=people, steps=days, runs=runs), src)
        print(f"   {label}: {r['runs'] / r['seconds'] * 3600:,.0f} ({r['runs']} runs in "
              f"{r['seconds']:.1f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
