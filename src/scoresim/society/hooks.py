"""A mechanism's place in the step: act after a phase, and fill metric columns of its own.

The society's step (:mod:`scoresim.society.parts`) knows mechanisms only through this
protocol (:mod:`scoresim.parts` builds them from a scenario's sections). A plug-in's
hook owns whatever state it keeps, draws only from purposes named after itself
(``<name>/...`` through the step's :class:`~scoresim.core.crn.StepDraws`), so adding
one moves no other draw, and writes only the columns it declares (the fence in
:mod:`scoresim.parts.guard` enforces the columns; the purposes are its contract). The
built-in ``shaming`` hook is the exception the society allows itself: it draws from
the ``shame/...`` purposes and fills the society's ``shamed`` and ``ties_cut`` columns
through the state, as it did before it was a mechanism.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from scoresim.core.crn import StepDraws
from scoresim.core.network import Network
from scoresim.society.events import StepEvents
from scoresim.society.state import CitizenState

AFTER = ("behave", "observe", "score", "consequences", "adapt")
"""The phases a hook may act after (``measure`` sees the finished step)."""


class StepHook(Protocol):
    """What a mechanism does in a run.

    Attributes:
        name: the mechanism's name, the prefix of its draws' purposes.
        after: the phase it acts after, one of :data:`AFTER`.
        columns: its metric columns, written per group and for all.

    A hook may also set ``leaves_wealth = True`` to say that it never writes
    ``state.wealth``; it may then act while the wealth Gini is being sorted on a helper
    thread. Without it, a hook acting after ``adapt`` waits for that sort first.
    """

    name: str
    after: str
    columns: tuple[str, ...]

    def act(self, state: CitizenState, net: Network, d: StepDraws, ev: StepEvents) -> None:
        """Act on the state and the step's events, after phase ``after``."""

    def measure(
        self, state: CitizenState, ev: StepEvents, out: Mapping[str, NDArray[np.float64]]
    ) -> None:
        """Write this step's row of each of its columns: ``out[name]`` is (G + 1,)."""
