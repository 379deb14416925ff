"""What following people costs: seed with 1 000 people followed against seed without.

Both in one invocation: each repeat runs the pair one after the other (which goes
first alternates), one simulation alive at a time as in a user's run, after a warm-up
step each (Numba compiles then) and a warm-up build of the followed table (pandas'
first call). The followed table is built at the end of the run and its time is
spread over the steps (it is part of saving a run that follows people). The cost is
the median over the repeats of each pair's (following - not following) / not
following, with the repeats' range; and, less noisy, the time of the followed table
and of the follower's looks at each step (timed where they run) over a step not
following. (Two simulations stepped in turn would each find
the caches full of the other's arrays: that doubles what the followed people's
gathers cost, which no single run sees.)

Usage: python benchmarks/follow_cost.py [--agents 100000] [--follow 1000] [--steps 60] [--repeats 9]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import scoresim


def timed(agents: int, follow: int | None, steps: int) -> tuple[float, float, float]:
    """(ms per step of a run, of which the followed table, of which the follower's looks)."""
    sim = scoresim.Simulation("seed", agents=agents, seed=1, follow=follow)
    sim.step()
    spent = [0.0]
    if sim.follower is not None:  # time the follower's looks at each step, where they run
        for name in ("before", "at_score", "at_consequences", "after"):
            method = getattr(sim.follower, name)

            def looked(*args: Any, _method: Callable[..., Any] = method) -> Any:
                t = time.perf_counter()
                out = _method(*args)
                spent[0] += time.perf_counter() - t
                return out

            setattr(sim.follower, name, looked)
    t0 = time.perf_counter()
    sim.run(steps)
    t1 = time.perf_counter()
    if follow:
        sim.followed()
    t2 = time.perf_counter()
    return (t2 - t0) / steps * 1000, (t2 - t1) / steps * 1000, spent[0] / steps * 1000


def one(agents: int, follow: int, steps: int, first: bool) -> tuple[float, float, float, float]:
    """(ms per step following, of which the table and the looks, not following), one pair."""
    if first:
        on, table, looks = timed(agents, follow, steps)
        off = timed(agents, None, steps)[0]
    else:
        off = timed(agents, None, steps)[0]
        on, table, looks = timed(agents, follow, steps)
    return on, table, looks, off


def main() -> None:
    """Print each repeat and the median cost."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=100_000)
    ap.add_argument("--follow", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--repeats", type=int, default=9)
    a = ap.parse_args()
    one(min(a.agents, 5000), min(a.follow, 100), 3, True)  # compile, and pandas' first table
    costs, parts = [], []
    for r in range(a.repeats):
        on, table, looks, off = one(a.agents, a.follow, a.steps, r % 2 == 0)
        costs.append(on / off - 1)
        parts.append((table + looks) / off)
        print(f"repeat {r}: following {a.follow:,} {on:.2f} ms/step (table {table:.2f}, looks "
              f"{looks:.2f}), nobody {off:.2f} ms/step, cost {on - off:+.2f} ms ({on / off - 1:+.1%})")  # fmt: skip
    print(f"cost of following {a.follow:,} of {a.agents:,}: median {statistics.median(costs):+.1%} "
          f"(repeats from {min(costs):+.1%} to {max(costs):+.1%}); the table and the looks "
          f"alone: median {statistics.median(parts):+.1%} of a step following nobody")  # fmt: skip


if __name__ == "__main__":
    main()
