"""The ``approval:``, ``interviews:`` and ``polls:`` sections of a scenario.

What people think of the scoring system and what they tell an interviewer; their
cross-field checks are in :mod:`scoresim.config.checks`.

The mechanisms that use them are :mod:`scoresim.mechanisms.approval` and
:mod:`scoresim.mechanisms.polls`; docs/polls.md describes the designs.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from scoresim import limits
from scoresim.config.types import PerGroup, Probability, StrictModel

Attitude = Annotated[float, Field(ge=-1.0, le=1.0)]
Rate = Annotated[float, Field(ge=0.0, le=1.0)]
PollName = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]


class _Model(StrictModel):
    """A scenario section (strict; see scoresim.config.types)."""


class InformationEvent(_Model):
    """News about the system reaching a random share of everyone on one day."""

    day: Annotated[int, Field(ge=0, le=100_000)]
    reach: Probability
    effect: Annotated[float, Field(ge=-2.0, le=2.0)]  # added to approval, then clipped


class ApprovalConfig(_Model):
    """Private approval of the scoring system, in [-1, 1]; approving means > 0.

    Every ``*_effect`` moves a person's approval the given fraction of the way to +1
    (``perk``, ``order``, ``condemn``) or to -1 (``sanction``, ``wrongful``,
    ``sympathy``) per day that it applies (docs/model.md, section 6).
    """

    mean: Attitude | dict[str, Attitude] = 0.5
    sd: Annotated[float, Field(ge=0.0, le=2.0)] = 0.4
    stance_correlation: Attitude = 0.5
    perk_effect: Rate = 0.0
    order_effect: Rate = 0.0
    sanction_effect: Rate = 0.0
    wrongful_effect: Rate = 0.0
    condemn_effect: Rate = 0.0
    sympathy_effect: Rate = 0.0
    information: Annotated[list[InformationEvent], Field(max_length=limits.INFORMATION_EVENTS)] = (
        Field(default_factory=list)
    )


class ModesConfig(_Model):
    """How exposed an answer feels in each interview mode (1 = on camera in the street)."""

    street: Probability = 1.0
    phone: Probability = 0.5
    online: Probability = 0.1


class SensitivityConfig(_Model):
    """How dangerous a disapproving answer to each question feels (1 = as criticism)."""

    government: Annotated[float, Field(ge=0.0, le=10.0)] = 1.0
    scoring_system: Annotated[float, Field(ge=0.0, le=10.0)] = 1.0


class PresenceConfig(_Model):
    """How strongly each interview mode draws socially desirable answers (1 = face to face)."""

    street: Probability = 1.0
    phone: Probability = 0.7
    online: Probability = 0.3


Hazard = Annotated[float, Field(ge=0.0, le=100.0)]
Factor = Annotated[float, Field(gt=0.0, le=10.0)]


class InterviewsConfig(_Model):
    """What a person tells an interviewer.

    A person who privately disapproves claims approval with probability ``1 - exp(-(F +
    S))``: F is fear, ``fear * mode * sensitivity * (income / median income) **
    income_elasticity * risk_aversion * perceived_risk * cost``, where
    ``perceived_risk`` and ``cost`` are those of one act of the dissent behaviour; S is
    social desirability, ``desirability * presence * desirability_women ** female *
    desirability_per_decade ** ((age - 45) / 10)``. Where a poll offers a neutral
    answer, those within ``neutral`` of indifference answer neutral unless they claim,
    and a disapprover who does not claim takes refuge in it with chance ``refuge``
    (docs/polls.md).
    """

    fear: Annotated[float, Field(ge=0.0, le=100.0)] = 1.0
    modes: ModesConfig = ModesConfig()
    sensitivity: SensitivityConfig = SensitivityConfig()
    income_elasticity: Annotated[float, Field(ge=0.0, le=3.0)] = 0.0
    online: PerGroup = 0.7
    desirability: Hazard | dict[str, Hazard] = 0.0
    presence: PresenceConfig = PresenceConfig()
    desirability_women: Factor = 1.0
    desirability_per_decade: Factor = 1.0
    neutral: Probability = 0.0
    refuge: Probability = 0.0


class ForcedResponse(_Model):
    """Forced-response randomisation: answer truly, or say yes, or say no."""

    truth: Annotated[float, Field(gt=0.0, le=1.0)] = 0.75
    yes: Probability = 0.125


ArmName = Annotated[str, Field(min_length=1, max_length=30, pattern=r"^[a-z][a-z0-9_]*$")]


class ArmConfig(_Model):
    """One treatment arm of a survey experiment: information given before the question.

    Attributes:
        share: the share of respondents assigned to the arm (exact, by a random order).
        learn: the chance that a respondent of the arm takes the information in.
        approval: added to the private position (approval, or stance for the
            government question) of those who take it in, then clipped to [-1, 1].
        fear: multiplies the fear hazard of those who take it in.
    """

    share: Annotated[float, Field(gt=0.0, le=1.0)]
    learn: Probability = 1.0
    approval: Annotated[float, Field(ge=-2.0, le=2.0)] = 0.0
    fear: Annotated[float, Field(ge=0.0, le=10.0)] = 1.0


class ExperimentConfig(_Model):
    """A survey experiment: respondents randomised to a control and treatment arms.

    ``between``: each respondent is asked once, in the condition assigned. ``within``:
    each is asked, then given the information of the arm assigned, then asked again
    (those assigned to control are asked twice with nothing between).
    """

    assignment: Literal["between", "within"] = "between"
    arms: Annotated[dict[ArmName, ArmConfig], Field(min_length=1, max_length=limits.ARMS)]


class PollConfig(_Model):
    """One poll: who is asked what, how, on which day."""

    name: PollName
    day: Annotated[int, Field(ge=0, le=100_000)]
    question: Literal["scoring_system", "government"]
    design: Literal["direct", "list", "randomized_response"] = "direct"
    mode: Literal["street", "phone", "online"] = "online"
    size: Annotated[int, Field(ge=10, le=limits.POLL_SIZE)] = 1000
    frame: Literal["everyone", "online"] = "everyone"
    control: Annotated[list[Probability], Field(min_length=1, max_length=10)] = Field(
        default_factory=lambda: [0.3, 0.5, 0.7]
    )
    forced: ForcedResponse = ForcedResponse()
    # The question offers a neutral answer (direct design only).
    neutral: bool = False
    # A survey experiment (direct design only; docs/polls.md).
    experiment: ExperimentConfig | None = None
    # Attributes of the people (drawn by the scenario's people: section) to report the
    # poll's estimate by, as metric columns poll.<name>.by.<attribute>.<category>.*.
    by: Annotated[list[Literal["sex", "age", "education"]], Field(max_length=3)] = Field(
        default_factory=list
    )


class PollingConfig(_Model):
    """The polls mechanism's section: the scenario's ``polls:`` and ``interviews:``."""

    polls: list[PollConfig]
    interviews: InterviewsConfig = InterviewsConfig()
