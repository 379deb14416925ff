"""Survey experiments: respondents randomised to a control and arms of information.

docs/polls.md, "Survey experiments", defines them. An arm's information acts only
inside the interview: it moves the private position and the fear of those who take it
in, for the answer they give, and nothing of the society (polls only read). Each
respondent keeps their answer draw across conditions, so in the within design the
difference between a person's two answers is the information's alone.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from numpy.typing import NDArray

from scoresim.config.opinion import ArmConfig, PollConfig
from scoresim.core.crn import StepDraws
from scoresim.mechanisms import estimators
from scoresim.mechanisms.interview import Answers, Respondents, answers, summarise

ARM_FIELDS = ("estimate", "low", "high", "truth", "n")
EFFECT_FIELDS = ("estimate", "low", "high", "truth")
CONTROL = "control"


def experiment_columns(poll: PollConfig) -> tuple[str, ...]:
    """The arm and effect columns of ``poll``'s experiment (none without one)."""
    if poll.experiment is None:
        return ()
    out: list[str] = []
    for arm in poll.experiment.arms:
        out += [f"poll.{poll.name}.arm.{arm}.{f}" for f in ARM_FIELDS]
        out += [f"poll.{poll.name}.effect.{arm}.{f}" for f in EFFECT_FIELDS]
    return tuple(out)


def conditions(poll: PollConfig, who: NDArray[np.int64], d: StepDraws) -> NDArray[np.int64]:
    """(K,) int64, each respondent's condition: 0 control, k the k-th arm.

    The respondents taken in order of their ``polls/<name>/condition`` uniforms, arm k
    gets positions ``floor(S_(k-1) K + 0.5)`` to ``floor(S_k K + 0.5) - 1``, S_k the sum
    of the first k arms' shares (rounding the running total, so no arm is starved by
    the rounding of those before it); the rest are the control.
    """
    assert poll.experiment is not None
    k_all = who.shape[0]
    order = np.argsort(d.at(f"polls/{poll.name}/condition", who), kind="stable")
    cond = np.zeros(k_all, np.int64)
    total, start = 0.0, 0
    for k, arm in enumerate(poll.experiment.arms.values(), 1):
        total += arm.share
        end = min(math.floor(total * k_all + 0.5), k_all)
        cond[order[start:end]] = k
        start = end
    return cond


def informed(poll: PollConfig, name: str, arm: ArmConfig, r: Respondents, d: StepDraws) -> Respondents:  # fmt: skip
    """The respondents as they would be after arm ``name``'s information."""
    learned = d.at(f"polls/{poll.name}/learn/{name}", r.who) < arm.learn
    x = np.where(learned, np.clip(r.x + arm.approval, -1.0, 1.0), r.x)
    return dataclasses.replace(r, x=x, fear=np.where(learned, r.fear * arm.fear, r.fear))


class Experiment:
    """One poll's experiment on the day it is asked: conditions and each arm's answers."""

    def __init__(self, poll: PollConfig, r: Respondents, base: Answers, d: StepDraws) -> None:
        assert poll.experiment is not None
        self.poll, self.r, self.base = poll, r, base
        self.within = poll.experiment.assignment == "within"
        self.cond = conditions(poll, r.who, d)
        self.arms: list[tuple[Respondents, Answers]] = []
        for name, arm in poll.experiment.arms.items():
            ra = informed(poll, name, arm, r, d)
            self.arms.append((ra, answers(poll, ra, ra.fear + ra.desirability, poll.neutral, d)))

    @property
    def base_mask(self) -> NDArray[np.bool_]:
        """(K,) bool, whose uninformed answers the poll's own columns describe."""
        return np.ones_like(self.cond, np.bool_) if self.within else self.cond == 0

    def row(self, m: NDArray[np.bool_]) -> list[float]:
        """The arm and effect fields, in :func:`experiment_columns`'s order, of rows ``m``."""
        out: list[float] = []
        yes0 = (self.base.said == 1).astype(np.float64)
        control = m & (self.cond == 0)
        for k, (ra, said) in enumerate(self.arms, 1):
            mine = m & (self.cond == k)
            *fields, n = summarise(self.poll, said.said, said.treated, ra.view, mine)
            out += [*fields, float(n)]
            yes = (said.said == 1).astype(np.float64)
            if self.within:
                effect = estimators.paired(yes[mine] - yes0[mine])
            else:
                effect = estimators.difference(yes[mine], yes0[control])
            moved = ra.view[mine].astype(np.float64) - self.r.view[mine]
            out += [*effect, float(moved.mean()) if n else math.nan]
        return out

    def respondents(self) -> list[tuple[int, NDArray[np.int64], Answers, NDArray[np.bool_]]]:
        """Each asking: (1 or 2, condition per respondent, answers, private view).

        Between: one asking, each respondent in their condition. Within: the first
        asking uninformed, the second in their condition.
        """
        said = self.base.said.copy()
        hid, view = self.base.hid.copy(), self.r.view.copy()
        for k, (ra, a) in enumerate(self.arms, 1):
            mine = self.cond == k
            said[mine], hid[mine], view[mine] = a.said[mine], a.hid[mine], ra.view[mine]
        informed_answers = Answers(said, self.base.treated, hid)
        if not self.within:
            return [(1, self.cond, informed_answers, view)]
        return [(1, self.cond, self.base, self.r.view), (2, self.cond, informed_answers, view)]
