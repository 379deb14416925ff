"""Speed and memory of the flagship `seed` regime, each size in a fresh process.

Usage: python benchmarks/flagship.py [--sizes 100000 1000000] [--steps 50] [--seed 7]

Prints one row per size: set-up seconds, seconds per step, agent-steps per second,
peak RSS and peak RSS per agent (the whole process: interpreter, libraries, state,
network and the metrics buffer).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time

import numpy as np


def one(agents: int, steps: int, seed: int) -> dict[str, float]:
    import scoresim
    from scoresim.core import step as step_mod
    from scoresim.core.phases.measure import MetricsBuffer
    from scoresim.engine.compile import compile_scenario
    from scoresim.engine.simulation import setup

    t0 = time.perf_counter()
    compiled = compile_scenario(scoresim.load_scenario("seed").config)
    state, net, streams, _ = setup(compiled, agents, seed)
    buf = MetricsBuffer(compiled.labels, steps)
    t1 = time.perf_counter()
    for _ in range(steps):
        step_mod.step(state, net, compiled.regime, streams, buf)
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "agents": agents,
        "steps": steps,
        "setup_seconds": t1 - t0,
        "seconds_per_step": (t2 - t1) / steps,
        "agent_steps_per_second": agents * steps / (t2 - t1),
        "peak_rss_bytes": peak,
        "bytes_per_agent": peak / agents,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.steps, args.seed)))
        return
    with open("/proc/cpuinfo") as f:
        names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
    cpu = names[0] if names else platform.processor()
    print(
        f"machine: {cpu}, {len(__import__('os').sched_getaffinity(0))} cores, "
        f"Python {platform.python_version()}, NumPy {np.__version__}"
    )
    print(
        f"{'agents':>10} {'setup s':>8} {'s/step':>8} {'agent-steps/s':>14} "
        f"{'peak RSS MiB':>12} {'B/agent':>8}"
    )
    for n in args.sizes:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                str(n),
                "--steps",
                str(args.steps),
                "--seed",
                str(args.seed),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out)
        print(
            f"{n:>10,} {r['setup_seconds']:>8.2f} {r['seconds_per_step']:>8.4f} "
            f"{r['agent_steps_per_second']:>14,.0f} {r['peak_rss_bytes'] / 2**20:>12,.0f} "
            f"{r['bytes_per_agent']:>8,.0f}"
        )


if __name__ == "__main__":
    main()
