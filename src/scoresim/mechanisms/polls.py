"""Polls: on its day, each poll of the scenario's ``polls:`` asks a sample a question.

The question is about the scoring system or the government, asked in one design and
mode (docs/polls.md). A built-in mechanism that only reads: it draws from purposes ``polls/...`` and writes
nothing but its columns, so a run with polls gives every other metric bit for bit as
without. It acts after ``adapt`` (after approval has moved for the day).

What a respondent says to a direct question is the private view, except that a
person who privately disapproves claims approval with probability
``1 - exp(-fear * exposure(mode) * deterrent)``, ``deterrent`` being the weight the
decision rule gives to being recorded once doing the dissent behaviour
(:func:`scoresim.society.behave.deterrent`). The hook reads only its
:class:`PollsParams`, into which that decision rule is copied when the scenario is
compiled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoresim.config.models import ScenarioConfig
from scoresim.config.opinion import PollConfig, PollingConfig
from scoresim.config.types import per_group
from scoresim.core.crn import Keys, StepDraws
from scoresim.core.network import Network
from scoresim.mechanisms import estimators
from scoresim.parts.base import Mechanism, On, same
from scoresim.society.behave import deterrent
from scoresim.society.events import StepEvents
from scoresim.society.params import BehaveParams, Labels, RegimeParams
from scoresim.society.state import CitizenState

NAME = "polls"
FIELDS = ("estimate", "low", "high", "truth", "n")
RESPONDENT_COLUMNS: dict[str, type] = {
    "step": np.int32, "id": np.int64, "answer": np.int16, "treated": np.bool_,
    "hid": np.bool_, "view": np.bool_,
}  # fmt: skip
"""The respondents table's columns after ``poll``, with their dtypes (docs/model.md, section 8)."""
Ids = NDArray[np.int64]


def poll_columns(name: str) -> tuple[str, ...]:
    """The metric columns of poll ``name``."""
    return tuple(f"poll.{name}.{f}" for f in FIELDS)


@dataclass(frozen=True)
class PollsParams:
    """The compiled section.

    Attributes:
        polls: the polls, in the scenario's order.
        fear, income_elasticity: the interview model's scale and income exponent.
        exposure, sensitivity: each mode's exposure and each question's sensitivity.
        online: (G,) float64, share of each group online (the ``online`` frame).
        rule: the decision rule of ``behave`` (its
            :class:`~scoresim.society.params.BehaveParams`), copied from the compiled
            regime: a respondent fears what the rule makes a record of dissent cost.
    """

    polls: tuple[PollConfig, ...]
    fear: float
    income_elasticity: float
    exposure: dict[str, float]
    sensitivity: dict[str, float]
    online: NDArray[np.float64]
    rule: BehaveParams


@dataclass(frozen=True)
class Answers:
    """What a poll's respondents said, with what the model knows of why.

    Attributes:
        said: (K,) int64, 1 yes / 0 no, or the list design's item count.
        treated: (K,) bool, given the sensitive item (list design); False otherwise.
        hid: (K,) bool, a private disapprover whose claim draw made the answer state
            approval: in the direct design, everyone who claimed; in the list design,
            the treated at the floor (no control item) who claimed; none in the
            randomized-response design, whose device is private.
    """

    said: NDArray[np.int64]
    treated: NDArray[np.bool_]
    hid: NDArray[np.bool_]


def answers(
    poll: PollConfig, view: NDArray[np.bool_], claim: NDArray[np.float64], d: StepDraws,
    who: Ids,
) -> Answers:  # fmt: skip
    """What each sampled person answers, who is in the list design's treatment arm, who hid.

    Args:
        poll: the poll.
        view: (K,) bool, the private view (approves, or supports the government).
        claim: (K,) float64, the chance that a disapprover claims approval when the
            answer would reveal them.
        d: the step's draws; purposes ``polls/<name>/...``.
        who: (K,) int64, the sampled ids (the draws are keyed by them).

    Returns:
        The answers, the list design's arm and who hid (:class:`Answers`).
    """
    key = f"{NAME}/{poll.name}"
    afraid = ~view & (d.at(f"{key}/answer", who) < claim)
    treated = np.zeros(who.shape[0], np.bool_)
    if poll.design == "direct":
        return Answers((view | afraid).astype(np.int64), treated, afraid)
    if poll.design == "list":
        # An exact half, chosen at random, also gets the sensitive item.
        order = np.argsort(d.at(f"{key}/arm", who), kind="stable")
        treated[order[: who.shape[0] // 2]] = True
        counts = np.zeros(who.shape[0], np.int64)
        for j, share in enumerate(poll.control):
            counts += d.at(f"{key}/item/{j}", who) < share
        # A disapprover with no control item who answered 0 would reveal the view
        # (the floor); answering J + 1 reveals approval, which is safe.
        floor = treated & ~view & (counts == 0)
        counts += treated & (view | (floor & afraid))
        return Answers(counts, treated, floor & afraid)
    u = d.at(f"{key}/device", who)  # forced response: the device is private
    truthful = u < poll.forced.truth
    forced_yes = ~truthful & (u < poll.forced.truth + poll.forced.yes)
    return Answers((truthful & view | forced_yes).astype(np.int64), treated, np.zeros_like(view))


def estimate(poll: PollConfig, said: NDArray[np.int64], treated: NDArray[np.bool_]) -> tuple[float, float, float]:  # fmt: skip
    """The design's estimate and 95% interval from the answers."""
    if poll.design == "direct":
        return estimators.direct(said.astype(np.bool_))
    if poll.design == "list":
        return estimators.item_count(said, treated)
    return estimators.forced_response(said.astype(np.bool_), poll.forced.truth, poll.forced.yes)


class PollsHook:
    """One run's polls: who is online (the frame), and each poll's row on its day."""

    name = NAME
    leaves_wealth = True  # it never writes wealth, so it may run beside the Gini's sort
    after = "adapt"

    def __init__(self, p: PollsParams, state: CitizenState, keys: Keys) -> None:
        self.p = p
        self.columns = tuple(c for poll in p.polls for c in poll_columns(poll.name))
        self.online = keys.generator(f"{NAME}/online").random(state.n) < p.online[state.group]
        # Who has more to lose fears a record more: income against the median's (the
        # factor itself is computed for the respondents only, on a poll's day).
        self.median = float(np.median(state.income)) if state.n else 1.0
        self.today: dict[str, NDArray[np.float64]] = {}
        # Every asked poll's respondents, by poll name (the respondents table).
        self.asked: dict[str, dict[str, NDArray[Any]]] = {}

    def retune(self, p: PollsParams) -> None:
        """Read ``p`` from the next step on (a timeline changed it; see Polls.changed)."""
        self.p = p

    def act(self, state: CitizenState, net: Network, d: StepDraws, ev: StepEvents) -> None:
        """Run today's polls."""
        self.today = {}
        for poll in self.p.polls:
            if poll.day == state.step:
                self.today[poll.name] = self._ask(poll, state, d)

    def _ask(self, poll: PollConfig, state: CitizenState, d: StepDraws) -> NDArray[np.float64]:
        """(G + 1, 5): estimate, low, high, truth and sample size, per group and all."""
        frame = np.flatnonzero(self.online) if poll.frame == "online" else np.arange(state.n)
        size = min(poll.size, frame.shape[0])
        u = d.at(f"{NAME}/{poll.name}/sample", frame)
        who = np.sort(frame[np.argsort(u, kind="stable")[:size]])
        if poll.question == "scoring_system":
            view = state.traits["approval"][who] > 0.0
        else:
            view = state.stance[who] > 0.0
        dissent = self.p.rule.dissent
        claim = np.zeros(who.shape[0])
        if dissent >= 0:
            p = self.p
            weight = p.fear * p.exposure[poll.mode] * p.sensitivity[poll.question]
            exposed = (state.income[who].astype(np.float64) / self.median) ** p.income_elasticity
            fear = weight * exposed * deterrent(state, p.rule, dissent, who)
            claim = -np.expm1(-fear)
        said = answers(poll, view, claim, d, who)
        self.asked[poll.name] = {
            "step": np.full(who.shape[0], state.step, np.int32), "id": who,
            "answer": said.said.astype(np.int16), "treated": said.treated, "hid": said.hid,
            "view": view,
        }  # fmt: skip
        g_n = len(state.bounds) - 1
        rows = np.full((g_n + 1, len(FIELDS)), math.nan)
        group = state.group[who]
        for g in range(g_n + 1):
            m = np.ones(who.shape[0], np.bool_) if g == g_n else group == g
            if m.any():
                rows[g, :3] = estimate(poll, said.said[m], said.treated[m])
                rows[g, 3] = float(view[m].mean())
            rows[g, 4] = float(m.sum())
        return rows

    def respondents(self) -> dict[str, NDArray[Any]]:
        """The respondents table's columns (:data:`RESPONDENT_COLUMNS`), asked polls in order."""
        names = [p.name for p in self.p.polls if p.name in self.asked]
        parts = [self.asked[n] for n in names]
        sizes = [part["id"].shape[0] for part in parts]
        table: dict[str, NDArray[Any]] = {"poll": np.repeat(np.array(names, dtype=object), sizes)}
        for column, dtype in RESPONDENT_COLUMNS.items():
            table[column] = (
                np.concatenate([part[column] for part in parts]) if parts else np.zeros(0, dtype)
            )
        return table

    def measure(self, state: CitizenState, ev: StepEvents, out: Mapping[str, NDArray[np.float64]]) -> None:  # fmt: skip
        """Today's rows; NaN on the days without the poll."""
        for poll in self.p.polls:
            rows = self.today.get(poll.name)
            for k, column in enumerate(poll_columns(poll.name)):
                out[column][:] = math.nan if rows is None else rows[:, k]


class Polls(Mechanism):
    """The scenario's polls (top-level sections ``polls:`` and ``interviews:``).

    Made by :func:`scoresim.engine.compile.compile_scenario` with ``rule``, the
    compiled regime's :class:`~scoresim.society.params.BehaveParams`, which
    :meth:`compile` copies into its parameters.
    """

    name = NAME
    section = PollingConfig

    def __init__(self, rule: BehaveParams) -> None:
        self.rule = rule

    @classmethod
    def switched_on(cls, cfg: ScenarioConfig, regime: RegimeParams) -> On | None:
        """Itself with ``regime``'s decision rule, and its sections, if ``polls:`` lists any."""
        if not cfg.polls:
            return None
        return cls(rule=regime.behave), PollingConfig(polls=cfg.polls, interviews=cfg.interviews)

    def compile(self, config: PollingConfig, labels: Labels) -> PollsParams:
        """Modes' exposures by name, the online share per group in group order, the rule."""
        iv = config.interviews
        return PollsParams(
            polls=tuple(config.polls),
            fear=iv.fear,
            income_elasticity=iv.income_elasticity,
            exposure=iv.modes.model_dump(),
            sensitivity=iv.sensitivity.model_dump(),
            online=np.array(per_group(iv.online, labels.groups)),
            rule=self.rule,
        )

    def columns(self, config: PollingConfig, labels: Labels) -> tuple[str, ...]:
        """Five per poll: ``poll.<name>.estimate``, ``.low``, ``.high``, ``.truth``, ``.n``."""
        return tuple(c for poll in config.polls for c in poll_columns(poll.name))

    def changed(self, old: PollsParams, new: PollsParams) -> str | None:
        """Polls may change during a run, but who is online is drawn on day 0."""
        if not same(old.online, new.online):
            return "who is online is drawn on day 0 (interviews' online shares would change)"
        return None

    def start(self, params: PollsParams, labels: Labels, regime: RegimeParams,
              state: CitizenState, net: Network, keys: Keys) -> PollsHook:  # fmt: skip
        """Draw who is online and start the hook (``regime`` is not read)."""
        return PollsHook(params, state, keys)
