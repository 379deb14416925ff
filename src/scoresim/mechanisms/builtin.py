"""The built-in mechanisms on the plug-in protocol: the shaming channels and stance drift.

Each is configured by its scenario's top-level section (kept where it has always been)
and runs a phase function of :mod:`scoresim.society` at the same point of the step as
before it was a mechanism, so results are unchanged bit for bit. Its rates
(:meth:`Shaming.params`, :meth:`StanceDrift.params`) are compiled with the regime,
which carries them (:class:`~scoresim.society.params.ShamingParams`,
:class:`~scoresim.society.params.DriftParams`; all zeros when the section is absent):
other parts copy some of them (``behave`` the shaming exposure, ``adapt`` the shame
effect, ``measure`` whether stances move), and :mod:`scoresim.engine.compile_parts`
copies into them what they read of other parts. The mechanism is made with that
complete object, and its hook reads nothing else. Neither adds a column (``shamed``
and ``ties_cut`` are society metrics).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from scoresim.config.models import ScenarioConfig, ShamingConfig, StanceDriftConfig
from scoresim.core.crn import Keys, StepDraws
from scoresim.core.network import Network
from scoresim.parts.base import Mechanism, On
from scoresim.society import shaming
from scoresim.society.adapt import drift_stance
from scoresim.society.events import StepEvents
from scoresim.society.params import DriftParams, Labels, RegimeParams, ShamingParams
from scoresim.society.state import CitizenState

PhaseFn = Callable[[CitizenState, Network, Any, StepDraws, StepEvents], None]


class RegimeHook:
    """A hook that runs ``run`` with the mechanism's own parameters after phase ``after``."""

    columns: tuple[str, ...] = ()
    leaves_wealth = True  # it never writes wealth, so it may run beside the Gini's sort

    def __init__(self, name: str, after: str, params: Any, run: PhaseFn) -> None:
        self.name, self.after, self.params, self.run = name, after, params, run

    def act(self, state: CitizenState, net: Network, d: StepDraws, ev: StepEvents) -> None:
        """Run the phase function with this run's state and step."""
        self.run(state, net, self.params, d, ev)

    def retune(self, params: Any) -> None:
        """Read ``params`` from the next step on (a timeline changed them)."""
        self.params = params

    def measure(
        self, state: CitizenState, ev: StepEvents, out: Mapping[str, NDArray[np.float64]]
    ) -> None:
        """No column of its own."""


class BuiltinMechanism(Mechanism):
    """A mechanism whose parameters are compiled with the regime and whose work is a phase function.

    Made by :func:`scoresim.engine.compile.compile_scenario` with its object of the
    compiled regime (its own rates, and the copies of other parts' numbers it reads),
    which :meth:`compile` returns and its hook reads.

    Class attributes:
        after: the phase it acts after.
        regime_field: its object's name in :class:`~scoresim.society.params.RegimeParams`.
    """

    after: ClassVar[str]
    regime_field: ClassVar[str]

    def __init__(self, compiled: Any) -> None:
        self.compiled = compiled

    @staticmethod
    @abstractmethod
    def run(state: CitizenState, net: Network, p: Any, d: StepDraws, ev: StepEvents) -> None:
        """Its work in one step, with its own parameters ``p``."""

    @classmethod
    def switched_on(cls, cfg: ScenarioConfig, regime: RegimeParams) -> On | None:
        """Itself with its object of ``regime``, and its section, if the scenario switches it on."""
        section = getattr(cfg, cls.name)
        if section is None or not cls.acts(section):
            return None
        return cls(getattr(regime, cls.regime_field)), section

    @staticmethod
    def acts(section: Any) -> bool:
        """Whether a given section makes it act at all (it always does by default)."""
        return True

    def compile(self, config: Any, labels: Labels) -> Any:
        """The parameter object it was made with (the one the compiled regime carries)."""
        return self.compiled

    def changed(self, old: Any, new: Any) -> str | None:
        """Always allowed: its hook reads its parameters afresh every step."""
        return None

    @staticmethod
    @abstractmethod
    def params(config: Any) -> Any:
        """Its own rates from ``config`` (the section, or ``None`` when absent)."""

    def start(
        self,
        params: Any,
        labels: Labels,
        regime: RegimeParams,
        state: CitizenState,
        net: Network,
        keys: Keys,
    ) -> RegimeHook:
        """The hook, reading ``params`` (what :meth:`compile` returned) and nothing else."""
        return RegimeHook(self.name, self.after, params, self.run)


class Shaming(BuiltinMechanism):
    """Public shaming of the listed: screens, ringtone, the deadbeat map.

    Acts right after ``consequences`` (before the association penalty, which counts the
    ties it leaves); its draws are the ``shame/...`` purposes.
    """

    name = "shaming"
    section = ShamingConfig
    after = "consequences"
    regime_field = "shaming"

    @staticmethod
    def params(config: ShamingConfig | None) -> ShamingParams:
        """Channel shares and rates; ``exposure`` is the chance that a listing is public.

        ``conform_idx`` is left empty: it is copied from ``behave`` when the scenario is
        compiled (:func:`scoresim.engine.compile_parts.shaming`).
        """
        if config is None:
            return ShamingParams()
        screens, ring, dmap = config.screens, config.ringtone, config.map
        # A listing stays private only if no channel takes it.
        hidden = 1.0
        for share in (ring.share if ring else 0.0, dmap.share if dmap else 0.0):
            hidden *= 1.0 - share
        hidden *= 1.0 - (screens.display_share if screens else 0.0)
        return ShamingParams(
            display_share=screens.display_share if screens else 0.0,
            reach=screens.reach if screens else 0.0,
            ring_share=ring.share if ring else 0.0,
            contact_rate=ring.contact_rate if ring else 0.0,
            map_share=dmap.share if dmap else 0.0,
            map_usage=dmap.usage if dmap else 0.0,
            exposure=1.0 - hidden,
            tie_cut=config.tie_cut_probability,
            shame_effect=config.risk_effect,
        )

    @staticmethod
    def run(
        state: CitizenState, net: Network, p: ShamingParams, d: StepDraws, ev: StepEvents
    ) -> None:
        """Channels, confrontations, cut ties."""
        shaming.apply(state, net, p, shaming.draw(d, state, net, p, ev), ev)


class StanceDrift(BuiltinMechanism):
    """Stances that move with sanctions and with the climate; acts after ``adapt``."""

    name = "stance_drift"
    section = StanceDriftConfig
    after = "adapt"
    regime_field = "drift"

    @staticmethod
    def acts(section: StanceDriftConfig) -> bool:
        """Only a rate above 0 moves a stance."""
        return section.resentment > 0.0 or section.pressure > 0.0

    @staticmethod
    def params(config: StanceDriftConfig | None) -> DriftParams:
        """The two rates (0 when the section is absent).

        The dissent behaviour and the stance weights are copied from ``behave`` when the
        scenario is compiled (:func:`scoresim.engine.compile_parts.drift`).
        """
        return DriftParams() if config is None else DriftParams(config.resentment, config.pressure)

    @staticmethod
    def run(
        state: CitizenState, net: Network, p: DriftParams, d: StepDraws, ev: StepEvents
    ) -> None:
        """Resentment, then pressure, then the log-odds."""
        drift_stance(state, net, p, ev)
