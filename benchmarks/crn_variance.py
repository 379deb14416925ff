"""How much the seed-minus-baseline difference of three headline measures varies over seeds.

Common random numbers (the same seed for both regimes, sharing every draw they have in
common) against independent draws (the baseline run with another seed), in one
invocation; with ``--against SRC``, also the same seeds run by the package in ``SRC``
(for example a git worktree of 0.1), in a subprocess on the same interpreter. The
spread of the paired difference is what a regime comparison's error bar is made of.
Usage::

    python benchmarks/crn_variance.py [--agents 20000] [--steps 200] [--seeds 10]
    git worktree add /tmp/v01 c165eeb
    python benchmarks/crn_variance.py --against /tmp/v01/src

The measures are read from the metrics columns directly, so that both versions are
measured the same way: the mean over the last 30 days of the ``all`` row's chilling of
criticism and falsification (0.1's column was ``falsification_gap``, with another
meaning: see CHANGELOG.md), and the total of travel denials.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

MEASURES = ("chilling of criticise_government", "falsification", "denials: travel")


def measures(name: str, seed: int, agents: int, steps: int) -> dict[str, float]:
    """The three measures of one run, by the installed (or PYTHONPATH's) scoresim."""
    import scoresim

    m = scoresim.simulate(name, agents=agents, steps=steps, seed=seed).metrics
    m = m[m["group"].astype(str) == "all"]
    tail = m.tail(30)
    fals = "falsification" if "falsification" in m else "falsification_gap"
    return {
        MEASURES[0]: float(tail["chilling.criticise_government"].mean()),
        MEASURES[1]: float(tail[fals].mean()),
        MEASURES[2]: float(m["denied.travel"].sum()),
    }


def pairs(seeds: int, agents: int, steps: int) -> dict[str, list[dict[str, float]]]:
    """seed, baseline with the same seed, baseline with another seed; per seed."""
    return {
        kind: [measures(name, s + offset, agents, steps) for s in range(seeds)]
        for kind, name, offset in (
            ("seed", "seed", 0),
            ("common", "baseline", 0),
            ("independent", "baseline", 1000),
        )
    }


def spread(runs: dict[str, list[dict[str, float]]], against: str, m: str) -> list[float]:
    return [r[m] - b[m] for r, b in zip(runs["seed"], runs[against], strict=True)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=20_000)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--against", type=Path, help="src/ folder of another version")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:  # the other version's runs, as JSON on stdout
        print(json.dumps(pairs(a.seeds, a.agents, a.steps)))
        return
    runs = pairs(a.seeds, a.agents, a.steps)
    columns: list[tuple[str, dict[str, list[dict[str, float]]], str]] = [
        ("common", runs, "common"),
        ("indep.", runs, "independent"),
    ]
    if a.against:
        env = {**os.environ, "PYTHONPATH": str(a.against)}
        cmd = [sys.executable, __file__, "--worker", "--agents", str(a.agents),
               "--steps", str(a.steps), "--seeds", str(a.seeds)]  # fmt: skip
        out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
        other: dict[str, Any] = json.loads(out)
        columns.append(("against", other, "common"))
    print(f"seed minus baseline, {a.agents:,} agents x {a.steps} steps, {a.seeds} seeds")
    print(f"{'measure':36s} {'mean':>10s}" + "".join(f" {'sd ' + c:>12s}" for c, _, _ in columns))
    for m in MEASURES:
        mean = statistics.mean(spread(runs, "common", m))
        sds = [statistics.stdev(spread(r, k, m)) for _, r, k in columns]
        print(f"{m:36s} {mean:10.4f}" + "".join(f" {sd:12.4f}" for sd in sds))
    if a.against:
        print(f"{'mean against':36s} " + " ".join(
            f"{m.split()[0]} {statistics.mean(spread(other, 'common', m)):.4f}" for m in MEASURES
        ))  # fmt: skip


if __name__ == "__main__":
    main()
