"""What following people costs: seed with 1 000 people followed against seed without.

Both in one invocation, alternating, after a warm-up step each (Numba compiles then);
the followed table is built at the end and its time counted too (it is part of saving
a run that follows people).

Usage: python benchmarks/follow_cost.py [--agents 100000] [--follow 1000] [--steps 60] [--repeats 3]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from mechanisms_cost import alternate, ms_per_step

import scoresim


def main() -> None:
    """Print both rows and the ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=100_000)
    ap.add_argument("--follow", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()

    def run(follow: int | None) -> Callable[[], float]:
        def once() -> float:
            sim = scoresim.Simulation("seed", agents=a.agents, seed=1, follow=follow)
            return ms_per_step(sim, a.steps, sim.followed if follow else None)

        return once

    alternate({f"following {a.follow:,}": run(a.follow), "following nobody": run(None)},
              a.repeats, a.agents, "following")  # fmt: skip


if __name__ == "__main__":
    main()
