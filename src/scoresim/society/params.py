"""Compiled, frozen numbers the core reads (``*Params``); built once by ``engine.compile``.

Shapes use G groups, B behaviours, S sources, T tiers and O opportunities. Arrays are
never written after compilation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from scoresim.society.people import PeopleParams

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]
I32 = NDArray[np.int32]
Bool = NDArray[np.bool_]
U8 = NDArray[np.uint8]

COUPLING_SCORE = 0
COUPLING_LIST = 1


@dataclass(frozen=True)
class PopulationParams:
    """Trait distributions per group.

    Attributes:
        group_shares: (G,) float64, shares summing to 1.
        stance_mean, stance_sd: (G,) float64, normal clipped to [-1, 1].
        risk_mean, risk_sd: (G,) float64, normal clipped to [0, 1].
        income_log_median, income_sigma: (G,) float64, log-normal income in CNY/year.
        base_logit: (G, B) float64, log-odds of the pressure-free daily rate at stance 0.
        heterogeneity: (B,) float64, sd of each person's log-odds around the group's.
        awareness: share of people who know they are scored.
        consent: share of the aware who consent to be scored (read with consent_required).
        informant_share: share of supportive people who inform, from the one source with
            informants (a check refuses a second); 0 without one.
        informant_min_stance: stance at or above which a person counts as supportive.
        behaviour_names: (B,) names, which key each behaviour's random draws.

    The start values of other parts' state are copied in when the scenario is compiled
    (:func:`scoresim.engine.compile_parts.start_values`), so that setting people up
    reads this object alone:

        stance_weight: (B,) float32, :attr:`BehaveParams.stance_weight`.
        conform_idx: (C,) int32, :attr:`BehaveParams.conform_idx`.
        score_start: :attr:`ScoreParams.start`, everyone's first score.
        start_tier: the tier of ``score_start`` (:attr:`ScoreParams.tier_of`).
        tolerances: the number of behaviours with a tolerance (rows of the counters).
        prior_risk: (B,) float32, :attr:`AdaptParams.prior_risk`.
        ringtone: whether a shaming ringtone can tell callers (:class:`ShamingParams`),
            which needs one flag per tie.
        people: age, sex and education (:class:`~scoresim.society.people.PeopleParams`).
    """

    group_shares: F64
    stance_mean: F64
    stance_sd: F64
    risk_mean: F64
    risk_sd: F64
    income_log_median: F64
    income_sigma: F64
    base_logit: F64
    heterogeneity: F64
    awareness: float
    consent: float
    informant_share: float
    informant_min_stance: float
    behaviour_names: tuple[str, ...]
    stance_weight: F32 = field(default_factory=lambda: np.zeros(0, np.float32))
    conform_idx: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    score_start: int = 0
    start_tier: int = 0
    tolerances: int = 0
    prior_risk: F32 = field(default_factory=lambda: np.zeros(0, np.float32))
    ringtone: bool = False
    people: PeopleParams = field(default_factory=PeopleParams)


@dataclass(frozen=True)
class BehaveParams:
    """The decision rule of ``behave`` (see docs/model.md, section 4).

    The fields from ``coupling`` on are other parts' numbers, copied in when the
    scenario is compiled (:mod:`scoresim.engine.compile_parts`), because people weigh
    the points and the list they expect and the shame a listing brings.

    Attributes:
        stance_weight: (B,) float32, change of log-odds per unit of stance.
        conformity: (B,) float32, weight of neighbours' observed behaviour in log-odds.
        conform_idx: (C,) int32, behaviours with conformity > 0 (rows of ``state.seen``).
        penalty: (B,) float32, points lost per recorded act / 100.
        listing_stake: (B,) float32, the blacklist's ``stake`` / 100 for entry events
            under list coupling, else 0.
        reward: (B,) float32, points won per recorded act / 100.
        deterrence, stakes, proximity_margin, shame_aversion, reward_sensitivity:
            decision-rule weights.
        dissent: index of the dissent behaviour, or -1.
        dissent_window: steps over which expressed dissent is counted.
        behaviour_names: (B,) the scenario's names, which key the ``act/<behaviour>``
            draws (see :mod:`scoresim.core.crn`), so that a draw does not move when
            another behaviour is added.
        coupling: copied from :attr:`ScoreParams.coupling`: under score coupling the
            list deters through the score's proximity to its threshold, under list
            coupling through the entry events.
        tol_rows, tol_free, tol_period: (K,) int32, copied from the same fields of
            :class:`ScoreParams`: a record within a period's free ones costs nothing,
            and people know their own records (:func:`scoresim.society.behave.priced`).
        has_list: copied from :attr:`ListParams.has_list`.
        threshold: copied from :attr:`ListParams.threshold`, the score whose
            proximity deters (score coupling).
        entry_events: (B,) bool, copied from :attr:`ListParams.entry_events`, the
            behaviours whose records list a person (list coupling).
        exposure: copied from :attr:`ShamingParams.exposure` (0 without shaming), the
            chance that a listing is made public, which the shame cost weighs.
        act_purposes: (B,) the purposes of the decisions' draws, ``act/<behaviour>``
            (derived when the scenario is compiled, as observe's are).
    """

    stance_weight: F32
    conformity: F32
    conform_idx: I32
    penalty: F32
    listing_stake: F32
    reward: F32
    deterrence: float
    stakes: float
    proximity_margin: float
    shame_aversion: float
    reward_sensitivity: float
    dissent: int
    dissent_window: int
    behaviour_names: tuple[str, ...]
    coupling: int
    tol_rows: I32
    tol_free: I32
    tol_period: I32
    has_list: bool
    threshold: int
    entry_events: Bool
    exposure: float
    act_purposes: tuple[str, ...]

    @property
    def n_behaviours(self) -> int:
        """B, the number of behaviours."""
        return int(self.stance_weight.shape[0])


@dataclass(frozen=True)
class ObserveParams:
    """The sources of ``observe``.

    Attributes:
        observes: (S, B) bool, which source records which behaviour.
        coverage: (S, G) float32, probability that an act (or a day, for false positives)
            of a member of group g falls under source s.
        false_positive: (S,) float32, false records per covered person-day per behaviour.
        misclassification: (S,) float32, share of recorded speech acts given the other
            speech label of the source.
        informant_report: (S,) float32, per-informant-neighbour report probability
            (0 for sources that are not informants).
        speech_pair: (S, B) int32, the other speech behaviour that source s's
            misclassification turns an act of b into (-1 where there is none).
        source_names: (S,) names, which key each source's draws.
        behaviour_names: (B,) :attr:`BehaveParams.behaviour_names`, copied when the
            scenario is compiled: with the source's name they key its draws
            (``detect/<source>/<behaviour>``, ...).

    Derived when the scenario is compiled, one row per (source, behaviour) pair a
    source watches, sources in order and each source's behaviours in order:

        pairs: (P, 2) int32, the source and the behaviour.
        pair_false: (P, G) float32, ``coverage[s] * false_positive[s]``, each group's
            daily probability of a false record.
        pair_misread: (P,) bool, whether a recorded act can be misread (the behaviour
            has a speech pair at that source, and its misclassification is above 0).
        pair_purposes: (3P,) the purposes of each pair's draws, ``detect/...``,
            ``misread/...`` and ``false/...`` in turn.
    """

    observes: Bool
    coverage: F32
    false_positive: F32
    misclassification: F32
    informant_report: F32
    speech_pair: I32
    source_names: tuple[str, ...]
    behaviour_names: tuple[str, ...]
    pairs: I32
    pair_false: F32
    pair_misread: Bool
    pair_purposes: tuple[str, ...]


@dataclass(frozen=True)
class ScoreParams:
    """The points of ``score``.

    Attributes:
        points: (B,) int32, points per recorded act.
        coupling: COUPLING_SCORE or COUPLING_LIST.
        start, lo, hi, recovery: score start value, bounds, points regained per step.
        tier_min: (T,) int32, lower bound of each tier, increasing.
        tier_of: (hi - lo + 1,) uint8, the tier of every possible score from ``lo``.
        consent_required: only people who consented are scored and paid perks.
        tol_rows: (K,) int32, behaviours with a tolerance (rows of ``state.tolerated``).
        tol_free: (K,) int32, records per period that cost nothing.
        tol_period: (K,) int32, the periods' length in steps.
    """

    points: I32
    coupling: int
    start: int
    lo: int
    hi: int
    recovery: int
    tier_min: I32
    tier_of: U8
    consent_required: bool
    tol_rows: I32
    tol_free: I32
    tol_period: I32


@dataclass(frozen=True)
class ListParams:
    """The blacklist of ``score`` (entries, exits, appeals) and its association penalty.

    Attributes:
        has_list: whether a blacklist exists (when not, the other fields are inert).
        threshold: score below which people are listed (score coupling).
        entry_events: (B,) bool, behaviours whose records list a person (list coupling).
        term: steps a listing lasts.
        extension: steps a new entry event (or a renewal) adds to a current listing;
            -1 restarts the listing for ``term`` steps instead.
        payment_exit: daily probability that a rightly listed person pays and exits.
        repair_exit: daily probability that a listed person exits by credit repair.
        appeal_share, appeal_success: probabilities; appeal_delay in steps.
        association_penalty: points lost per step per listed neighbour.
    """

    has_list: bool
    threshold: int
    entry_events: Bool
    term: int
    extension: int
    payment_exit: float
    repair_exit: float
    appeal_share: float
    appeal_success: float
    appeal_delay: int
    association_penalty: int


@dataclass(frozen=True)
class ConsequenceParams:
    """Opportunities denied and perks paid by ``consequences``.

    Attributes:
        demand: (O,) float64, daily probability of wanting each opportunity.
        value: (O,) float64, CNY gained when granted.
        denied_listed: (O,) bool, denied to the listed.
        denied_tier: (O, T) bool, denied to each tier.
        perk: (T,) float64, CNY per step paid to each tier.
        opportunity_names: (O,) names, which key each opportunity's draws.
        consent_required: copied from :attr:`ScoreParams.consent_required` when the
            scenario is compiled: where consent is required, only the consenting are
            paid perks.
        want_purposes: (O,) the purposes of the wanting draws, ``want/<opportunity>``
            (derived when the scenario is compiled).
        enforcement: (O,) float32, the chance that a listed person's attempt at an
            opportunity the list denies is blocked (1 where the scenario gives none).
        enforce_purposes: (O,) the purposes of those draws, ``enforce/<opportunity>``.
    """

    demand: F64
    value: F64
    denied_listed: Bool
    denied_tier: Bool
    perk: F64
    opportunity_names: tuple[str, ...]
    consent_required: bool
    want_purposes: tuple[str, ...]
    enforcement: F32
    enforce_purposes: tuple[str, ...]

    @property
    def n_opportunities(self) -> int:
        """O, the number of opportunities."""
        return int(self.demand.shape[0])


@dataclass(frozen=True)
class AssociationParams:
    """The association penalty: points lost for each listed neighbour.

    Every field is copied from the ``score`` part's objects when the scenario is
    compiled: the penalty is a number of the blacklist section, and it moves scores,
    which keep the scoring's bounds, tiers and consent.

    Attributes:
        penalty: copied from :attr:`ListParams.association_penalty`, points lost per
            step per listed neighbour (0 = off).
        lo, hi: copied from :attr:`ScoreParams.lo` and ``hi``, the score's bounds.
        tier_of: (hi - lo + 1,) uint8, copied from :attr:`ScoreParams.tier_of`, the
            tier of every possible score from ``lo``.
        consent_required: copied from :attr:`ScoreParams.consent_required`: where
            consent is required, only the consenting lose points.
    """

    penalty: int
    lo: int
    hi: int
    tier_of: U8
    consent_required: bool


@dataclass(frozen=True)
class AdaptParams:
    """The learning of ``adapt``: rates per step and the prior they start from.

    The fields from ``conform_idx`` on are other parts' numbers, copied in when the
    scenario is compiled: beliefs learn about the behaviours ``behave`` weighs and
    from the shaming channels.

    Attributes:
        learn_own, learn_social, forget, conformity_smoothing: rates per step.
        prior_risk: (B,) float32, initial perceived risk = true detection probability.
        conform_idx: (C,) int32, copied from :attr:`BehaveParams.conform_idx`, the
            behaviours whose sight is smoothed into ``state.seen`` (row k is
            behaviour ``conform_idx[k]``).
        penalised: (P,) int64, ascending, the behaviours a record or a listing costs
            something (``BehaveParams.penalty + BehaveParams.listing_stake > 0``,
            computed from them): news of a listing raises their perceived risk.
        dissent: copied from :attr:`BehaveParams.dissent`, the dissent behaviour
            whose last step is remembered, or -1.
        shame_effect: copied from :attr:`ShamingParams.shame_effect` (0 without
            shaming), the step of perceived risk for those who learn of a listing
            through a shaming channel.
    """

    learn_own: float
    learn_social: float
    forget: float
    conformity_smoothing: float
    prior_risk: F32
    conform_idx: I32
    penalised: NDArray[np.int64]
    dissent: int
    shame_effect: float

    @property
    def n_behaviours(self) -> int:
        """B, the number of behaviours."""
        return int(self.prior_risk.shape[0])


@dataclass(frozen=True)
class ShamingParams:
    """The shaming mechanism's rates (all 0 when the scenario has no ``shaming:``).

    Attributes:
        display_share, reach: public screens (share of the newly listed shown; share
            of everyone who sees them that day).
        ring_share, contact_rate: ringtone (share of the newly listed; daily
            probability that a neighbour calls).
        map_share, map_usage: deadbeat map (share of the newly listed; probability
            that a neighbour uses the map).
        exposure: probability that a listing is made public on some channel (copied
            into :attr:`BehaveParams.exposure` for the shame cost).
        tie_cut, shame_effect: probability that a confronted neighbour cuts the tie;
            step of perceived risk for those who learn through a channel (copied into
            :attr:`AdaptParams.shame_effect`).
        conform_idx: (C,) int32, copied from :attr:`BehaveParams.conform_idx` when the
            scenario is compiled: after a cut, the conformity references
            (``state.seen_ref``, row k for behaviour ``conform_idx[k]``) follow the
            ties left.
    """

    display_share: float = 0.0
    reach: float = 0.0
    ring_share: float = 0.0
    contact_rate: float = 0.0
    map_share: float = 0.0
    map_usage: float = 0.0
    exposure: float = 0.0
    tie_cut: float = 0.0
    shame_effect: float = 0.0
    conform_idx: I32 = field(default_factory=lambda: np.zeros(0, np.int32))


@dataclass(frozen=True)
class DriftParams:
    """The stance-drift mechanism's rates per step (0 = off).

    The fields from ``dissent`` on are copied from :class:`BehaveParams` when the
    scenario is compiled: the climate is the dissent people express, and a stance
    that moves moves the log-odds.

    Attributes:
        resentment: fraction of the way to -1 a stance moves on a sanctioned day.
        pressure: fraction of the way a stance moves each day towards the climate its
            active neighbours express.
        dissent: copied from :attr:`BehaveParams.dissent`, the dissent behaviour, or
            -1 (then there is no climate and no pressure).
        dissent_window: copied from :attr:`BehaveParams.dissent_window`, the steps
            within which a neighbour's dissent counts as voiced.
        stance_weight: (B,) float32, copied from :attr:`BehaveParams.stance_weight`,
            the change of each behaviour's log-odds per unit of stance.
    """

    resentment: float = 0.0
    pressure: float = 0.0
    dissent: int = -1
    dissent_window: int = 1
    stance_weight: F32 = field(default_factory=lambda: np.zeros(0, np.float32))

    @property
    def on(self) -> bool:
        """Whether stances move (either rate is above 0)."""
        return self.resentment > 0.0 or self.pressure > 0.0


@dataclass(frozen=True)
class MeasureParams:
    """What ``measure`` reads besides the state and the step's events.

    Every field is copied from another part's object when the scenario is compiled:
    the columns describe the others' work.

    Attributes:
        dissent: copied from :attr:`BehaveParams.dissent`, the dissent behaviour, or
            -1 (then the dissent columns are NaN).
        dissent_window: copied from :attr:`BehaveParams.dissent_window`, the steps
            within which dissent counts as expressed.
        lo, hi: copied from :attr:`ScoreParams.lo` and ``hi``, the bounds of the
            score histogram.
        stances_move: copied from :attr:`DriftParams.on`: while stances cannot move,
            the pressure-free silence of each window length is computed once.
        behaviours, tiers, opportunities: the scenario's names in declaration order,
            which name the per-behaviour, per-tier and per-opportunity columns.
    """

    dissent: int
    dissent_window: int
    lo: int
    hi: int
    stances_move: bool
    behaviours: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    opportunities: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegimeParams:
    """The compiled regime: one parameter object per part of the step.

    A container only: each part reads its own object and nothing else (the ``score``
    part reads ``score`` and ``listing``, the two sections it owns). What a part needs
    of another part's numbers is copied into its own object when the scenario is
    compiled (:mod:`scoresim.engine.compile`), field by field, each saying where it
    comes from. The mechanisms' objects (``shaming``, ``drift``) are compiled by the
    mechanism and are all zeros when the scenario does not switch it on.
    """

    behave: BehaveParams
    observe: ObserveParams
    score: ScoreParams
    listing: ListParams
    consequences: ConsequenceParams
    association: AssociationParams
    adapt: AdaptParams
    shaming: ShamingParams
    drift: DriftParams
    measure: MeasureParams

    @property
    def n_behaviours(self) -> int:
        """B, the number of behaviours."""
        return int(self.score.points.shape[0])

    @property
    def n_groups(self) -> int:
        """G, the number of groups."""
        return int(self.observe.coverage.shape[1])

    @property
    def n_opportunities(self) -> int:
        """O, the number of opportunities."""
        return int(self.consequences.demand.shape[0])


@dataclass(frozen=True)
class Labels:
    """Names used for output columns, in the order of the arrays they label."""

    groups: tuple[str, ...]
    behaviours: tuple[str, ...]
    kinds: tuple[str, ...]
    tiers: tuple[str, ...]
    opportunities: tuple[str, ...]
    education: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
