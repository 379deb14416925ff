"""The town: a small synthetic society, day by day, recorded for the explorer's world view.

``build`` runs a regime on a few thousand synthetic people and keeps what the page
draws (docs/seeing.md): for every day, each person's tier, score and a byte of flags
(listed, listed wrongly, made public and still listed, made public that day, denied an
opportunity that day), and for every tie the day it was cut. Day 0 is the society as
set up; frame ``d`` (1 to ``days``) is the evening of step ``d - 1``, so the page's
"day s" and the followed table's ``step`` s name the same day.

Where people stand is fixed: each group is a district, side by side, and its people
stand along a serpentine of rows in the order the network generator joins them on a
ring (core/network.py: ring neighbours are consecutive ids within a group), so the
ring's ties are short and the rewired ones cross the town. No coordinates come from
anything but the person's group and id.

``life_of`` runs the same town again following one person (same scenario, size, seed
and days, so the same bits: following changes no result) and gives their life in words,
the lines of :func:`scoresim.results.life.life_days`.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoresim.config.loading import Scenario
from scoresim.core import threads

MAX_PEOPLE = 5_000
MAX_DAYS = 1_000
LISTED, WRONGLY, PUBLIC, MADE_PUBLIC, DENIED = 1, 2, 4, 8, 16
"""Bits of a day's flags byte per person."""


def packed(a: NDArray[Any]) -> str:
    """A C-contiguous little-endian array as base64 (the page reads it as a typed array)."""
    return base64.b64encode(np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()).decode()  # fmt: skip


def layout(bounds: NDArray[np.int64]) -> NDArray[np.float32]:
    """Where each person stands: (N, 2) float32 in [0, 1] x [0, 1].

    Args:
        bounds: (G + 1,) int64; people of group g are ids ``bounds[g]`` to
            ``bounds[g + 1] - 1`` (agents are stored group by group).

    Each group's district is as wide as its share of the people, plus a gap, and its
    people fill rows left to right, then right to left (a serpentine), so that
    consecutive ids, the ring's neighbours, stand next to each other.
    """
    n = int(bounds[-1])
    xy = np.zeros((n, 2), np.float32)
    sizes = np.diff(bounds)
    groups = int((sizes > 0).sum())
    gap = 0.04 if groups > 1 else 0.0
    usable = 1.0 - gap * (groups - 1)
    left = 0.0
    for g, size in enumerate(sizes.tolist()):
        if size == 0:
            continue
        width = usable * size / n
        cols = max(1, round(np.sqrt(size * width)))  # about square cells in a 1-high district
        rows = -(-size // cols)
        k = np.arange(size)
        row, col = k // cols, k % cols
        col = np.where(row % 2 == 1, cols - 1 - col, col)
        xy[bounds[g] : bounds[g + 1], 0] = left + (col + 0.5) / cols * width
        xy[bounds[g] : bounds[g + 1], 1] = (row + 0.5) / rows
        left += width + gap
    return xy


def _losers(pairs: NDArray[np.int32], gained: NDArray[np.int64]) -> NDArray[np.int32]:
    """Which end of each tie cut today lost it: the one whose ``ties_lost`` rose.

    Args:
        pairs: (K, 2) int32, today's cut ties.
        gained: (N,) int64, each person's ties lost today (shaming.cut_ties counts a tie
            for the listed person it was cut on, not for the neighbour who cut it).
    """
    left = gained.copy()
    out = np.empty(pairs.shape[0], np.int32)
    for k, (u, v) in enumerate(pairs.tolist()):
        out[k] = u if left[u] > 0 else v
        left[out[k]] -= 1
    return out


def build(sc: Scenario, people: int, days: int, seed: int) -> dict[str, Any]:
    """Run ``sc`` on ``people`` synthetic people for ``days`` and keep what the page draws.

    Returns:
        As :func:`run`.
    """
    return run(sc, people, days, seed)[0]


def run(sc: Scenario, people: int, days: int, seed: int, follow: Any = None) -> tuple[dict[str, Any], Any]:  # fmt: skip
    """:func:`build`, following ``follow`` (as :class:`Simulation` takes it) too.

    Returns:
        The town and the simulation at its end. The town is JSON-ready: ``people``, ``days``, ``seed``, ``groups`` (names and id bounds),
        ``tiers`` (names, lowest first), ``x``/``y`` (float32), ``tier`` (uint8) and
        ``score`` (int16) and ``flags`` (uint8), each (days + 1, people) by day,
        ``ties`` (int32 pairs, each tie once, u < v), ``cut`` (int16 per tie: the step
        in which it was cut, -1 if never), ``loser`` (int32 per tie: the end it was cut
        on, the listed person, -1 if never cut), ``screen`` (everyone made public, in order:
        ``person``, ``step``, and the behaviours of their last day with a record up to
        then, ``recorded`` true and ``recorded_falsely`` false) and ``metrics`` (per frame: listed, made public
        and still listed, ties cut so far); arrays as base64 of little-endian bytes.
    """
    from scoresim.engine.stepper import Simulation

    sim = Simulation(sc, agents=people, seed=seed, follow=follow, _rows=days)
    state, net = sim.state, sim.net
    rows = np.repeat(np.arange(people, dtype=np.int32), np.diff(net.indptr))
    once = np.flatnonzero(rows < net.indices)
    ties = np.stack([rows[once], net.indices[once].astype(np.int32)], axis=1)
    cut = np.full(once.shape[0], -1, np.int16)
    loser = np.full(once.shape[0], -1, np.int32)  # whose tie it was: the one it was cut on
    tier = np.empty((days + 1, people), np.uint8)
    score = np.empty((days + 1, people), np.int16)
    flags = np.zeros((days + 1, people), np.uint8)

    names = sim.compiled.labels.behaviours
    b = len(names)
    last_true = np.zeros((b, people), np.bool_)  # each person's last day with a record
    last_false = np.zeros((b, people), np.bool_)
    screen: list[dict[str, Any]] = []

    def frame(d: int) -> None:
        tier[d], score[d] = state.tier, state.score
        listed = state.listed
        f = (LISTED * listed + WRONGLY * (listed & state.listed_wrongly)
             + PUBLIC * state.shamed)  # fmt: skip
        ev = sim.events
        if ev is not None:
            f = f + MADE_PUBLIC * ev.newly_shamed + DENIED * ev.denied_any
            marked = ev.caught.any(axis=0) | ev.false_records.any(axis=0)
            last_true[:, marked], last_false[:, marked] = ev.caught[:, marked], ev.false_records[:, marked]  # fmt: skip
            for i in np.flatnonzero(ev.newly_shamed).tolist():
                screen.append({"person": i, "step": d - 1,
                               "recorded": [names[k] for k in np.flatnonzero(last_true[:, i])],
                               "recorded_falsely": [names[k] for k in np.flatnonzero(last_false[:, i])]})  # fmt: skip
        flags[d] = f.astype(np.uint8)

    frame(0)
    lost = state.ties_lost.astype(np.int64)
    with threads.compiled_threads(1):  # the server runs several towns at once
        for d in range(1, days + 1):
            sim.step()
            frame(d)
            gone = np.flatnonzero((cut < 0) & ~net.active[once])
            cut[gone] = d - 1
            now = state.ties_lost.astype(np.int64)
            loser[gone] = _losers(ties[gone], now - lost)
            lost = now
    labels = sim.compiled.labels
    bounds = np.asarray(state.bounds, np.int64)
    xy = layout(bounds)
    data = {
        "people": people,
        "days": days,
        "seed": seed,
        "groups": [
            {"name": g, "start": int(bounds[i]), "end": int(bounds[i + 1])}
            for i, g in enumerate(labels.groups)
        ],
        "tiers": list(labels.tiers),
        "x": packed(xy[:, 0].copy()),
        "y": packed(xy[:, 1].copy()),
        "tier": packed(tier),
        "score": packed(score),
        "flags": packed(flags),
        "ties": packed(ties),
        "cut": packed(cut),
        "loser": packed(loser),
        "screen": screen,
        "metrics": {
            "listed": ((flags & LISTED) > 0).sum(axis=1).tolist(),
            "public": ((flags & PUBLIC) > 0).sum(axis=1).tolist(),
            # frame d counts the ties cut in steps 0 to d - 1
            "ties_cut": [0, *np.cumsum(np.bincount(cut[cut >= 0], minlength=days)).tolist()],
        },
    }
    return data, sim


def life_of(sc: Scenario, people: int, days: int, seed: int, person: int) -> dict[str, Any]:
    """One person's life in the town of the same scenario, size, seed and days.

    Returns:
        ``person``, ``group`` and ``lines``: [step, text] of every day on which something
        happened to them, as :func:`scoresim.results.life.life_days` words it.
    """
    from scoresim.engine.stepper import Simulation
    from scoresim.results.life import life_days

    sim = Simulation(sc, agents=people, seed=seed, follow=[person], _rows=days)
    with threads.compiled_threads(1):
        sim.run(days)
    table = sim.followed()
    group = str(table["group"].iloc[0])
    return {"person": person, "group": group,
            "lines": [[s, text] for s, text in life_days(table, person)]}  # fmt: skip
