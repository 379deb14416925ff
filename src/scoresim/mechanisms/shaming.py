"""The shaming channels, a built-in mechanism on the plug-in protocol.

Configured by the scenario's top-level ``shaming:`` section (kept where it has always
been). It acts right after ``consequences`` (before the association penalty, which
counts the ties it leaves): the newly listed go on the screens, the ringtone and the
map, confronted neighbours may cut ties, and the screen audience and the neighbours
who learn through a channel are recorded in the step's events for ``adapt``. Its draws
are the ``shame/...`` purposes; it adds no column (``shamed`` and ``ties_cut`` are
core metrics). Without a ``shaming:`` section nobody is ever shamed, and it does not
run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoresim.config.models import ShamingConfig
from scoresim.core.crn import Keys, StepDraws
from scoresim.core.events import StepEvents
from scoresim.core.network import Network
from scoresim.core.params import Labels, RegimeParams
from scoresim.core.phases import shaming
from scoresim.core.state import CitizenState
from scoresim.mechanisms.base import Mechanism


class ShamingHook:
    """One run's shaming channels (their rates are the compiled regime's)."""

    name = "shaming"
    after = "consequences"
    columns: tuple[str, ...] = ()

    def __init__(self, regime: RegimeParams) -> None:
        self.regime = regime

    def act(self, state: CitizenState, net: Network, d: StepDraws, ev: StepEvents) -> None:
        """Channels, confrontations, cut ties."""
        p = self.regime
        shaming.apply(state, net, p, shaming.draw(d, state, net, p, ev), ev)

    def measure(
        self, state: CitizenState, ev: StepEvents, out: Mapping[str, NDArray[np.float64]]
    ) -> None:
        """No column of its own."""


class Shaming(Mechanism):
    """Public shaming of the listed: screens, ringtone, the deadbeat map."""

    name = "shaming"
    section = ShamingConfig

    def start(
        self,
        config: Any,
        labels: Labels,
        regime: RegimeParams,
        state: CitizenState,
        net: Network,
        keys: Keys,
    ) -> ShamingHook:
        """The hook, reading the compiled rates."""
        return ShamingHook(regime)
