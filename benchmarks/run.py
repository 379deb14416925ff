"""The benchmark table: the flagship regime and the epstein case across sizes.

Each size runs in a fresh process (``scoresim bench --json``), so peak RSS is that
size's own. Usage:

    python benchmarks/run.py                       # seed 10^4..10^7, epstein 40..1000
    python benchmarks/run.py --smallest --steps 2  # one size each (the CI smoke test)
    python benchmarks/run.py --mesa --plot docs/figures/speed.png   # with Mesa and a plot
    python benchmarks/run.py --targets --against /tmp/base/src      # the speed targets' table

``--mesa`` also times Mesa's Epstein example (the newest release the machine can run,
3.5.1 with Python 3.12+) at the grid sizes (in the
environment that ``benchmarks/vs_mesa/compare.py`` creates), on fewer steps at large sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SCORESIM = Path(sys.executable).with_name("scoresim")
SEED_SIZES = [10_000, 100_000, 1_000_000, 10_000_000]
GRIDS = [40, 100, 200, 400, 1000]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def bench(args: list[str], src: Path | None = None) -> dict[str, Any]:
    """One ``scoresim bench`` in a fresh process; with ``src``, that checkout's code."""
    if src is None:
        cmd, env = [str(SCORESIM), "bench", *args, "--json"], None
    else:
        # Another checkout's package on the same interpreter and libraries, so that the
        # ratio is the code's alone.
        launch = "import sys; from scoresim.cli.app import main; sys.argv[0] = 'scoresim'; main()"
        cmd = [sys.executable, "-c", launch, "bench", *args, "--json"]
        env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def mesa(size: int, steps: int) -> dict[str, Any]:
    sys.path.insert(0, str(HERE / "vs_mesa"))
    from compare import run_mesa

    from scoresim.validation.epstein import EpsteinParams

    mesa_steps = max(2, steps * 40 * 40 // (size * size))
    r = run_mesa(EpsteinParams(width=size, height=size), mesa_steps, 0)
    agents = round(size * size * (0.7 + 0.074))
    sps = float(r["seconds_per_step"])  # type: ignore[arg-type]
    return {
        "model": "mesa epstein",
        "agents": agents,
        "steps": mesa_steps,
        "seconds_per_step": sps,
        "agent_steps_per_second": agents / sps,
        "peak_rss_bytes": None,
        "mesa": str(r.get("mesa", "3.3.1")),
    }


def row(r: dict[str, Any], label: str) -> str:
    rss = r.get("peak_rss_bytes")
    rss_txt = f"{rss / 2**20:>9,.0f}" if rss else f"{'-':>9}"
    per_agent = f"{rss / r['agents']:>9,.0f}" if rss else f"{'-':>9}"
    return (
        f"{label:<14}{r['agents']:>12,}{r['steps']:>7}{r['seconds_per_step'] * r['steps']:>10.2f}"
        f"{r['seconds_per_step'] * 1e3:>12.3f}{r['agent_steps_per_second']:>14,.0f}{rss_txt}{per_agent}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description="scoresim benchmark table")
    ap.add_argument("--seed-sizes", type=int, nargs="*", default=SEED_SIZES)
    ap.add_argument("--grids", type=int, nargs="*", default=GRIDS)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--smallest", action="store_true", help="only the smallest size of each")
    ap.add_argument("--mesa", action="store_true", help="also time Mesa's Epstein example")
    ap.add_argument("--json-out", type=Path, help="write all rows as JSON here")
    ap.add_argument("--plot", type=Path, help="draw agent-steps/s against agents here")
    ap.add_argument(
        "--against",
        type=Path,
        help="also time the seed rows with the package in this src/ folder (e.g. a git "
        "worktree of an earlier version), alternating with this one",
    )
    ap.add_argument(
        "--targets",
        action="store_true",
        help="print the table of speed targets instead (benchmarks/targets.py), every row "
        "for this tree and --against in one invocation",
    )
    args = ap.parse_args()
    if args.targets:
        import targets

        sys.argv = [sys.argv[0], *(["--against", str(args.against)] if args.against else [])]
        sys.argv += ["--smallest"] if args.smallest else []
        targets.main()
        return
    seed_sizes = args.seed_sizes[:1] if args.smallest else args.seed_sizes
    grids = args.grids[:1] if args.smallest else args.grids
    print(
        f"machine: {cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"NumPy {np.__version__}"
    )
    header = (
        f"{'model':<14}{'agents':>12}{'steps':>7}{'seconds':>10}{'ms/step':>12}"
        f"{'agent-steps/s':>14}{'RSS MiB':>9}{'B/agent':>9}"
    )
    print(header)
    rows: list[dict[str, Any]] = []
    for n in seed_sizes:
        r = bench(["seed", "--agents", str(n), "--steps", str(args.steps)])
        rows.append(r)
        print(row(r, "seed"), flush=True)
        if args.against:
            o = bench(["seed", "--agents", str(n), "--steps", str(args.steps)], args.against)
            o["model"] = "seed (against)"
            rows.append(o)
            print(row(o, "seed against"), flush=True)
            print(f"{'':<14}ratio {o['seconds_per_step'] / r['seconds_per_step']:.2f}x", flush=True)
    for size in grids:
        r = bench(["epstein", "--size", str(size), "--steps", str(args.steps * 5)])
        r["grid"] = size
        rows.append(r)
        print(row(r, f"epstein {size}"), flush=True)
        if args.mesa:
            m = mesa(size, args.steps * 5)
            m["grid"] = size
            rows.append(m)
            print(row(m, f"mesa {size}"), flush=True)
            print(
                f"{'':<14}ratio {m['seconds_per_step'] / r['seconds_per_step']:,.0f}x", flush=True
            )
    if args.json_out:
        args.json_out.write_text(json.dumps(rows, indent=1))
    if args.plot:
        plot(rows, args.plot)


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    mesa_version = next((r["mesa"] for r in rows if r["model"] == "mesa epstein"), "")
    for model, style in (("seed", "o-"), ("epstein", "s-"), ("mesa epstein", "^--")):
        pts = sorted(
            (r["agents"], r["agent_steps_per_second"]) for r in rows if r["model"] == model
        )
        if pts:
            ax.plot(
                *zip(*pts, strict=True),
                style,
                label=f"scoresim {model}"
                if model != "mesa epstein"
                else f"Mesa {mesa_version} epstein",
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("agents")
    ax.set_ylabel("agent-steps per second")
    ax.set_title(f"Speed on {os.cpu_count()} cores ({cpu_model()[:30]})")
    ax.legend(frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
