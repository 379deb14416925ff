"""Polls: on its day, each poll of the scenario's ``polls:`` asks a sample a question.

The question is about the scoring system or the government, asked in one design and
mode (docs/polls.md). A built-in mechanism that only reads: it draws from purposes ``polls/...`` and writes
nothing but its columns, so a run with polls gives every other metric bit for bit as
without. It acts after ``adapt`` (after approval has moved for the day).

What a respondent answers is the interview model's (:mod:`scoresim.mechanisms.interview`,
docs/polls.md): someone without the view claims it with probability ``1 - exp(-(F + S))``,
F the fear of a recorded answer, ``fear * exposure(mode) * sensitivity * income factor *
deterrent``, ``deterrent`` being the weight the decision rule gives to being recorded
once doing the dissent behaviour (:func:`scoresim.society.behave.deterrent`), and S the
pull of social desirability; a direct question may offer a neutral answer. This module
samples the respondents, computes F and S for each, and writes each poll's columns,
with its survey experiment's (:mod:`scoresim.mechanisms.experiment`) and its breakdowns
by the people's attributes. The hook reads only its :class:`PollsParams`, into which
the decision rule is copied when the scenario is compiled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoresim.config.models import ScenarioConfig
from scoresim.config.opinion import PollConfig, PollingConfig
from scoresim.config.types import per_group
from scoresim.core.crn import Keys, StepDraws
from scoresim.core.network import Network
from scoresim.mechanisms.experiment import CONTROL, Experiment, experiment_columns
from scoresim.mechanisms.interview import (
    NEUTRAL,
    PARTS,
    Answers,
    Replays,
    Respondents,
    summarise,
)
from scoresim.parts.base import Mechanism, On, same
from scoresim.society.behave import deterrent
from scoresim.society.events import StepEvents
from scoresim.society.params import BehaveParams, Labels, RegimeParams
from scoresim.society.state import CitizenState

NAME = "polls"
FIELDS = ("estimate", "low", "high", "truth", "n", "neutral", *PARTS)
RESPONDENT_COLUMNS: dict[str, type] = {
    "step": np.int32, "id": np.int64, "condition": np.object_, "asking": np.int8,
    "answer": np.int16, "treated": np.bool_, "hid": np.bool_, "view": np.bool_,
}  # fmt: skip
"""The respondents table's columns after ``poll``, with their dtypes (docs/model.md, section 8)."""
Ids = NDArray[np.int64]


BY_FIELDS = ("estimate", "truth", "n")


def categories(attribute: str, labels: Labels) -> tuple[str, ...]:
    """The categories a poll is reported by for ``attribute`` (sex, age or education)."""
    return {"sex": ("women", "men"), "age": labels.age_bands, "education": labels.education}[
        attribute
    ]


def poll_columns(poll: PollConfig, labels: Labels) -> tuple[str, ...]:
    """The metric columns of ``poll``.

    Its fields, its breakdowns by the people's attributes, then its experiment's arms
    and effects.
    """
    by = tuple(f"poll.{poll.name}.by.{a}.{c}.{f}" for a in poll.by
               for c in categories(a, labels) for f in BY_FIELDS)  # fmt: skip
    return tuple(f"poll.{poll.name}.{f}" for f in FIELDS) + by + experiment_columns(poll)


def _codes(attribute: str, state: CitizenState, who: Ids) -> NDArray[np.int64]:
    """(K,) each respondent's category index for ``attribute`` (women 0, men 1)."""
    people = state.people
    if attribute == "sex":
        return (~people.female[who]).astype(np.int64)
    return (people.age_band if attribute == "age" else people.education)[who].astype(np.int64)


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
        columns: each poll's metric columns (:func:`poll_columns`), in the polls' order.
        categories: the categories of each attribute a poll may be reported by.
        desirability: (G,) float64, each group's social-desirability hazard.
        presence: each mode's factor of it; desirability_women, desirability_per_decade:
            its factors for women and per decade of age over 45.
        neutral, refuge: the band of the undecided and the chance of refuge in a
            neutral answer.
    """

    polls: tuple[PollConfig, ...]
    fear: float
    income_elasticity: float
    exposure: dict[str, float]
    sensitivity: dict[str, float]
    online: NDArray[np.float64]
    rule: BehaveParams
    columns: tuple[tuple[str, ...], ...] = ()
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    desirability: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    presence: dict[str, float] = field(default_factory=dict)
    desirability_women: float = 1.0
    desirability_per_decade: float = 1.0
    neutral: float = 0.0
    refuge: float = 0.0


class PollsHook:
    """One run's polls: who is online (the frame), and each poll's row on its day."""

    name = NAME
    leaves_wealth = True  # it never writes wealth, so it may run beside the Gini's sort
    after = "adapt"

    def __init__(self, p: PollsParams, state: CitizenState, keys: Keys) -> None:
        self.p = p
        self.columns_of = {poll.name: p.columns[k] for k, poll in enumerate(p.polls)}
        self.columns = tuple(c for names in self.columns_of.values() for c in names)
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
        """(G + 1, C): the poll's columns (:func:`poll_columns`) per group and for all."""
        frame = np.flatnonzero(self.online) if poll.frame == "online" else np.arange(state.n)
        size = min(poll.size, frame.shape[0])
        u = d.at(f"{NAME}/{poll.name}/sample", frame)
        who = np.sort(frame[np.argsort(u, kind="stable")[:size]])
        r = self._respondents(poll, state, who)
        replays = Replays(poll, r, d)
        said, view = replays.actual, r.view
        exp = Experiment(poll, r, said, d) if poll.experiment is not None else None
        self._keep(poll, state.step, who, exp, said, view)
        g_n = len(state.bounds) - 1
        rows = np.full((g_n + 1, len(self.columns_of[poll.name])), math.nan)
        group = state.group[who]
        codes = [(_codes(a, state, who), len(self.p.categories[a])) for a in poll.by]
        for g in range(g_n + 1):
            everyone = np.ones(who.shape[0], np.bool_) if g == g_n else group == g
            # An experiment's own columns describe the uninformed answers: the control
            # arm's (between), or everyone's first (within).
            m = everyone if exp is None else everyone & exp.base_mask
            rows[g, :5] = summarise(poll, said.said, said.treated, view, m)
            if m.any():
                rows[g, 5] = float((said.said[m] == NEUTRAL).mean())
                rows[g, 6 : len(FIELDS)] = replays.parts(m, rows[g, 3])
            k = len(FIELDS)
            for code, count in codes:
                for c in range(count):
                    est, _, _, truth, n = summarise(
                        poll, said.said, said.treated, view, m & (code == c)
                    )
                    rows[g, k : k + 3] = est, truth, n
                    k += len(BY_FIELDS)
            if exp is not None:
                rows[g, k:] = exp.row(everyone)
        return rows

    def _keep(self, poll: PollConfig, step: int, who: Ids, exp: Experiment | None,
              said: Answers, view: NDArray[np.bool_]) -> None:  # fmt: skip
        """Keep the poll's rows of the respondents table (one per respondent and asking)."""
        names = ("", *(poll.experiment.arms if poll.experiment else ()))
        names = tuple(CONTROL if k == 0 and exp is not None else n for k, n in enumerate(names))
        askings = [(1, np.zeros_like(who), said, view)] if exp is None else exp.respondents()
        parts = [{
            "step": np.full(who.shape[0], step, np.int32), "id": who,
            "condition": np.array(names, dtype=object)[cond], "asking": np.full(who.shape[0], k, np.int8),
            "answer": a.said.astype(np.int16), "treated": a.treated, "hid": a.hid, "view": v,
        } for k, cond, a, v in askings]  # fmt: skip
        self.asked[poll.name] = {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}

    def _respondents(self, poll: PollConfig, state: CitizenState, who: Ids) -> Respondents:
        """The private positions of ``who`` and their fear and desirability hazards."""
        p = self.p
        if poll.question == "scoring_system":
            x = state.traits["approval"][who].astype(np.float64)
        else:
            x = state.stance[who].astype(np.float64)
        fear = np.zeros(who.shape[0])
        dissent = p.rule.dissent
        if dissent >= 0:
            weight = p.fear * p.exposure[poll.mode] * p.sensitivity[poll.question]
            exposed = (state.income[who].astype(np.float64) / self.median) ** p.income_elasticity
            fear = weight * exposed * deterrent(state, p.rule, dissent, who)
        desirability = p.desirability[state.group[who]] * p.presence[poll.mode]
        people = state.people
        if people.female.size:
            desirability = desirability * np.where(people.female[who], p.desirability_women, 1.0)
        if people.age.size:
            decades = (people.age[who].astype(np.float64) - 45.0) / 10.0
            desirability = desirability * p.desirability_per_decade**decades
        return Respondents(who, x, fear, desirability, p.neutral, p.refuge)

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
            for k, column in enumerate(self.columns_of[poll.name]):
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
            columns=tuple(poll_columns(poll, labels) for poll in config.polls),
            categories={a: categories(a, labels) for a in ("sex", "age", "education")},
            desirability=np.array(per_group(iv.desirability, labels.groups), dtype=np.float64),
            presence=iv.presence.model_dump(),
            desirability_women=iv.desirability_women,
            desirability_per_decade=iv.desirability_per_decade,
            neutral=iv.neutral,
            refuge=iv.refuge,
        )

    def columns(self, config: PollingConfig, labels: Labels) -> tuple[str, ...]:
        """Per poll: ``poll.<name>.<field>`` for each of :data:`FIELDS`, and its experiment's."""
        return tuple(c for poll in config.polls for c in poll_columns(poll, labels))

    def changed(self, old: PollsParams, new: PollsParams) -> str | None:
        """Polls may change during a run, but who is online is drawn on day 0."""
        if not same(old.online, new.online):
            return "who is online is drawn on day 0 (interviews' online shares would change)"
        return None

    def start(self, params: PollsParams, labels: Labels, regime: RegimeParams,
              state: CitizenState, net: Network, keys: Keys) -> PollsHook:  # fmt: skip
        """Draw who is online and start the hook (``regime`` is not read)."""
        return PollsHook(params, state, keys)
