"""scoresim's ``epstein`` case against Mesa's own Epstein example, newest Mesa first.

Makes its own virtual environment (``benchmarks/vs_mesa/.venv-mesa``, outside the
project's ``.venv``; see ``mesa_env.py``) with the newest Mesa the machine's Python can
install (3.5.1, which needs Python 3.12 or newer; 3.3.1 only where no such Python
exists, and it says so), then, seed by seed and alternating the two, runs both models
with matched parameters and compares:

* the distributions over seeds of the mean active and jailed counts in the second
  half of each run (two-sided Mann-Whitney U; "agree" when p >= 0.01), and
* seconds per step (``--sizes`` adds larger grids; Mesa may run fewer steps there).

Usage:
    python benchmarks/vs_mesa/compare.py [--seeds 10] [--steps 500] [--sizes 40 100]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from scoresim.validation.epstein import EpsteinParams, simulate

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from mesa_env import ensure_mesa  # noqa: E402

SETTINGS: dict[str, dict[str, Any]] = {
    "netlogo": {"legitimacy": 0.82, "cop_density": 0.04, "max_jail_term": 30},
    "mesa-defaults": {},
}
# Mesa's argument names for the parameters that differ from scoresim's.
MESA_NAMES = {"threshold": "active_threshold", "k": "arrest_prob_constant"}
SHARED = (
    "width",
    "height",
    "citizen_density",
    "cop_density",
    "citizen_vision",
    "cop_vision",
    "legitimacy",
    "max_jail_term",
    "threshold",
    "k",
    "movement",
)
_MESA: list[tuple[Path, dict[str, Any]]] = []


def mesa_env() -> tuple[Path, dict[str, Any]]:
    """The Mesa environment's python and its versions, made on first use."""
    if not _MESA:
        _MESA.append(ensure_mesa())
    return _MESA[0]


def run_mesa(p: EpsteinParams, steps: int, seed: int) -> dict[str, list[int] | float]:
    params = {MESA_NAMES.get(k, k): v for k, v in asdict(p).items() if k in SHARED}
    out = subprocess.run(
        [
            str(mesa_env()[0]),
            str(HERE / "mesa_worker.py"),
            json.dumps(params),
            str(steps),
            str(seed),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, list[int] | float] = json.loads(out.stdout)
    return result


def run_scoresim(p: EpsteinParams, steps: int, seed: int) -> dict[str, list[int] | float]:
    q = EpsteinParams(**{**asdict(p), "steps": steps})
    simulate(EpsteinParams(**{**asdict(q), "steps": 2}), seed)  # compile outside the timing
    start = time.perf_counter()
    series = simulate(q, seed)
    seconds = time.perf_counter() - start
    return {
        "seconds_per_step": seconds / steps,
        "active": series.active.tolist(),
        "jailed": series.jailed.tolist(),
    }


def second_half_mean(series: list[int]) -> float:
    return float(np.mean(series[len(series) // 2 :]))


def compare(name: str, p: EpsteinParams, seeds: int, steps: int) -> None:
    rows: dict[str, dict[str, list[float]]] = {
        m: {"active": [], "jailed": [], "sps": []} for m in ("mesa", "scoresim")
    }
    for seed in range(seeds):
        for model, runner in (("mesa", run_mesa), ("scoresim", run_scoresim)):
            r = runner(p, steps, seed)
            rows[model]["active"].append(second_half_mean(r["active"]))  # type: ignore[arg-type]
            rows[model]["jailed"].append(second_half_mean(r["jailed"]))  # type: ignore[arg-type]
            rows[model]["sps"].append(float(r["seconds_per_step"]))  # type: ignore[arg-type]
    print(
        f"\n{name}: {p.width}x{p.height}, L {p.legitimacy}, cops {p.cop_density}, "
        f"J_max {p.max_jail_term}, {steps} steps, {seeds} seeds per model"
    )
    print(f"{'measure':<26}{'mesa mean (sd)':>20}{'scoresim mean (sd)':>22}{'MW p':>8}  verdict")
    for key in ("active", "jailed"):
        a, b = rows["mesa"][key], rows["scoresim"][key]
        pval = float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
        verdict = "agree" if pval >= 0.01 else "DIFFER"
        print(
            f"{key + ' (2nd-half mean)':<26}{np.mean(a):>12.2f} ({np.std(a):>5.2f})"
            f"{np.mean(b):>14.2f} ({np.std(b):>5.2f}){pval:>8.3f}  {verdict}"
        )
    ms, ss = np.mean(rows["mesa"]["sps"]), np.mean(rows["scoresim"]["sps"])
    print(
        f"seconds per step: mesa {ms * 1e3:.2f} ms, scoresim {ss * 1e3:.3f} ms, ratio {ms / ss:.0f}x"
    )


def speed(sizes: list[int], steps: int) -> None:
    print("\nspeed, Mesa defaults (density 0.7, cops 0.074, vision 7)")
    print(f"{'grid':>10}{'mesa ms/step':>14}{'scoresim ms/step':>18}{'ratio':>8}  mesa steps")
    for size in sizes:
        p = EpsteinParams(width=size, height=size)
        mesa_steps = max(3, steps * 40 * 40 // (size * size))
        m = run_mesa(p, mesa_steps, 0)
        s = run_scoresim(p, steps, 0)
        ratio = float(m["seconds_per_step"]) / float(s["seconds_per_step"])  # type: ignore[arg-type]
        print(
            f"{size:>6}x{size:<3}{float(m['seconds_per_step']) * 1e3:>14.2f}"  # type: ignore[arg-type]
            f"{float(s['seconds_per_step']) * 1e3:>18.3f}{ratio:>8.0f}  {mesa_steps}"  # type: ignore[arg-type]
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--sizes", type=int, nargs="*", default=[])
    args = ap.parse_args()
    _, info = mesa_env()
    print(f"Mesa {info['mesa']} on Python {info['python']} ({info['note']})")
    for name, change in SETTINGS.items():
        compare(name, EpsteinParams(**change), args.seeds, args.steps)
    if args.sizes:
        speed(args.sizes, 100)


if __name__ == "__main__":
    main()
