"""Where a run's memory goes: bytes per agent kept, and the peak, stage by stage.

Usage: python benchmarks/memory.py [--agents 10000000] [--steps 3] [--scenario seed]

Prints the resident set (now and peak, from /proc/self/status) after importing, after
setting up (people and network) and after the steps, and the bytes per agent of each
array the run keeps (state, network, the last step's events, the metrics buffer), so
that a reduction can be told from the process's baseline and the set-up's peak.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

import numpy as np


def status() -> tuple[int, int]:
    """(VmRSS, VmHWM) of this process in bytes."""
    found = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0]) * 1024
    return found["VmRSS"], found["VmHWM"]


def arrays(obj: Any, prefix: str) -> list[tuple[str, int]]:
    """(name, bytes) of every NumPy array held by a dataclass or object (one level, dicts too)."""
    items = (
        {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
        if dataclasses.is_dataclass(obj)
        else vars(obj)
    )
    out = []
    for name, value in items.items():
        if isinstance(value, np.ndarray):
            out.append((f"{prefix}.{name}", value.nbytes))
        elif isinstance(value, dict):
            out += [(f"{prefix}.{name}[{k}]", v.nbytes) for k, v in value.items()
                    if isinstance(v, np.ndarray)]  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--agents", type=int, default=10_000_000)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--scenario", default="seed")
    args = ap.parse_args()
    n = args.agents
    import scoresim

    stages = [("imported", *status())]
    sim = scoresim.Simulation(args.scenario, agents=n, seed=1)
    stages.append(("set up", *status()))
    sim.run(args.steps)
    stages.append((f"{args.steps} steps", *status()))
    print(f"{args.scenario}, {n:,} agents")
    for label, rss, peak in stages:
        print(f"{label:>10}: RSS {rss / n:7.1f} B/agent, peak {peak / n:7.1f} B/agent")
    kept = arrays(sim.state, "state") + arrays(sim.net, "net")
    if sim.events is not None:
        kept += arrays(sim.events, "events")
    kept += [(f"metrics[{k}]", v.nbytes) for k, v in sim.buf.values.items()]
    total = sum(b for _, b in kept)
    print(f"kept in arrays: {total / n:.1f} B/agent")
    for name, b in sorted(kept, key=lambda x: -x[1])[:25]:
        if b / n >= 0.5:
            print(f"  {b / n:6.1f}  {name}")


if __name__ == "__main__":
    main()
