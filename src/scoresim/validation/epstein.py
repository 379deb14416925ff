"""Epstein (2002) civil violence, Model I, on the core's torus lattice.

Citizens with hardship H ~ U(0, 1) and risk aversion R ~ U(0, 1) see a grievance
G = H (1 - L) and an arrest probability P = 1 - exp(-k f(C / A)), with C the cops and
A the active citizens (counting oneself) within vision, f the identity, floor or
round (Mesa 3.3 rounds, half to even as Python does). A citizen is active when
G - R P > T. Each cop arrests one random active citizen within its vision, for a
term drawn from 0 to the maximum inclusive (as Mesa). Every free agent then moves to
a random empty cell within its vision.

Update order, and how it differs from Mesa's: Mesa activates all agents one by one
in a random order, so a citizen sees the states that earlier agents set in the same
step. Here each step is three synchronous phases (citizens decide; cops arrest;
everyone moves), each computed from the state at its start; two cops wanting the
same arrestee, or two movers the same cell, are resolved by random priority (losing
cops try again among the actives left, up to four rounds). The jailed count the
step they are arrested; a jailed citizen sits out as many steps as its term.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scoresim.validation import epstein_kernel as kernel
from scoresim.validation.lattice import Torus, pick_random, resolve_conflicts, von_neumann
from scoresim.validation.rng import Streams, make_streams

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
RATIOS = ("continuous", "floor", "round")
JAILED = ("stay", "removed")
UPDATES = ("sequential", "batched")


@dataclass(frozen=True)
class EpsteinParams:
    """Parameters, with the defaults of Mesa 3.3's example model."""

    width: int = 40
    height: int = 40
    citizen_density: float = 0.7
    cop_density: float = 0.074
    citizen_vision: int = 7
    cop_vision: int = 7
    legitimacy: float = 0.8
    max_jail_term: int = 1000
    threshold: float = 0.1
    k: float = 2.3
    steps: int = 1000
    ratio: str = "round"
    jailed: str = "stay"
    movement: bool = True
    update: str = "sequential"
    batches: int = 64


@dataclass
class EpsteinState:
    """Agents as arrays; citizens first, then cops.

    Attributes:
        cell: (cells,) int32, the agent in each cell or -1 (int32 halves the cache
            footprint of the grid the compiled loop reads at random).
        pos: (A,) int64, each agent's cell, -1 while removed to jail.
        cop: (A,) bool.
        hardship, risk: (A,) float64, citizens' traits (0 for cops).
        active: (A,) bool, citizens currently active.
        jail: (A,) int64, steps left in jail.
        arrested: (A,) bool, in jail (from arrest until the citizen next acts).
    """

    cell: NDArray[np.int32]
    pos: I64
    cop: NDArray[np.bool_]
    hardship: F64
    risk: F64
    active: NDArray[np.bool_]
    jail: I64
    arrested: NDArray[np.bool_]


def place(p: EpsteinParams, rng: np.random.Generator) -> EpsteinState:
    """One uniform per cell: a cop below ``cop_density``, a citizen below the sum (Mesa)."""
    cells = p.width * p.height
    u = rng.random(cells)
    cop_cells = np.flatnonzero(u < p.cop_density)
    cit_cells = np.flatnonzero((u >= p.cop_density) & (u < p.cop_density + p.citizen_density))
    pos = np.concatenate([cit_cells, cop_cells]).astype(np.int64)
    n_cit, n = cit_cells.shape[0], pos.shape[0]
    cell = np.full(cells, -1, np.int32)
    cell[pos] = np.arange(n)
    cop = np.arange(n) >= n_cit
    hardship = np.where(cop, 0.0, rng.random(n))
    risk = np.where(cop, 0.0, rng.random(n))
    zeros = np.zeros(n, np.bool_)
    return EpsteinState(cell, pos, cop, hardship, risk, zeros, np.zeros(n, np.int64), zeros.copy())


def _ratio(c: F64, a: F64, how: str) -> F64:
    r = c / a
    if how == "floor":
        return np.floor(r)
    if how == "round":
        return np.round(r)  # half to even, as Python's round in Mesa
    return r


def decide(s: EpsteinState, p: EpsteinParams, sight: Torus, who: I64) -> None:
    """Citizen rule A for the citizens ``who`` (free and on the lattice)."""
    s.arrested[who] = False
    seen = s.cell[sight.neighbours(s.pos[who])]
    safe = np.maximum(seen, 0)
    there = seen >= 0
    c = (there & s.cop[safe]).sum(axis=1).astype(np.float64)
    a = 1.0 + (there & s.active[safe] & ~s.arrested[safe]).sum(axis=1)
    prob = 1.0 - np.exp(-p.k * _ratio(c, a, p.ratio))
    grievance = s.hardship[who] * (1.0 - p.legitimacy)
    s.active[who] = grievance - s.risk[who] * prob > p.threshold


def arrest(
    s: EpsteinState, p: EpsteinParams, sight: Torus, cops: I64, rng: np.random.Generator
) -> None:
    """Cop rule C: each of ``cops`` jails one random active citizen within its vision."""
    if cops.shape[0] == 0:
        return
    around = sight.neighbours(s.pos[cops])
    rows = np.arange(cops.shape[0])
    for _ in range(4):
        who = s.cell[around]
        safe = np.maximum(who, 0)
        options = (who >= 0) & s.active[safe] & ~s.arrested[safe] & ~s.cop[safe]
        col = pick_random(options, rng)
        if (col < 0).all():
            return
        target = np.where(col >= 0, who[rows, np.maximum(col, 0)], -1)
        won = target[resolve_conflicts(target, rng)]
        s.jail[won] = rng.integers(0, p.max_jail_term + 1, size=won.shape[0])
        s.active[won] = False
        s.arrested[won] = True
        if p.jailed == "removed":
            s.cell[s.pos[won]] = -1
            s.pos[won] = -1


def move(s: EpsteinState, groups: list[tuple[I64, Torus]], rng: np.random.Generator) -> None:
    """Rule M: each mover goes to a random cell within its vision that was empty.

    ``groups`` pairs movers with their vision (citizens and cops may see differently);
    all claims are resolved together.
    """
    movers_parts, target_parts = [], []
    for movers, sight in groups:
        movers = movers[s.pos[movers] >= 0]
        around = sight.neighbours(s.pos[movers])
        col = pick_random(s.cell[around] < 0, rng)
        rows = np.arange(movers.shape[0])
        target_parts.append(np.where(col >= 0, around[rows, np.maximum(col, 0)], -1))
        movers_parts.append(movers)
    movers, target = np.concatenate(movers_parts), np.concatenate(target_parts)
    won = resolve_conflicts(target, rng)
    who = movers[won]
    s.cell[s.pos[who]] = -1
    s.pos[who] = target[won]
    s.cell[s.pos[who]] = who


def release(s: EpsteinState, citizens: I64, rng: np.random.Generator) -> None:
    """Put those of ``citizens`` who are off the lattice back on random empty cells."""
    out = citizens[s.pos[citizens] < 0]
    empty = np.flatnonzero(s.cell < 0)
    k = min(out.shape[0], empty.shape[0])
    cells = rng.choice(empty, size=k, replace=False)
    s.pos[out[:k]] = cells
    s.cell[cells] = out[:k]


@dataclass(frozen=True)
class EpsteinSeries:
    """Per-step counts and the population of one run.

    Attributes:
        active, jailed: (steps,) int64, counts after each step.
        citizens, cops: population.
        first_active: citizens who turned active in the first step, before arrests.
    """

    active: I64
    jailed: I64
    citizens: int
    cops: int
    first_active: int


def simulate(p: EpsteinParams, seed: int) -> EpsteinSeries:
    """Run Model I for ``p.steps`` steps from an all-quiet start, with ``p.update``."""
    if p.update == "sequential":
        return simulate_sequential(p, seed)
    return simulate_batched(p, seed)


def simulate_sequential(
    p: EpsteinParams, seed: int, placed: tuple[Streams, EpsteinState] | None = None
) -> EpsteinSeries:
    """Mesa's update: every agent once per step, in a random order (compiled loop).

    ``placed`` passes the streams and the placed agents when the caller has already
    set them up (the benchmark times that part separately).
    """
    if placed is None:
        streams, _ = make_streams(seed)
        s = place(p, streams.population)
    else:
        streams, s = placed
    kernel.seed_kernel(int(streams.behave.integers(2**62)))
    # The loop's own copies (it relabels the agents every step, so ``s`` stays as
    # placed), ids narrowed to int32: the fewer bytes per agent, the more stay in cache.
    cell, pos, jail = s.cell.copy(), s.pos.astype(np.int32), s.jail.astype(np.int32)
    cop, risk = s.cop.copy(), s.risk.copy()
    state = np.zeros(s.pos.shape[0], np.int8)
    grievance = s.hardship * (1.0 - p.legitimacy)
    cit_offsets, cop_offsets = von_neumann(p.citizen_vision), von_neumann(p.cop_vision)
    # int16 suffices: at most 2 v (v + 1) agents are in view (5100 at vision 50).
    cops_seen = np.zeros(s.cell.shape[0], np.int16)
    actives_seen = np.zeros(s.cell.shape[0], np.int16)
    w, h = p.width, p.height
    kernel.init_counts(pos, cop, state, cops_seen, actives_seen, cit_offsets, w, h)
    active = np.zeros(p.steps, np.int64)
    jailed = np.zeros(p.steps, np.int64)
    first = 0
    for t in range(p.steps):
        turned = kernel.step(
            cell,
            pos,
            cop,
            grievance,
            risk,
            state,
            jail,
            cops_seen,
            actives_seen,
            cit_offsets,
            cop_offsets,
            p.width,
            p.height,
            p.k,
            p.threshold,
            p.max_jail_term,
            RATIOS.index(p.ratio),
            p.jailed == "removed",
            p.movement,
            p.cop_vision == p.citizen_vision,
        )
        if t == 0:
            first = turned
        active[t] = int(np.count_nonzero(state == kernel.ACTIVE))
        jailed[t] = int(np.count_nonzero(state == kernel.ARRESTED))
    return EpsteinSeries(active, jailed, int((~s.cop).sum()), int(s.cop.sum()), first)


def simulate_batched(p: EpsteinParams, seed: int) -> EpsteinSeries:
    """Run the vectorised approximation of the update order.

    Agents act in ``p.batches`` random batches per step; within a batch all act at
    once and conflicts go by random priority.
    """
    streams, _ = make_streams(seed)
    s = place(p, streams.population)
    citizen_sight = Torus(p.width, p.height, von_neumann(p.citizen_vision))
    cop_sight = Torus(p.width, p.height, von_neumann(p.cop_vision))
    order_rng, act_rng = streams.behave, streams.consequences
    n = s.pos.shape[0]
    batches = max(1, min(p.batches, n))
    active = np.zeros(p.steps, np.int64)
    jailed = np.zeros(p.steps, np.int64)
    first = 0
    for t in range(p.steps):
        for batch in np.array_split(order_rng.permutation(n), batches):
            citizens, cops = batch[~s.cop[batch]], batch[s.cop[batch]]
            serving = citizens[s.jail[citizens] > 0]
            s.jail[serving] -= 1
            citizens = citizens[s.jail[citizens] == 0]
            citizens = np.setdiff1d(citizens, serving, assume_unique=True)
            if p.jailed == "removed":
                release(s, citizens, streams.network)
            decide(s, p, citizen_sight, citizens)
            if t == 0:
                first += int(s.active[citizens].sum())
            arrest(s, p, cop_sight, cops, act_rng)
            if p.movement:
                movers = citizens[~s.arrested[citizens]]
                move(s, [(movers, citizen_sight), (cops, cop_sight)], streams.network)
        active[t] = int((s.active & ~s.arrested).sum())
        jailed[t] = int(s.arrested.sum())
    return EpsteinSeries(active, jailed, int((~s.cop).sum()), int(s.cop.sum()), first)


def measures(series: EpsteinSeries) -> dict[str, float]:
    """The case's measures from one run's series."""
    half = series.active.shape[0] // 2
    free = np.maximum(series.citizens - series.jailed, 1)
    share = series.active / free
    above = series.active > 50
    outbursts = int(above[0]) + int(np.count_nonzero(above[1:] & ~above[:-1]))
    mean = float(series.active.mean())
    return {
        "citizens": float(series.citizens),
        "cops": float(series.cops),
        "active_fraction_mean": float(share[half:].mean()),
        "jailed_fraction_mean": float(series.jailed[half:].mean() / max(series.citizens, 1)),
        "active_mean": float(series.active[half:].mean()),
        "active_max": float(series.active.max()),
        "outbursts": float(outbursts),
        "active_cv": float(series.active.std() / mean) if mean > 0 else 0.0,
        "first_step_active_fraction": series.first_active / max(series.citizens, 1),
    }
