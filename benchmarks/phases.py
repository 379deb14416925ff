"""Milliseconds per step spent in each phase's draws and application, for `seed`.

Usage: python benchmarks/phases.py [--agents 1000000] [--steps 20] [--seed 1]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import contextmanager

import scoresim
from scoresim.core.crn import StepDraws
from scoresim.engine.compile import compile_scenario, start_hooks
from scoresim.engine.simulation import setup
from scoresim.society import adapt, behave, consequences, measure, observe, score
from scoresim.society.events import StepEvents


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--agents", type=int, default=1_000_000)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    n, steps = args.agents, args.steps
    c = compile_scenario(scoresim.load_scenario("seed").config)
    st, net, sm, _ = setup(c, n, args.seed)
    hooks = start_hooks(c, st, net, sm).after["consequences"]
    p, labels = c.regime, c.labels
    buf = measure.MetricsBuffer(c.columns, len(labels.groups), steps)
    spent: dict[str, float] = {}

    @contextmanager
    def timed(label: str) -> Iterator[None]:
        t0 = time.perf_counter()
        yield
        spent[label] = spent.get(label, 0.0) + time.perf_counter() - t0

    b, o, g = p.n_behaviours, p.n_opportunities, p.n_groups
    for _ in range(steps):
        ev = StepEvents.empty(n, b, o, g)
        sd = StepDraws(sm, st.step)
        with timed("behave"):
            behave.apply(st, net, p.behave, sd, ev)  # draws inline
        with timed("observe"):
            observe.apply(st, net, p.observe, sd, ev)  # draws inline
        # score and consequences draw at the ids they need, inside the phase
        with timed("score"):
            score.apply(st, net, p.score, p.listing, sd, ev)
        with timed("consequences"):
            consequences.apply(st, net, p.consequences, sd, ev)
            for hook in hooks:  # the shaming channels act right after consequences
                hook.act(st, net, sd, ev)
            consequences.associate(st, net, p.association)
        with timed("adapt"):
            adapt.apply(st, net, p.adapt, ev)
        with timed("measure"):
            measure.apply(st, net, p.measure, ev, buf)
        st.step += 1
    print(f"seed, {n:,} agents, mean of {steps} steps (every phase draws inside)")
    for label, seconds in spent.items():
        print(f"{label:>13} {seconds / steps * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
