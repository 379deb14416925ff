"""The interview model: what each respondent answers, and where a poll's bias comes from.

docs/polls.md, "What a respondent would answer", defines it; :mod:`scoresim.mechanisms.polls`
samples the respondents and computes their hazards. Every function here is given the
step's draws and the respondents' ids, so that the same draws can be replayed with a
pressure switched off (the bias decomposition).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scoresim.config.opinion import PollConfig
from scoresim.core.crn import StepDraws
from scoresim.mechanisms import estimators

Ids = NDArray[np.int64]
F64 = NDArray[np.float64]
NEUTRAL = -1  # the answer code of a neutral answer
PARTS = ("bias_fear", "bias_desirability", "bias_neutral", "bias_design")


@dataclass(frozen=True)
class Answers:
    """What a poll's respondents said, with what the model knows of why.

    Attributes:
        said: (K,) int64, 1 yes / 0 no / -1 neutral, or the list design's item count.
        treated: (K,) bool, given the sensitive item (list design); False otherwise.
        hid: (K,) bool, does not hold the view and the claim draw made the answer state
            it: in the direct design everyone without the view who claimed; in the list
            design the treated at the floor (no control item) who claimed; none in the
            randomized-response design, whose device is private.
    """

    said: NDArray[np.int64]
    treated: NDArray[np.bool_]
    hid: NDArray[np.bool_]


@dataclass(frozen=True)
class Respondents:
    """The respondents of one poll and what presses on them.

    Attributes:
        who: (K,) int64 ids, sorted.
        x: (K,) float64, private approval (scoring system) or stance (government), [-1, 1].
        fear: (K,) float64, the fear hazard F (0 without a dissent behaviour).
        desirability: (K,) float64, the social-desirability hazard S.
        neutral: the half-width of the band of the undecided (``interviews.neutral``).
        refuge: the chance that a disapprover who does not claim answers neutral.
    """

    who: Ids
    x: F64
    fear: F64
    desirability: F64
    neutral: float
    refuge: float

    @property
    def view(self) -> NDArray[np.bool_]:
        """(K,) bool, holds the view privately (x > 0)."""
        return self.x > 0.0


def answers(poll: PollConfig, r: Respondents, hazard: F64, offered: bool, d: StepDraws) -> Answers:
    """What each respondent answers under the claim hazard ``hazard`` ((K,) float64).

    Args:
        poll: the poll.
        r: its respondents.
        hazard: the claim hazard per respondent: F + S, or a part of it.
        offered: whether the neutral answer is offered (the poll's ``neutral``, or False
            to replay the poll without it).
        d: the step's draws; purposes ``polls/<name>/...``.
    """
    key = f"polls/{poll.name}"
    who, view = r.who, r.view
    claims = d.at(f"{key}/answer", who) < -np.expm1(-hazard)
    afraid = ~view & claims
    treated = np.zeros(who.shape[0], np.bool_)
    if poll.design == "direct":
        if not offered:
            return Answers((view | afraid).astype(np.int64), treated, afraid)
        yes = (r.x > r.neutral) | claims
        undecided = np.abs(r.x) <= r.neutral
        against = ~yes & (r.x < -r.neutral)
        refuge = np.zeros_like(against)
        if r.refuge > 0:
            refuge = against & (d.at(f"{key}/refuge", who) < r.refuge)
        said = np.where(yes, 1, np.where(undecided | refuge, NEUTRAL, 0)).astype(np.int64)
        return Answers(said, treated, afraid)
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
    """The design's estimate and 95% interval from the answers (a neutral answer is not yes)."""
    if poll.design == "direct":
        return estimators.direct(said == 1)
    if poll.design == "list":
        return estimators.item_count(said, treated)
    return estimators.forced_response(said.astype(np.bool_), poll.forced.truth, poll.forced.yes)


def summarise(poll: PollConfig, said: NDArray[np.int64], treated: NDArray[np.bool_],
              view: NDArray[np.bool_], m: NDArray[np.bool_]) -> tuple[float, float, float, float, int]:  # fmt: skip
    """Estimate, low, high, private truth and count of the respondents ``m``.

    Args:
        poll: the poll asked.
        said: (K,) int64, the K respondents' answer codes.
        treated: (K,) bool, who was given the list's sensitive item.
        view: (K,) bool, who privately holds the view asked about.
        m: (K,) bool, the respondents to summarise.

    Returns:
        NaN for the four shares where ``m`` is empty; the count is an int.
    """
    n = int(m.sum())
    if not n:
        return math.nan, math.nan, math.nan, math.nan, 0
    return (*estimate(poll, said[m], treated[m]), float(view[m].mean()), n)


class Replays:
    """The poll's answers under each switch of the decomposition, on the same draws."""

    def __init__(self, poll: PollConfig, r: Respondents, d: StepDraws) -> None:
        zero = np.zeros_like(r.fear)
        offered = poll.neutral
        self.poll = poll
        self.actual = answers(poll, r, r.fear + r.desirability, offered, d)
        self.fear_only = answers(poll, r, r.fear, offered, d)
        self.desirability_only = answers(poll, r, r.desirability, offered, d)
        self.honest = answers(poll, r, zero, offered, d)
        self.honest_yes_no = answers(poll, r, zero, False, d) if offered else self.honest

    def _e(self, a: Answers, m: NDArray[np.bool_]) -> float:
        return estimate(self.poll, a.said[m], a.treated[m])[0]

    def parts(self, m: NDArray[np.bool_], truth: float) -> tuple[float, float, float, float]:
        """The four parts of the bias of the respondents ``m`` ((K,) bool).

        ``bias_fear``, ``bias_desirability``, ``bias_neutral`` and ``bias_design``
        (docs/polls.md); with ``truth`` the respondents' true share, they sum to the
        estimate less the truth.
        """
        both, f, s, none = (self._e(a, m) for a in (self.actual, self.fear_only,
                                                   self.desirability_only, self.honest))  # fmt: skip
        yes_no = self._e(self.honest_yes_no, m)
        fear = 0.5 * ((f - none) + (both - s))
        desirability = 0.5 * ((s - none) + (both - f))
        return fear, desirability, none - yes_no, yes_no - truth
