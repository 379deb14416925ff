"""How close each phase of `seed` comes to this machine's memory-bandwidth limit.

1. Measures the bandwidth of a large array copy (read + write, bytes moved per second).
2. Times each phase at N agents (draws and apply separately).
3. Counts the bytes each phase must at least move per agent-step: every per-agent
   array it reads once and writes once (from the dtypes of the state; a phase that
   makes temporaries moves more than this, which is the point of the comparison).
4. Prints, per phase: ms per step, bytes per agent-step, achieved GB/s, and that as a
   share of the copy bandwidth.

Usage: python benchmarks/bandwidth.py [--agents 1000000] [--steps 10] [--copy-gib 1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import scoresim
from scoresim.core.crn import StepDraws
from scoresim.engine.compile import compile_scenario, start_hooks
from scoresim.engine.simulation import setup
from scoresim.society import adapt, behave, consequences, measure, observe, score
from scoresim.society.events import StepEvents


def copy_bandwidth(gib: float = 1.0, repeats: int = 5) -> float:
    """Bytes per second moved by copying a ``gib`` GiB array (read + write), best of N."""
    src = np.ones(int(gib * 2**30) // 8)
    dst = np.empty_like(src)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t0)
    return 2 * src.nbytes / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=1_000_000)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--copy-gib", type=float, default=1.0, help="size of the copied array")
    args = ap.parse_args()
    bw = copy_bandwidth(args.copy_gib)
    print(
        f"copy bandwidth: {bw / 1e9:.1f} GB/s ({args.copy_gib:g} GiB float64 copy, "
        "read + write, best of 5)"
    )

    n, steps = args.agents, args.steps
    c = compile_scenario(scoresim.load_scenario("seed").config)
    st, net, sm, _ = setup(c, n, 1)
    hooks = start_hooks(c, st, net, sm).after["consequences"]
    p = c.regime
    b_n, c_n, o_n = p.n_behaviours, p.behave.conform_idx.shape[0], p.n_opportunities
    buf = measure.MetricsBuffer(c.columns, len(c.labels.groups), steps)

    def size(name: str) -> int:
        a = getattr(st, name)
        return int(a.nbytes // n)

    # Bytes each phase must touch per agent: arrays read (r) and written (w) once.
    ev_bytes = b_n  # one bool per behaviour per agent
    traffic = {
        "behave": size("logit0")  # uniforms are drawn inline, not read
        + size("perceived_risk")
        + size("risk_aversion")
        + size("aware")
        + size("score")
        + 2 * 4 * c_n  # seen, seen_ref read
        + ev_bytes,  # acts written
        "observe": ev_bytes + 2 * ev_bytes + size("group") + size("informant_count"),
        "score": 2 * ev_bytes
        + 2 * (size("score") + size("ef_score") + size("listed_until") + size("listed_wrongly"))
        + size("tier")
        + size("appeal_at")
        + 4,
        "consequences": size("listed_until")
        + size("ef_listed_until")
        + size("tier")
        + 2 * 4 * o_n  # who wants each opportunity: uniforms written, then read
        + 2 * size("wealth")
        + 2 * size("perk_days"),
        "adapt": 2 * size("perceived_risk")
        + 2 * ev_bytes
        + 2 * size("seen")
        + size("degree")
        + 2 * size("last_dissent"),
        "measure": size("group")
        + 3 * ev_bytes
        + size("perceived_risk")
        + size("stance")
        + size("last_dissent")
        + size("score")
        + size("tier")
        + size("listed_until")
        + size("listed_wrongly")
        + 4  # the dissent row of logit0, for the pressure-free silence
        + size("wealth")
        + size("degree")
        + size("shamed"),
    }
    spent = dict.fromkeys(traffic, 0.0)
    for _ in range(steps):
        ev = StepEvents.empty(n, b_n, o_n, p.n_groups)
        sd = StepDraws(sm, st.step)
        t = time.perf_counter()
        behave.apply(st, net, p.behave, sd, ev)  # draws inline
        spent["behave"] += time.perf_counter() - t
        t = time.perf_counter()
        observe.apply(st, net, p.observe, sd, ev)  # draws inline
        spent["observe"] += time.perf_counter() - t
        t = time.perf_counter()
        score.apply(st, net, p.score, p.listing, sd, ev)
        spent["score"] += time.perf_counter() - t
        t = time.perf_counter()
        consequences.apply(st, net, p.consequences, sd, ev)
        for hook in hooks:  # the shaming channels act right after consequences
            hook.act(st, net, sd, ev)
        consequences.associate(st, net, p.association)
        spent["consequences"] += time.perf_counter() - t
        t = time.perf_counter()
        adapt.apply(st, net, p.adapt, ev)
        spent["adapt"] += time.perf_counter() - t
        t = time.perf_counter()
        measure.apply(st, net, p.measure, ev, buf)
        spent["measure"] += time.perf_counter() - t
        st.step += 1
    print(f"seed, {n:,} agents, mean of {steps} steps")
    print(f"{'phase':<14}{'ms/step':>9}{'bytes/agent':>13}{'GB/s':>8}{'of limit':>10}")
    total_ms = total_bytes = 0.0
    for phase, nbytes in traffic.items():
        ms = spent[phase] / steps * 1e3
        rate = nbytes * n / (ms / 1e3)
        total_ms += ms
        total_bytes += nbytes
        print(f"{phase:<14}{ms:>9.1f}{nbytes:>13}{rate / 1e9:>8.2f}{rate / bw:>10.1%}")
    rate = total_bytes * n / (total_ms / 1e3)
    print(f"{'all':<14}{total_ms:>9.1f}{int(total_bytes):>13}{rate / 1e9:>8.2f}{rate / bw:>10.1%}")
    limit = bw / total_bytes
    print(
        f"bandwidth limit: {limit / 1e6:.1f} M agent-steps/s; measured "
        f"{n / (total_ms / 1e3) / 1e6:.1f} M (phases only)"
    )


if __name__ == "__main__":
    main()
