"""Pydantic models of a scenario file: what users write.

A scenario is a mapping; behaviours, sources, opportunities, tiers and rewards are
mappings keyed by name, so that an override path reads like
``sources.street_cameras.coverage``. Cross-references (a source observing a
behaviour, a sanction denying an opportunity) are checked after parsing, in
:mod:`scoresim.config.checks`, so that every message can name the field path.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, PrivateAttr

from scoresim import limits
from scoresim.config.opinion import ApprovalConfig, InterviewsConfig, PollConfig
from scoresim.config.people import PeopleConfig
from scoresim.config.timeline import Timeline, iso_date
from scoresim.config.types import PerGroup, Probability, StrictModel

__all__ = ["PerGroup", "Probability"]

Points = Annotated[int, Field(ge=-32768, le=32767)]
Weight = Annotated[float, Field(ge=0.0, le=1000.0)]
Money = Annotated[float, Field(ge=-1e9, le=1e9)]
Steps = Annotated[int, Field(ge=1, le=100_000)]
BehaviourKind = Literal["conduct", "consumption", "speech", "financial", "prosocial"]
Gravity = Literal["lawful", "minor", "serious"]
Context = Annotated[str, Field(min_length=1, max_length=60)]
# A regime's name becomes a folder name (compare --out DIR/NAME) and a table heading.
RegimeName = Annotated[
    str, Field(min_length=1, max_length=limits.NAME_CHARS, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
]


class _Model(StrictModel):
    """A scenario section (strict; see scoresim.config.types)."""


class Normal(_Model):
    """A normal distribution, clipped to the trait's range after drawing."""

    mean: Annotated[float, Field(ge=-1e6, le=1e6)]
    sd: Annotated[float, Field(ge=0.0, le=100.0)]


class LogNormal(_Model):
    """A log-normal distribution given by its median and the sd of its logarithm."""

    median: Annotated[float, Field(gt=0.0, le=1e9)]
    sigma: Annotated[float, Field(ge=0.0, le=5.0)]


class GroupConfig(_Model):
    """A part of the population with its own trait distributions."""

    share: Annotated[float, Field(gt=0.0, le=1.0)]
    stance: Normal
    risk_aversion: Normal
    income: LogNormal


class BehaviourConfig(_Model):
    """Something people may do on a day, with its pressure-free daily rate."""

    kind: BehaviourKind
    base_rate: PerGroup
    # For the audit: how grave the act is. Unset, it follows the kind: speech,
    # consumption and prosocial acts are lawful, conduct is minor, financial serious.
    gravity: Gravity | None = None
    stance_weight: Annotated[float, Field(ge=-100.0, le=100.0)] = 0.0
    heterogeneity: Annotated[float, Field(ge=0.0, le=10.0)] = 0.5
    conformity: Weight = 0.0


class InformantConfig(_Model):
    """Supportive neighbours who report what they hear."""

    share: Probability
    min_stance: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.0
    report_probability: Probability


class SourceConfig(_Model):
    """A surveillance source: what it watches, whom, and how it errs."""

    behaviours: list[str]
    coverage: PerGroup
    context: Context | None = None  # where its data arises, e.g. "finance" (for the audit)
    false_positive_rate: Probability = 0.0
    misclassification: Probability = 0.0
    informants: InformantConfig | None = None


class TierConfig(_Model):
    """A score band, from its lower bound up to the next tier's."""

    min: Points
    denies: list[str] = Field(default_factory=list)


class AppealsConfig(_Model):
    """Appeals by the wrongly listed."""

    share: Probability = 0.0
    success: Probability = 0.0
    delay: Annotated[int, Field(ge=0, le=100_000)] = 15


class ToleranceConfig(_Model):
    """Records of a behaviour that cost nothing: the first ``free`` in each period.

    Periods are ``period`` steps long, starting at step 0; from the ``free + 1``-th
    record of a period on, each record costs the behaviour's points, so punishment
    grows with the amount beyond the tolerance (Daymude, Axelrod & Forrest's
    proportional punishment; docs/model.md).
    """

    free: Annotated[int, Field(ge=0, le=10_000)]
    period: Steps


class ScoringConfig(_Model):
    """How observed behaviour becomes points, and what the score's tiers are.

    ``awareness`` is the share of people who know they are scored; only they respond
    to points and perks. ``consent`` is the share of the aware who consent to be
    scored; it is read only with ``consent_required``, when only the consenting are
    scored and paid perks, while the records of everyone are still kept (and, under
    list coupling, still list people). Nobody consents to what they do not know of.
    """

    coupling: Literal["score", "list"] = "score"
    start: int = 1000
    min: int = 0
    max: int = 2000
    recovery: Annotated[int, Field(ge=0, le=32767)] = 0
    awareness: Probability = 1.0
    consent: Probability = 1.0
    consent_required: bool = False
    points: dict[str, Points] = Field(default_factory=dict)
    tolerance: dict[str, ToleranceConfig] = Field(default_factory=dict)
    tiers: dict[str, TierConfig]


class BlacklistConfig(_Model):
    """Who is put on the list, for how long, what it denies, and how one gets off.

    ``term`` is the length of a listing in steps. A new entry event (list coupling),
    or a renewal at the end of the term (score coupling), extends a current listing by
    ``extension`` steps, or, when ``extension`` is not given, restarts it for ``term``
    steps from that day.
    """

    threshold: Points | None = None
    entry_events: list[str] = Field(default_factory=list)
    term: Steps = 730
    extension: Steps | None = None
    payment_exit: Probability = 0.0
    # Daily probability that a listed person leaves the list by credit repair (list
    # coupling), a route the court list opened later than payment.
    repair_exit: Probability = 0.0
    stake: Annotated[int, Field(ge=0, le=32767)] = 0
    denies: list[str] = Field(default_factory=list)
    # Per denied opportunity: the chance that a listed person's attempt is blocked (1
    # where not given), as the agencies' systems enforce the list more or less fully.
    enforcement: dict[str, Probability] = Field(default_factory=dict)
    appeals: AppealsConfig = AppealsConfig()
    # A court's decision rather than a score (for the audit, Recital 31).
    legal_basis: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    association_penalty: Annotated[int, Field(ge=0, le=32767)] = 0


class OpportunityConfig(_Model):
    """Something people want now and then, which a sanction may deny."""

    demand: Probability
    value: Money = 0.0
    context: Context | None = None  # the part of life it belongs to (for the audit)


class RewardConfig(_Model):
    """A perk paid every day to the people in the given tiers."""

    tiers: list[str]
    value: Annotated[float, Field(ge=0.0, le=1e9)]
    context: Context | None = None  # the part of life the perk belongs to (for the audit)


class ScreensConfig(_Model):
    """Public screens: faces of listed people shown in the street."""

    display_share: Probability
    reach: Probability


class RingtoneConfig(_Model):
    """A ringtone telling every caller that the person is listed."""

    share: Probability
    contact_rate: Probability


class MapConfig(_Model):
    """A "deadbeat map": an app showing listed people nearby to their neighbours."""

    share: Probability
    usage: Probability


class ShamingConfig(_Model):
    """How listed people are made known, and what that does to those who learn of it.

    Each channel takes a share of the newly listed. Screens are seen by a random
    ``reach`` share of everyone on the day a person is first shown, and confront all
    the person's neighbours; the map shows the person to each neighbour who uses it
    (probability ``usage``) on the day of listing; the ringtone tells each neighbour
    who calls (probability ``contact_rate`` per day) for as long as the listing lasts.
    A neighbour confronted with a listing for the first time cuts the tie with
    probability ``tie_cut_probability``; strangers at the screens, map users and
    callers move their perceived risk towards certainty by ``risk_effect``.
    """

    tie_cut_probability: Probability = 0.0
    risk_effect: Probability = 0.0
    screens: ScreensConfig | None = None
    ringtone: RingtoneConfig | None = None
    map: MapConfig | None = None


class StanceDriftConfig(_Model):
    """Private stance that moves: off unless a scenario names it.

    ``resentment`` moves a sanctioned person's stance towards -1 by that fraction
    (sanctioned: newly listed or denied an opportunity; points alone do not count);
    ``pressure`` moves everyone's stance each day towards the climate
    their neighbours express (+1 where nobody voiced dissent in the dissent window,
    -1 where all did).
    """

    resentment: Probability = 0.0
    pressure: Probability = 0.0


class NetworkConfig(_Model):
    """The social network generator."""

    mean_degree: Annotated[int, Field(ge=2, le=100, multiple_of=2)] = 10
    homophily: Probability = 0.6
    rewire: Probability = 0.3


class ResponseConfig(_Model):
    """How people respond to the regime (the decision rule's weights)."""

    deterrence: Weight = 4.0
    stakes: Weight = 2.0
    proximity_margin: Annotated[float, Field(ge=1.0, le=1e6)] = 100.0
    shame_aversion: Weight = 2.0
    reward_sensitivity: Weight = 2.0
    learn_own: Probability = 0.2
    learn_social: Probability = 0.05
    forget: Probability = 0.01
    conformity_smoothing: Probability = 0.1
    dissent_window: Annotated[int, Field(ge=1, le=100_000)] = 30


class ScenarioConfig(_Model):
    """A whole regime applied to a synthetic society."""

    name: RegimeName
    description: Annotated[str, Field(max_length=limits.DESCRIPTION_CHARS)] = ""
    groups: dict[str, GroupConfig]
    # Age, sex and education, drawn with the group (scoresim.config.people).
    people: PeopleConfig | None = None
    network: NetworkConfig = NetworkConfig()
    behaviours: dict[str, BehaviourConfig]
    dissent_behaviour: str | None = None
    sources: dict[str, SourceConfig] = Field(default_factory=dict)
    scoring: ScoringConfig
    blacklist: BlacklistConfig | None = None
    opportunities: dict[str, OpportunityConfig] = Field(default_factory=dict)
    rewards: dict[str, RewardConfig] = Field(default_factory=dict)
    shaming: ShamingConfig | None = None
    response: ResponseConfig = ResponseConfig()
    stance_drift: StanceDriftConfig | None = None
    approval: ApprovalConfig | None = None
    interviews: InterviewsConfig = InterviewsConfig()
    polls: Annotated[list[PollConfig], Field(max_length=limits.POLLS)] | None = None
    # The date of day 0, so that a timeline's days may be written as dates (a date or
    # YYYY-MM-DD text; a number would be read as a Unix time).
    start_date: Annotated[datetime.date, BeforeValidator(iso_date), Field(strict=False)] | None = (
        None
    )
    # Dated changes of the regime's fields (scoresim.config.timeline).
    timeline: Timeline | None = None
    # Plug-in mechanisms by name, each section validated by its mechanism's own model
    # (scoresim.mechanisms); their order is the order they act within a phase.
    mechanisms: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # Each mechanisms: section as its own model validated it, set by the loader, which
    # validated them: compiling the scenario uses these rather than validating again.
    _sections: dict[str, BaseModel] = PrivateAttr(default_factory=dict)

    def mechanism_section(self, name: str) -> BaseModel | None:
        """The section of plug-in ``name`` as its model validated it on load; None if not loaded so."""
        return self._sections.get(name)
