"""What seed's optional mechanisms cost per step: seed as shipped against seed without them.

Both in one invocation, alternating, after a warm-up step each (Numba compiles then).
:func:`ms_per_step` and :func:`alternate` serve the other per-step costs too
(``follow_cost.py``).

Usage: python benchmarks/mechanisms_cost.py [--agents 1000000] [--steps 30] [--repeats 2]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import scoresim

WITHOUT = {"approval": None, "polls": None}


def ms_per_step(sim: scoresim.Simulation, steps: int, finish: Callable[[], object] | None = None) -> float:  # fmt: skip
    """Mean milliseconds per step of ``steps`` steps (and ``finish``), after one warm-up step."""
    sim.step()
    t0 = time.perf_counter()
    sim.run(steps)
    if finish is not None:
        finish()
    return (time.perf_counter() - t0) / steps * 1000


def alternate(rows: dict[str, Callable[[], float]], repeats: int, agents: int, what: str) -> None:
    """Time each row in turn, ``repeats`` times; print them and the first's cost over the second.

    The cost is the best of the first row less the best of the second, in ms per step.
    """
    times: dict[str, list[float]] = {name: [] for name in rows}
    for _ in range(repeats):
        for name, run in rows.items():
            times[name].append(run())
    width = max(len(name) for name in times) + 1
    for name, values in times.items():
        print(
            f"{name:<{width}} {', '.join(f'{v:.1f}' for v in values)} ms/step ({agents:,} agents)"
        )
    on, off = (min(v) for v in times.values())
    print(f"cost of {what}: {on - off:+.2f} ms/step ({on / off - 1:+.1%})")


def main() -> None:
    """Print both rows and the ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=1_000_000)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=2)
    a = ap.parse_args()
    sc = scoresim.load_scenario("seed")

    def run(scenario: scoresim.Scenario) -> Callable[[], float]:
        return lambda: ms_per_step(scoresim.Simulation(scenario, agents=a.agents, seed=1), a.steps)

    alternate({"seed (approval, polls)": run(sc), "seed without them": run(sc.with_overrides(WITHOUT))},
              a.repeats, a.agents, "approval and polls")  # fmt: skip


if __name__ == "__main__":
    main()
