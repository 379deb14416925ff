"""What seed's optional mechanisms cost per step: seed as shipped against seed without them.

Both in one invocation, alternating, after a warm-up step each (Numba compiles then).

Usage: python benchmarks/mechanisms_cost.py [--agents 1000000] [--steps 30] [--repeats 2]
"""

from __future__ import annotations

import argparse
import time

import scoresim

WITHOUT = {"approval": None, "polls": None}


def ms_per_step(overrides: dict[str, None], agents: int, steps: int) -> float:
    """Mean milliseconds per step of ``steps`` steps, after one warm-up step."""
    sc = scoresim.load_scenario("seed")
    sim = scoresim.Simulation(sc.with_overrides(overrides) if overrides else sc, agents=agents,
                              seed=1)  # fmt: skip
    sim.step()
    t0 = time.perf_counter()
    sim.run(steps)
    return (time.perf_counter() - t0) / steps * 1000


def main() -> None:
    """Print both rows and the ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=1_000_000)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=2)
    a = ap.parse_args()
    rows: dict[str, list[float]] = {"seed (approval, polls)": [], "seed without them": []}
    for _ in range(a.repeats):
        rows["seed (approval, polls)"].append(ms_per_step({}, a.agents, a.steps))
        rows["seed without them"].append(ms_per_step(WITHOUT, a.agents, a.steps))
    for name, values in rows.items():
        print(f"{name:<26} {', '.join(f'{v:.1f}' for v in values)} ms/step ({a.agents:,} agents)")
    on, off = (min(v) for v in rows.values())
    print(f"cost of approval and polls: {on - off:+.1f} ms/step ({on / off - 1:+.0%})")


if __name__ == "__main__":
    main()
