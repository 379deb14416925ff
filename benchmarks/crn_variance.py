"""How much the seed-minus-baseline difference of three headline measures varies over seeds.

Common random numbers (the same seed for both regimes, sharing every draw they have in
common) against independent draws (the baseline run with another seed), in one
invocation. The spread of the paired difference is what a regime comparison's error
bar is made of. Usage::

    python benchmarks/crn_variance.py [--agents 20000] [--steps 200] [--seeds 10]
"""

from __future__ import annotations

import argparse
import statistics

import scoresim
from scoresim.results import headlines as hl

MEASURES = ("chilling of criticise_government", "falsification", "denials: travel")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=20_000)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--seeds", type=int, default=10)
    a = ap.parse_args()

    def measures(name: str, seed: int) -> dict[str, float]:
        run = scoresim.simulate(name, agents=a.agents, steps=a.steps, seed=seed)
        return hl.values(run.metrics, run.info["parameters"])

    diffs: dict[str, dict[str, list[float]]] = {"common": {}, "independent": {}}
    for s in range(a.seeds):
        regime = measures("seed", s)
        paired = {"common": measures("baseline", s), "independent": measures("baseline", 1000 + s)}
        for kind, base in paired.items():
            for m in MEASURES:
                diffs[kind].setdefault(m, []).append(regime[m] - base[m])
    print(f"seed minus baseline, {a.agents:,} agents x {a.steps} steps, {a.seeds} seeds")
    print(f"{'measure':36s} {'mean':>10s} {'sd common':>10s} {'sd indep.':>10s} {'ratio':>6s}")
    for m in MEASURES:
        c, i = diffs["common"][m], diffs["independent"][m]
        sc, si = statistics.stdev(c), statistics.stdev(i)
        print(f"{m:36s} {statistics.mean(c):10.4f} {sc:10.4f} {si:10.4f} {si / sc:6.1f}")


if __name__ == "__main__":
    main()
