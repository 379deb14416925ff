"""Hash the metrics and agents tables of every built-in regime and variant.

A refactoring that must not change results (issue 24) is checked by running this
before and after: the same hashes, byte for byte, or the names of those that differ.

    python benchmarks/output_hashes.py --write benchmarks/output_hashes.json   # before
    python benchmarks/output_hashes.py --check benchmarks/output_hashes.json   # after

Each case runs at two sizes and two seeds; a table's hash covers its column names,
dtypes and every value's bytes (pandas' row hash, which is exact for floats).
``--sizes 250000x8`` runs other sizes (the compiled passes run on every Numba thread
from ``threads.PARALLEL_FROM`` people: ``output_hashes_large.json`` holds that size's
hashes), and ``--threads 1`` runs on one Numba thread; a check
compares the hashes of the sizes run.

    python benchmarks/output_hashes.py --sizes 250000x8 --threads 2 \
        --check benchmarks/output_hashes_large.json

A change that adds columns and must leave the others as they were is checked with
``--drop`` (shell patterns of the new columns' names), against hashes made before it:

    python benchmarks/output_hashes.py --drop 'list_repaired' 'denied_total.*' \
        --check benchmarks/output_hashes.json

Both JSON files were last written when issue 26 added the list's flow columns
(``list_repaired``, ``list_expired``, ``list_person_times``, ``denied_total.<o>``),
after every other column was checked this way against the files made at c99c8c3 (104
of 104, and 52 of 52 at 250000x8); and again when ``court-blacklist`` got its
timeline, which changed only its own cases (12 of 104 and 6 of 52), and its calibrated
values (11 of 104 and 6 of 52, all its own). Issue 27's people (age, sex, education and
income by education, in every built-in scenario) and its poll columns were checked with
``--drop age female education 'poll.*' 'wealth*'`` against hashes written at c9623f9
with the same drop: 104 of 104 the same, so only wealth, the polls and the new columns
moved, and the files were written again. They were written again when the joint polls
calibration's group stances went to every built-in scenario (issue 27): every case
changes, since the stances drive criticism and praise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SIZES = ((2_000, 400), (20_000, 60))
SEEDS = (7, 11)


def table_hash(frame: pd.DataFrame) -> str:
    """A hex digest of the table's columns, dtypes and values (row order kept)."""
    h = hashlib.sha256()
    h.update(json.dumps([[c, str(frame[c].dtype)] for c in frame.columns]).encode())
    rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    h.update(np.ascontiguousarray(rows).tobytes())
    return h.hexdigest()[:16]


def cases() -> dict[str, Callable[[int, int, int], Any]]:
    """Every case: a function of (agents, steps, seed) returning a finished Simulation."""
    import scoresim
    from scoresim.config.loading import builtin_names
    from scoresim.mechanisms import installed, register
    from scoresim.validation.dissent import DEFAULTS, society

    def plain(name: str, overrides: dict[str, Any] | None = None) -> Callable[..., Any]:
        def go(agents: int, steps: int, seed: int) -> Any:
            sc = scoresim.load_scenario(name)
            if overrides:
                sc = sc.with_overrides(overrides)
            sim = scoresim.Simulation(sc, agents=agents, seed=seed)
            sim.run(steps)
            return sim

        return go

    def watch(agents: int, steps: int, seed: int) -> Any:
        sys.path.insert(0, str(HERE.parent / "examples" / "mechanisms"))
        if "neighbourhood_watch" not in installed():
            from scoresim_watch import NeighbourhoodWatch

            register(NeighbourhoodWatch)
        path = HERE.parent / "examples" / "mechanisms" / "seed-watch.yaml"
        sim = scoresim.Simulation(scoresim.load_scenario(str(path)), agents=agents, seed=seed)
        sim.run(steps)
        return sim

    def daymude(proportional: bool) -> Callable[..., Any]:
        def go(agents: int, steps: int, seed: int) -> Any:
            p = {**DEFAULTS, "agents": agents}
            sim = scoresim.Simulation(society(p, proportional), agents=agents, seed=seed)
            sim.run(steps)
            return sim

        return go

    out: dict[str, Callable[[int, int, int], Any]] = {n: plain(n) for n in builtin_names()}
    out["seed+drift"] = plain("seed", {"stance_drift": {"resentment": 0.2, "pressure": 0.05}})
    out["court-blacklist+score-coupling"] = plain(
        "court-blacklist", {"scoring.coupling": "score", "blacklist.threshold": 0}
    )
    out["seed+watch"] = watch
    out["validation:dissent-uniform"] = daymude(False)
    out["validation:dissent-proportional"] = daymude(True)
    return out


def measure(sizes: tuple[tuple[int, int], ...] = SIZES, drop: tuple[str, ...] = ()) -> dict[str, str]:  # fmt: skip
    """The hashes of every case, size and seed, without the columns matching ``drop``."""
    from fnmatch import fnmatchcase

    def kept(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[[c for c in frame.columns if not any(fnmatchcase(c, p) for p in drop)]]

    found: dict[str, str] = {}
    for name, go in cases().items():
        for agents, steps in sizes:
            for seed in SEEDS:
                sim = go(agents, steps, seed)
                key = f"{name}/{agents}x{steps}/seed{seed}"
                found[key + "/metrics"] = table_hash(kept(sim.metrics))
                found[key + "/agents"] = table_hash(kept(sim.agents()))
                print(key, found[key + "/metrics"], found[key + "/agents"], flush=True)
    return found


def main() -> int:
    """Write or check the hashes; exit 1 if any differs."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path)
    group.add_argument("--check", type=Path)
    ap.add_argument("--sizes", nargs="+", help="AGENTSxSTEPS each (default 2000x400 20000x60)")
    ap.add_argument("--threads", type=int, help="Numba threads (default: all)")
    ap.add_argument("--drop", nargs="+", default=[], help="leave out columns matching these")
    args = ap.parse_args()
    if args.threads:
        import numba

        numba.set_num_threads(args.threads)
    sizes: tuple[tuple[int, int], ...] = SIZES
    if args.sizes:
        sizes = tuple((int(a), int(s)) for a, s in (x.split("x") for x in args.sizes))
    found = measure(sizes, tuple(args.drop))
    if args.write:
        args.write.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
        print(f"{len(found)} hashes written to {args.write}")
        return 0
    expected = json.loads(args.check.read_text())
    differ = sorted(k for k in expected.keys() | found.keys() if expected.get(k) != found.get(k))
    for key in differ:
        print(f"DIFFERS {key}: {expected.get(key)} -> {found.get(key)}")
    print(f"{len(found) - len(differ)} of {len(found)} the same")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
