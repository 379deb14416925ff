"""What following people costs: seed with 1 000 people followed against seed without.

Both in one invocation, alternating, after a warm-up step each (Numba compiles then);
the followed table is built at the end and its time counted too (it is part of saving
a run that follows people).

Usage: python benchmarks/follow_cost.py [--agents 100000] [--follow 1000] [--steps 60] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import scoresim


def ms_per_step(agents: int, steps: int, follow: int | None) -> float:
    """Mean milliseconds per step over ``steps`` steps (and the table), after one warm-up."""
    sim = scoresim.Simulation("seed", agents=agents, seed=1, follow=follow)
    sim.step()
    t0 = time.perf_counter()
    sim.run(steps)
    if follow:
        sim.followed()
    return (time.perf_counter() - t0) / steps * 1000


def main() -> None:
    """Print both rows and the ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=100_000)
    ap.add_argument("--follow", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    rows: dict[str, list[float]] = {f"following {a.follow:,}": [], "following nobody": []}
    for _ in range(a.repeats):
        rows[f"following {a.follow:,}"].append(ms_per_step(a.agents, a.steps, a.follow))
        rows["following nobody"].append(ms_per_step(a.agents, a.steps, None))
    for name, values in rows.items():
        print(f"{name:<20} {', '.join(f'{v:.1f}' for v in values)} ms/step ({a.agents:,} agents)")
    on, off = (min(v) for v in rows.values())
    print(f"cost of following: {on - off:+.2f} ms/step ({on / off - 1:+.1%})")


if __name__ == "__main__":
    main()
