"""A torus lattice: neighbourhoods, sums over them, and conflict-free random choices.

Cells are numbered ``y * width + x``. A neighbourhood is a fixed list of (dy, dx)
offsets (a von Neumann diamond of radius r, or a Moore square), never including the
cell itself, so every cell has the same number K of neighbouring cells.

Agents that act "one after another in random order" in the classic models are
updated here all at once; where two of them want the same thing (two movers the
same empty cell, two cops the same arrestee) a random priority decides, the winner
gets it and the others keep what they had. :func:`resolve_conflicts` does that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]


def von_neumann(radius: int) -> I64:
    """Offsets (K, 2) int64 of the diamond |dy| + |dx| <= radius, centre excluded.

    K = 2 r (r + 1): 112 cells for r = 7.
    """
    r = np.arange(-radius, radius + 1)
    dy, dx = np.meshgrid(r, r, indexing="ij")
    keep = (np.abs(dy) + np.abs(dx) <= radius) & ((dy != 0) | (dx != 0))
    out: I64 = np.stack([dy[keep], dx[keep]], axis=1).astype(np.int64)
    return out


def moore(radius: int) -> I64:
    """Offsets (K, 2) int64 of the square max(|dy|, |dx|) <= radius, centre excluded."""
    r = np.arange(-radius, radius + 1)
    dy, dx = np.meshgrid(r, r, indexing="ij")
    keep = (dy != 0) | (dx != 0)
    out: I64 = np.stack([dy[keep], dx[keep]], axis=1).astype(np.int64)
    return out


@dataclass(frozen=True)
class Torus:
    """A width x height torus with one neighbourhood.

    Attributes:
        width, height: cells along x and y.
        offsets: (K, 2) int64 (dy, dx) offsets of the neighbourhood.
    """

    width: int
    height: int
    offsets: I64

    @property
    def cells(self) -> int:
        """Number of cells, width x height."""
        return self.width * self.height

    def neighbours(self, cells: I64) -> I64:
        """Cell ids of the neighbourhood of each cell: (len(cells), K) int64."""
        y, x = np.divmod(cells, self.width)
        ny = (y[:, None] + self.offsets[None, :, 0]) % self.height
        nx = (x[:, None] + self.offsets[None, :, 1]) % self.width
        out: I64 = ny * self.width + nx
        return out


def pick_random(options: NDArray[np.bool_], rng: np.random.Generator) -> I64:
    """Choose, in each row of ``options`` ((M, K) bool), one true column at random.

    Returns:
        (M,) int64 column indices, -1 where a row has no true entry.
    """
    keys = rng.random(options.shape, dtype=np.float32)
    keys[~options] = -1.0
    col: I64 = keys.argmax(axis=1).astype(np.int64)
    col[~options.any(axis=1)] = -1
    return col


def resolve_conflicts(targets: I64, rng: np.random.Generator) -> NDArray[np.bool_]:
    """Which claims win: one random winner per distinct target, (M,) bool.

    ``targets`` (M,) int64 holds the thing each claimant wants, -1 for nothing. Among
    claimants of the same target the one with the highest random priority wins.
    """
    win = np.zeros(targets.shape[0], np.bool_)
    claim = np.flatnonzero(targets >= 0)
    if claim.shape[0] == 0:
        return win
    priority = rng.random(claim.shape[0])
    order = np.lexsort((-priority, targets[claim]))  # by target, best priority first
    ordered = targets[claim][order]
    first = np.ones(ordered.shape[0], np.bool_)
    first[1:] = ordered[1:] != ordered[:-1]
    win[claim[order[first]]] = True
    return win
