"""Before a calibration: how noisy is each target's statistic at each population size?

Usage:

    python benchmarks/noise_floor.py examples/calibration/court-blacklist.yaml \\
        --agents 10000 30000 100000 --replicates 8 [--set PATH=VALUE ...]

Runs ``--replicates`` simulations of the calibration's scenario (its ``fixed`` values,
then ``--set``) at each size, on 2 local worker processes with one compiled thread each
(as a calibration's workers run), and prints for every target its mean, its standard
deviation over the replicates (``ddof=1``), and that sd over the target's stated sd:
the noise floor of one target in the units of docs/calibration.md is ``sqrt(2)`` times
this ratio (over the replicates that could compute it). A size is large enough for a target when the ratio is well below 1 (the
simulator's noise then is a small part of the distance). It also prints the seconds
one simulation took at each size, to price the calibration.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any


def one(args: tuple[str, dict[str, Any], int, int]) -> tuple[dict[str, float], float]:
    """The targets' statistics of one simulation, and its wall time in seconds."""
    from scoresim.calibrate.model import Simulator
    from scoresim.calibrate.spec import load_calibration

    path, values, agents, seed = args
    cal = load_calibration(path)
    cal = type(cal)(cal.config.model_copy(update={"run": cal.config.run.model_copy(update={"agents": agents})}),
                    cal.origin, cal.scenario, cal.integer)  # fmt: skip
    t0 = time.perf_counter()
    stats = Simulator(cal).statistics(values, [seed])
    return stats, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--agents", type=int, nargs="+", default=[10_000, 30_000])
    ap.add_argument("--replicates", type=int, default=8)
    ap.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    args = ap.parse_args()
    from scoresim.calibrate.spec import load_calibration
    from scoresim.config.overrides import parse_override

    cal = load_calibration(args.file)
    values = dict(parse_override(s) for s in args.set)
    sds = {t.name: t.sd for t in cal.config.targets}
    print(f"{args.file}: {args.replicates} replicates per size, 2 workers; parameters: "
          f"{values or 'the scenario as it is'}")  # fmt: skip
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(one, [(str(args.file), values, 200, 1)] * 2))  # compile in both workers
        for agents in args.agents:
            jobs = [(str(args.file), values, agents, 1000 + r) for r in range(args.replicates)]
            t0 = time.perf_counter()
            done = list(pool.map(one, jobs))
            wall = time.perf_counter() - t0
            each = statistics.mean(s for _, s in done)
            print(f"\n{agents:,} people: {each:.1f} s per simulation on one worker, "
                  f"{len(done) / wall * 3600:.0f} simulations per hour on 2")  # fmt: skip
            print(f"  {'target':<22}{'mean':>12}{'sd':>12}{'sd / target sd':>16}")
            for name, target_sd in sds.items():
                # A statistic a run cannot compute (nobody listed to divide by) is NaN.
                xs = [x for x in (s[name] for s, _ in done) if math.isfinite(x)]
                mean = statistics.mean(xs) if xs else math.nan
                sd = statistics.stdev(xs) if len(xs) > 1 else math.nan
                print(f"  {name:<22}{mean:>12.4g}{sd:>12.3g}{sd / target_sd:>16.2f}")


if __name__ == "__main__":
    main()
