"""Where a data set lies among a neural network's training simulations.

docs/calibration.md ("The neural method", *Where the data lie*) defines the three
answers: each target's share of simulations below the value, the targets beyond every
simulation, and, when none is, the target in the thinnest tail. Every comparison is
made on the scale the network sees, each statistic over its target's sd, with the
stored statistics and the values divided alike: a simulation equal to a value then
compares equal (multiplying back by the sd need not give the stored number).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Reach:
    """The training simulations' statistics, to place a data set among them.

    Attributes:
        names: (T,) the targets' names, in the file's order.
        sds: (T,) float64, the targets' sds.
        x: (S, T) float64, each finite training simulation's statistics over the sds.
    """

    names: list[str]
    sds: np.ndarray
    x: np.ndarray

    def scaled(self, stats: dict[str, float]) -> np.ndarray:
        """(T,) the values of ``stats`` over the sds, as the network's input."""
        v: np.ndarray = np.array([stats[n] for n in self.names], np.float64) / self.sds
        return v

    def share_below(self, stats: dict[str, float]) -> dict[str, float]:
        """Per target, the share of the simulations strictly below its value in ``stats``."""
        v = self.scaled(stats)
        return {n: float(np.mean(self.x[:, j] < v[j])) for j, n in enumerate(self.names)}

    def beyond(self, stats: dict[str, float]) -> list[str]:
        """Each target whose value is above every simulation or below every one, in words.

        For example ``"gap (0.05) is above all 500 simulations from the prior (highest
        0.013)"``; the bound is printed to 4 significant digits.
        """
        v, s = self.scaled(stats), self.x.shape[0]
        said = []
        for j, name in enumerate(self.names):
            high, low = self.x[:, j].max(), self.x[:, j].min()
            if v[j] > high or v[j] < low:
                side, edge, bound = ("above", "highest", high) if v[j] > high else ("below", "lowest", low)  # fmt: skip
                said.append(f"{name} ({stats[name]:.4g}) is {side} all {s:,} simulations "
                            f"from the prior ({edge} {bound * self.sds[j]:.4g})")  # fmt: skip
        return said

    def rarest(self, stats: dict[str, float]) -> str:
        """The target in the thinnest tail of the simulations, in words.

        A target's tail is the number of simulations below its value, ties counted half,
        or the number above, whichever is smaller; the smallest tail wins (the first in
        file order among equals). For example ``"gap (0.05) has 1 of the 500 simulations
        from the prior above it (ties counted half)"``.
        """
        v, s = self.scaled(stats), self.x.shape[0]
        tails = []
        for j, name in enumerate(self.names):
            below = float(np.sum(self.x[:, j] < v[j]) + 0.5 * np.sum(self.x[:, j] == v[j]))
            side = "above" if below > s / 2 else "below"
            tails.append((min(below, s - below), j, side, name))
        tail, _, side, name = min(tails)
        return (f"{name} ({stats[name]:.4g}) has {tail:g} of the {s:,} simulations from "
                f"the prior {side} it (ties counted half)")  # fmt: skip
