"""Approval of the scoring system: a private attitude per person that moves with life.

What the person lives through moves it (docs/model.md, section 6, "approval"). A
built-in mechanism, switched on by the scenario's top-level ``approval:`` section.
It acts after ``adapt`` and changes nothing else in the society: it draws only from
purposes ``approval/...`` and writes only its own trait, ``state.traits["approval"]``,
which the polls read. Its hook reads only its :class:`ApprovalParams`, into which the
few numbers of other parts it needs are copied when the scenario is compiled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoresim.config.models import ScenarioConfig
from scoresim.config.opinion import ApprovalConfig
from scoresim.config.types import per_group
from scoresim.core.crn import Keys, StepDraws
from scoresim.core.network import Network
from scoresim.mechanisms import approval_kernel as kernel
from scoresim.parts.base import Mechanism, On, same
from scoresim.society.events import StepEvents
from scoresim.society.params import Labels, RegimeParams
from scoresim.society.state import CitizenState, neighbour_mean, sigmoid

NAME = "approval"
COLUMNS = ("approval.private", "approval.mean")
F32 = NDArray[np.float32]


@dataclass(frozen=True)
class ApprovalParams:
    """The compiled section.

    Attributes:
        mean: (G,) float64, initial mean approval per group.
        sd, rho: initial spread; correlation with the stance standardised in its group.
        perk, order, sanction, wrongful, condemn, sympathy: daily effects (fractions of
            the way to +1 or -1).
        conduct: (K,) int64, the conduct behaviours whose sight makes "order".
        days, reach, effect: (E,) the information events.
        smoothing: copied from
            :attr:`~scoresim.society.params.AdaptParams.conformity_smoothing`: the
            sight of neighbours' conduct is smoothed at the rate people's sight of
            their neighbours is.
        consent_required: copied from
            :attr:`~scoresim.society.params.ScoreParams.consent_required`: where
            consent is required, only the consenting are paid perks.
        paid_tiers: (P,) uint8, ascending, the tiers paid a perk
            (:attr:`~scoresim.society.params.ConsequenceParams.perk` > 0, computed
            from a copy of it).
    """

    mean: NDArray[np.float64]
    sd: float
    rho: float
    perk: float
    order: float
    sanction: float
    wrongful: float
    condemn: float
    sympathy: float
    conduct: NDArray[np.int64]
    days: NDArray[np.int64]
    reach: NDArray[np.float64]
    effect: NDArray[np.float64]
    smoothing: float
    consent_required: bool
    paid_tiers: NDArray[np.uint8]


def _toward(a: F32, who: NDArray[np.int64], rate: float | F32, end: float) -> None:
    """Move ``a[who]`` the fraction ``rate`` (a number, or one per person) of the way to ``end``."""
    a[who] += (rate * (end - a[who])).astype(np.float32)


class ApprovalHook:
    """One run's approval: the trait, and the smoothed sight of neighbours' conduct."""

    name = NAME
    leaves_wealth = True  # it never writes wealth, so it may run beside the Gini's sort
    after = "adapt"
    columns: tuple[str, ...] = COLUMNS

    def __init__(self, p: ApprovalParams, state: CitizenState, net: Network, keys: Keys) -> None:
        self.p = p
        z = np.zeros(state.n)
        for g in range(len(state.bounds) - 1):
            lo, hi = state.bounds[g], state.bounds[g + 1]
            s = state.stance[lo:hi].astype(np.float64)
            if hi > lo:
                z[lo:hi] = (s - s.mean()) / max(float(s.std()), 1e-9)
        noise = keys.generator(f"{NAME}/initial").standard_normal(state.n)
        a = p.mean[state.group] + p.sd * (p.rho * z + np.sqrt(1.0 - p.rho**2) * noise)
        self.a: F32 = np.clip(a, -1.0, 1.0).astype(np.float32)
        state.traits[NAME] = self.a
        self.expected = self._expected(state, net)
        self.seen = self.expected.copy()

    def _expected(self, state: CitizenState, net: Network) -> F32:
        """What neighbours would do without a regime: the reference of "order"."""
        p0 = sigmoid(state.logit0[self.p.conduct]).sum(axis=0, dtype=np.float32)
        out: F32 = neighbour_mean(net, p0.astype(np.float32), state.degree)
        return out

    def rebased(self, state: CitizenState, net: Network) -> None:
        """A timeline moved the pressure-free log-odds: the reference of "order" follows."""
        self.expected = self._expected(state, net)

    def retune(self, p: ApprovalParams) -> None:
        """Read ``p`` from the next step on (a timeline changed it; see Approval.changed)."""
        self.p = p

    def act(self, state: CitizenState, net: Network, d: StepDraws, ev: StepEvents) -> None:
        """Move each approval by today's order, perks, sanctions, listings and news.

        Only the order move touches everyone (one compiled pass); the others gather
        the few people they concern.
        """
        p, a = self.p, self.a
        if p.order > 0.0 and p.conduct.shape[0]:
            acted = net.neighbour_counts(ev.acts[p.conduct[0]])
            for b in p.conduct[1:]:
                acted += net.neighbour_counts(ev.acts[b])
            # Added, not a pull towards +1 or -1: the day-to-day noise of what one sees
            # then moves nobody on average (a pull would squeeze everyone's approval
            # towards one value), and fewer rule-breakers than pressure-free raise it.
            smooth = np.float32(p.smoothing)
            kernel.order(a, self.seen, self.expected, acted, state.degree, smooth,
                         np.float32(p.order))  # fmt: skip
        if p.perk > 0.0 and p.paid_tiers.shape[0]:
            paid = state.tier == p.paid_tiers[0]  # a comparison per tier beats a gather
            for tier in p.paid_tiers[1:]:
                paid |= state.tier == tier
            if p.consent_required:
                paid &= state.consented
            _toward(a, np.flatnonzero(paid), p.perk, 1.0)
        sanctioned = np.flatnonzero(ev.newly_listed | ev.denied_any)
        _toward(a, sanctioned, p.sanction, -1.0)
        _toward(a, sanctioned[state.listed_wrongly[sanctioned]], p.wrongful, -1.0)
        listed = np.flatnonzero(ev.newly_listed)
        if (p.condemn > 0.0 or p.sympathy > 0.0) and listed.shape[0]:
            edges = net.row_edges(listed)
            ends, k = np.unique(net.indices[edges[net.active[edges]]], return_counts=True)
            near: NDArray[np.int64] = ends.astype(np.int64)
            supporter = a[near] > 0.0
            up, down = near[supporter], near[~supporter]
            _toward(a, up, (1.0 - (1.0 - p.condemn) ** k[supporter]).astype(np.float32), 1.0)
            _toward(a, down, (1.0 - (1.0 - p.sympathy) ** k[~supporter]).astype(np.float32), -1.0)
        for e in np.flatnonzero(p.days == state.step):
            reached = d.dense(f"{NAME}/information/{e}", state.n) < p.reach[e]
            a[reached] += np.float32(p.effect[e])
        np.clip(a, -1.0, 1.0, out=a)

    def measure(
        self, state: CitizenState, ev: StepEvents, out: Mapping[str, NDArray[np.float64]]
    ) -> None:
        """Share approving (> 0) and mean approval, per group and for all.

        People are stored group by group, so each group is a slice.
        """
        g_n = len(state.bounds) - 1
        pop = np.diff(state.bounds).astype(np.float64)
        approving = np.zeros(g_n)
        total = np.zeros(g_n)
        for g in range(g_n):
            part = self.a[state.bounds[g] : state.bounds[g + 1]]
            approving[g] = np.count_nonzero(part > 0.0)
            total[g] = part.sum(dtype=np.float64)
        n = max(pop.sum(), 1.0)
        out["approval.private"][:] = np.append(approving / np.maximum(pop, 1), approving.sum() / n)
        out["approval.mean"][:] = np.append(total / np.maximum(pop, 1), total.sum() / n)


class Approval(Mechanism):
    """Private approval of the scoring system (top-level section ``approval:``).

    Made by :func:`scoresim.engine.compile.compile_scenario` with the numbers of other
    parts it reads, copied from the compiled regime, which :meth:`compile` puts into
    its parameters.

    Args:
        smoothing: :attr:`~scoresim.society.params.AdaptParams.conformity_smoothing`.
        consent_required: :attr:`~scoresim.society.params.ScoreParams.consent_required`.
        perk: (T,) float64, :attr:`~scoresim.society.params.ConsequenceParams.perk`.
    """

    name = NAME
    section = ApprovalConfig

    def __init__(self, smoothing: float, consent_required: bool, perk: NDArray[np.float64]) -> None:
        self.smoothing, self.consent_required, self.perk = smoothing, consent_required, perk

    @classmethod
    def switched_on(cls, cfg: ScenarioConfig, regime: RegimeParams) -> On | None:
        """Itself with its copies of ``regime``, and its section, if ``approval:`` is given."""
        if cfg.approval is None:
            return None
        made = cls(
            smoothing=regime.adapt.conformity_smoothing,
            consent_required=regime.score.consent_required,
            perk=regime.consequences.perk,
        )
        return made, cfg.approval

    def compile(self, config: ApprovalConfig, labels: Labels) -> ApprovalParams:
        """Per-group means in group order; conduct behaviours; the news as arrays; the copies."""
        info = config.information
        return ApprovalParams(
            mean=np.array(per_group(config.mean, labels.groups)),
            sd=config.sd,
            rho=config.stance_correlation,
            perk=config.perk_effect,
            order=config.order_effect,
            sanction=config.sanction_effect,
            wrongful=config.wrongful_effect,
            condemn=config.condemn_effect,
            sympathy=config.sympathy_effect,
            conduct=np.array([b for b, k in enumerate(labels.kinds) if k == "conduct"], np.int64),
            days=np.array([e.day for e in info], np.int64),
            reach=np.array([e.reach for e in info]),
            effect=np.array([e.effect for e in info]),
            smoothing=self.smoothing,
            consent_required=self.consent_required,
            paid_tiers=np.flatnonzero(self.perk > 0.0).astype(np.uint8),
        )

    def columns(self, config: Any, labels: Labels) -> tuple[str, ...]:
        """``approval.private`` and ``approval.mean``."""
        return COLUMNS

    def changed(self, old: ApprovalParams, new: ApprovalParams) -> str | None:
        """Its daily effects may change during a run; what is drawn on day 0 may not."""
        for name in ("mean", "sd", "rho", "conduct"):
            if not same(getattr(old, name), getattr(new, name)):
                return (f"approval's starting values and the conduct it watches are set on "
                        f"day 0 ({name} would change)")  # fmt: skip
        return None

    def start(self, params: ApprovalParams, labels: Labels, regime: RegimeParams,
              state: CitizenState, net: Network, keys: Keys) -> ApprovalHook:  # fmt: skip
        """Draw everyone's approval and start the hook (``regime`` is not read)."""
        return ApprovalHook(params, state, net, keys)
