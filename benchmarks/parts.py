"""Milliseconds per step spent in each part of the step (the society's and the mechanisms').

Usage: python benchmarks/parts.py [--agents 1000000] [--steps 20] [--scenario seed]

Times every part's ``act`` as the step runs it (``society/parts.py``'s list and the
mechanisms' hooks), after five untimed steps; "other" is the rest of the step (the
machine, the events, each part's columns). Run it with ``PYTHONPATH=<tree>/src`` to
time another tree the same way. Parts overlap with the wealth Gini's helper thread
from 5x10^4 people, so a part's time includes waiting for a core it shares.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import scoresim
from scoresim.society import parts as society_parts


def timed(spent: dict[str, float]) -> None:
    """Wrap the ``act`` of every part class so that it adds its time to ``spent``."""
    classes: list[Any] = [c for c in vars(society_parts).values()
                          if isinstance(c, type) and callable(getattr(c, "act", None))
                          and c.__module__ == society_parts.__name__]  # fmt: skip
    for cls in classes:
        original = cls.act

        def act(self: Any, s: Any, _original: Any = original) -> None:
            t0 = time.perf_counter()
            _original(self, s)
            spent[self.name] = spent.get(self.name, 0.0) + time.perf_counter() - t0

        cls.act = act


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=1_000_000)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--scenario", default="seed")
    args = ap.parse_args()
    spent: dict[str, float] = {}
    timed(spent)
    sim = scoresim.Simulation(args.scenario, agents=args.agents, seed=1)
    sim.run(5)
    spent.clear()
    t0 = time.perf_counter()
    sim.run(args.steps)
    total = time.perf_counter() - t0
    per = 1000 / args.steps
    print(f"{args.scenario}, {args.agents:,} agents: {total * per:.3f} ms/step")
    for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {name:>14} {seconds * per:8.3f} ms")
    print(f"  {'other':>14} {(total - sum(spent.values())) * per:8.3f} ms")


if __name__ == "__main__":
    main()
