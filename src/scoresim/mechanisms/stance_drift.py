"""Stance drift, a built-in mechanism on the plug-in protocol.

Configured by the scenario's top-level ``stance_drift:`` section (kept where it has
always been); it acts after ``adapt``, as it did inside that phase: resentment moves
the sanctioned towards -1, pressure moves everyone towards the climate their
neighbours express, and the pressure-free log-odds follow (docs/model.md, section 4).
It draws no random numbers and adds no column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoresim.config.models import StanceDriftConfig
from scoresim.core.crn import Keys, StepDraws
from scoresim.core.events import StepEvents
from scoresim.core.network import Network
from scoresim.core.params import Labels, RegimeParams
from scoresim.core.phases.adapt import drift_stance
from scoresim.core.state import CitizenState
from scoresim.mechanisms.base import Mechanism


class StanceDriftHook:
    """One run's stance drift (its rates are the compiled regime's)."""

    name = "stance_drift"
    after = "adapt"
    columns: tuple[str, ...] = ()

    def __init__(self, regime: RegimeParams) -> None:
        self.regime = regime

    def act(self, state: CitizenState, net: Network, d: StepDraws, ev: StepEvents) -> None:
        """Resentment, then pressure, then the log-odds."""
        drift_stance(state, net, self.regime, ev)

    def measure(
        self, state: CitizenState, ev: StepEvents, out: Mapping[str, NDArray[np.float64]]
    ) -> None:
        """No column of its own."""


class StanceDrift(Mechanism):
    """Stances that move with sanctions and with the climate."""

    name = "stance_drift"
    section = StanceDriftConfig

    def start(
        self,
        config: Any,
        labels: Labels,
        regime: RegimeParams,
        state: CitizenState,
        net: Network,
        keys: Keys,
    ) -> StanceDriftHook:
        """The hook, reading the compiled rates."""
        return StanceDriftHook(regime)
