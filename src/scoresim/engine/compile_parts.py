"""One compile step per part of the regime, each making its phase's parameter object.

Each step turns its sections of a validated scenario into the frozen parameter object
of :mod:`scoresim.society.params` that its phase reads, and nothing else: a phase
reads only its own object. What a part needs of another part's numbers is copied
into its object here, from the other part's compiled object (which the step takes as
an argument), so that each value is derived once, by its owner. Every derived value
(penalties per 100 points, prior perceived risk, speech pairs, the tier of each
score) is computed here once and never stored elsewhere as a default. The steps share
the scenario's index of names (:class:`Names`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from math import erf, sqrt
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoresim.config.models import ScenarioConfig
from scoresim.config.people import band_years, education_keys
from scoresim.config.types import PerGroup, per_group
from scoresim.core.network import NetworkParams
from scoresim.society.params import (
    COUPLING_LIST,
    COUPLING_SCORE,
    AdaptParams,
    AssociationParams,
    BehaveParams,
    ConsequenceParams,
    DriftParams,
    ListParams,
    MeasureParams,
    ObserveParams,
    PopulationParams,
    ScoreParams,
    ShamingParams,
)
from scoresim.society.people import PeopleParams


@dataclass(frozen=True)
class Names:
    """The scenario's names in declaration order, which fix every array's order."""

    groups: list[str]
    behaviours: list[str]
    tiers: list[str]
    opportunities: list[str]

    @classmethod
    def of(cls, cfg: ScenarioConfig) -> Names:
        """The names of ``cfg``."""
        return cls(list(cfg.groups), list(cfg.behaviours), list(cfg.scoring.tiers),
                   list(cfg.opportunities))  # fmt: skip

    def behaviour(self, name: str) -> int:
        """Index of behaviour ``name``."""
        return self.behaviours.index(name)


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def population(cfg: ScenarioConfig, names: Names) -> PopulationParams:
    """Trait distributions of ``groups``, base rates of ``behaviours``, consent, informants."""
    gcfg = [cfg.groups[g] for g in names.groups]
    bcfg = [cfg.behaviours[b] for b in names.behaviours]
    informants = next((s.informants for s in cfg.sources.values() if s.informants), None)
    return PopulationParams(
        group_shares=np.array([g.share for g in gcfg]) / sum(g.share for g in gcfg),
        stance_mean=np.array([g.stance.mean for g in gcfg]),
        stance_sd=np.array([g.stance.sd for g in gcfg]),
        risk_mean=np.array([g.risk_aversion.mean for g in gcfg]),
        risk_sd=np.array([g.risk_aversion.sd for g in gcfg]),
        income_log_median=np.log([g.income.median for g in gcfg]),
        income_sigma=np.array([g.income.sigma for g in gcfg]),
        base_logit=np.array(
            [[_logit(r) for r in per_group(b.base_rate, names.groups)] for b in bcfg]
        ).T.reshape(len(gcfg), len(bcfg)),
        heterogeneity=np.array([b.heterogeneity for b in bcfg]),
        awareness=cfg.scoring.awareness,
        consent=cfg.scoring.consent,
        informant_share=informants.share if informants else 0.0,
        informant_min_stance=informants.min_stance if informants else 1.0,
        behaviour_names=tuple(names.behaviours),
        people=people(cfg, names.groups),
    )


def _cumulative(shares: Mapping[str, PerGroup], groups: Sequence[str]) -> NDArray[np.float64]:
    """(G, K) float64 cumulative shares per group, each row ending at exactly 1."""
    table = np.array([per_group(v, groups) for v in shares.values()]).T.reshape(len(groups), -1)
    cum = np.cumsum(table, axis=1)
    cum[:, -1] = 1.0  # the checks allow a sum within 1e-6 of 1
    return cum


def people(cfg: ScenarioConfig, groups: Sequence[str]) -> PeopleParams:
    """The ``people:`` section as arrays; every array empty without it."""
    p = cfg.people
    if p is None:
        return PeopleParams()
    out: dict[str, Any] = {}
    if p.age is not None:
        years = np.array([band_years(b) for b in p.age], dtype=np.int32)
        out |= {"age_cum": _cumulative(p.age, groups), "age_first": years[:, 0],
                "age_last": years[:, 1]}  # fmt: skip
    if p.female is not None:
        out["female"] = np.array(per_group(p.female, groups), dtype=np.float64)
    if p.education is not None:
        by, keys = education_keys(p, list(groups))
        premium = np.array([p.income_premium.get(level, 0.0) for level in p.education])
        shares = np.array([per_group(v, keys) for v in p.education.values()]).T  # (K, E)
        mean = shares @ premium  # each group's, or each age band's, mean premium
        if by == "age":  # a group's is its age bands' means weighted by its ages
            assert p.age is not None  # education_keys gives "age" only with age bands
            ages = np.array([per_group(v, groups) for v in p.age.values()]).T  # (G, A)
            mean = ages @ mean
        out |= {"education_cum": _cumulative(p.education, keys), "education_by_age": by == "age",
                "income_shift": premium[None, :] - mean[:, None]}  # fmt: skip
    return PeopleParams(**out)


def start_values(
    pop: PopulationParams, be: BehaveParams, sc: ScoreParams, ad: AdaptParams, sh: ShamingParams
) -> PopulationParams:
    """``pop`` with the start values of the parts whose state is set up with the people.

    Copies in the stance weights and conformity behaviours of ``be``, the start score,
    its tier and the number of tolerances of ``sc``, the prior perceived risk of ``ad``
    and whether the ringtone of ``sh`` can reach callers (its contact rate: a share of
    the listed given the ringtone may start at 0 and be raised by a timeline).
    """
    return replace(
        pop,
        stance_weight=be.stance_weight,
        conform_idx=be.conform_idx,
        score_start=sc.start,
        start_tier=int(np.searchsorted(sc.tier_min, sc.start, "right") - 1),
        tolerances=int(sc.tol_rows.shape[0]),
        prior_risk=ad.prior_risk,
        ringtone=sh.contact_rate > 0.0,
    )


def network(cfg: ScenarioConfig) -> NetworkParams:
    """The generator's settings."""
    return NetworkParams(cfg.network.mean_degree, cfg.network.homophily, cfg.network.rewire)


def behave(
    cfg: ScenarioConfig, names: Names, sc: ScoreParams, li: ListParams, sh: ShamingParams
) -> BehaveParams:
    """The decision rule: stance and conformity weights, stakes per recorded act.

    Copies in the coupling and the tolerances of ``sc``, the list of ``li`` and the
    shaming exposure of ``sh`` (the shaming mechanism's rates).
    """
    bcfg = [cfg.behaviours[b] for b in names.behaviours]
    points = np.array([cfg.scoring.points.get(b, 0) for b in names.behaviours])
    bl, rs = cfg.blacklist, cfg.response
    # Under list coupling, the listing an entry event brings is itself a deterrent.
    stake = np.zeros(len(bcfg))
    if bl is not None and cfg.scoring.coupling == "list":
        stake[[names.behaviour(e) for e in bl.entry_events]] = bl.stake
    conformity = np.array([b.conformity for b in bcfg], dtype=np.float32)
    return BehaveParams(
        stance_weight=np.array([b.stance_weight for b in bcfg], dtype=np.float32),
        conformity=conformity,
        conform_idx=np.flatnonzero(conformity > 0).astype(np.int32),
        penalty=(np.maximum(-points, 0) / 100.0).astype(np.float32),
        listing_stake=(stake / 100.0).astype(np.float32),
        reward=(np.maximum(points, 0) / 100.0).astype(np.float32),
        deterrence=rs.deterrence,
        stakes=rs.stakes,
        proximity_margin=rs.proximity_margin,
        shame_aversion=rs.shame_aversion,
        reward_sensitivity=rs.reward_sensitivity,
        dissent=names.behaviour(cfg.dissent_behaviour) if cfg.dissent_behaviour else -1,
        dissent_window=rs.dissent_window,
        behaviour_names=tuple(names.behaviours),
        coupling=sc.coupling,
        tol_rows=sc.tol_rows,
        tol_free=sc.tol_free,
        tol_period=sc.tol_period,
        has_list=li.has_list,
        threshold=li.threshold,
        entry_events=li.entry_events,
        exposure=sh.exposure,
        act_purposes=tuple(f"act/{name}" for name in names.behaviours),
    )


def observe(cfg: ScenarioConfig, names: Names, be: BehaveParams) -> ObserveParams:
    """What each source records, of whom, and its errors; the behaviours' names of ``be``."""
    sources = list(cfg.sources.values())
    s_n, b_n = len(sources), len(names.behaviours)
    observes = np.zeros((s_n, b_n), dtype=np.bool_)
    coverage = np.zeros((s_n, len(names.groups)), dtype=np.float32)
    speech_pair = np.full((s_n, b_n), -1, dtype=np.int32)
    for s, src in enumerate(sources):
        watched = [names.behaviour(b) for b in src.behaviours]
        observes[s, watched] = True
        coverage[s] = per_group(src.coverage, names.groups)
        speech = [b for b in watched if cfg.behaviours[names.behaviours[b]].kind == "speech"]
        if len(speech) == 2:
            speech_pair[s, speech[0]], speech_pair[s, speech[1]] = speech[1], speech[0]
    false_positive = np.array([s.false_positive_rate for s in sources], dtype=np.float32)
    misclassification = np.array([s.misclassification for s in sources], dtype=np.float32)
    pairs = np.argwhere(observes).astype(np.int32).reshape(-1, 2)  # sources, then behaviours
    purposes = []
    for s, b in pairs:
        where = f"{list(cfg.sources)[s]}/{be.behaviour_names[b]}"
        purposes += [f"detect/{where}", f"misread/{where}", f"false/{where}"]
    return ObserveParams(
        observes=observes,
        coverage=coverage,
        false_positive=false_positive,
        misclassification=misclassification,
        informant_report=np.array(
            [s.informants.report_probability if s.informants else 0.0 for s in sources],
            dtype=np.float32,
        ),
        speech_pair=speech_pair,
        source_names=tuple(cfg.sources),
        behaviour_names=be.behaviour_names,
        pairs=pairs,
        pair_false=(coverage[pairs[:, 0]] * false_positive[pairs[:, 0], None]).reshape(
            len(pairs), len(names.groups)
        ),
        pair_misread=np.array(
            [speech_pair[s, b] >= 0 and misclassification[s] > 0 for s, b in pairs], np.bool_
        ),
        pair_purposes=tuple(purposes),
    )


def score(cfg: ScenarioConfig) -> ScoreParams:
    """Points, bounds, recovery and tiers."""
    sc = cfg.scoring
    tier_min = np.array([t.min for t in sc.tiers.values()], dtype=np.int32)
    every_score = np.arange(sc.min, sc.max + 1)
    return ScoreParams(
        points=np.array([sc.points.get(b, 0) for b in cfg.behaviours], dtype=np.int32),
        coupling=COUPLING_SCORE if sc.coupling == "score" else COUPLING_LIST,
        start=sc.start,
        lo=sc.min,
        hi=sc.max,
        recovery=sc.recovery,
        tier_min=tier_min,
        tier_of=(np.searchsorted(tier_min, every_score, "right") - 1).clip(0).astype(np.uint8),
        consent_required=sc.consent_required,
        tol_rows=np.array([list(cfg.behaviours).index(b) for b in sc.tolerance], np.int32),
        tol_free=np.array([t.free for t in sc.tolerance.values()], np.int32),
        tol_period=np.array([t.period for t in sc.tolerance.values()], np.int32),
    )


def listing(cfg: ScenarioConfig, names: Names) -> ListParams:
    """The blacklist's entries, term, exits and appeals (inert without one)."""
    bl = cfg.blacklist
    entry = np.zeros(len(names.behaviours), dtype=np.bool_)
    if bl is None:
        return ListParams(False, cfg.scoring.min, entry, 1, -1, 0.0, 0.0, 0.0, 0.0, 1, 0)
    entry[[names.behaviour(e) for e in bl.entry_events]] = True
    return ListParams(
        has_list=True,
        threshold=bl.threshold if bl.threshold is not None else cfg.scoring.min,
        entry_events=entry,
        term=bl.term,
        extension=bl.extension if bl.extension is not None else -1,
        payment_exit=bl.payment_exit,
        repair_exit=bl.repair_exit,
        appeal_share=bl.appeals.share,
        appeal_success=bl.appeals.success,
        appeal_delay=bl.appeals.delay,
        association_penalty=bl.association_penalty,
    )


def consequences(cfg: ScenarioConfig, names: Names, sc: ScoreParams) -> ConsequenceParams:
    """What the list and each tier deny, and the perks each tier is paid.

    Copies in whether ``sc`` requires consent (perks are paid to the scored).
    """
    opps, tiers = names.opportunities, names.tiers
    denied_tier = np.zeros((len(opps), len(tiers)), dtype=np.bool_)
    for t, tier in enumerate(cfg.scoring.tiers.values()):
        for opp in tier.denies:
            denied_tier[opps.index(opp), t] = True
    perk = np.zeros(len(tiers))
    for rw in cfg.rewards.values():
        for t_name in rw.tiers:
            perk[tiers.index(t_name)] += rw.value
    denied = cfg.blacklist.denies if cfg.blacklist else []
    enforced = cfg.blacklist.enforcement if cfg.blacklist else {}
    return ConsequenceParams(
        demand=np.array([cfg.opportunities[o].demand for o in opps]),
        value=np.array([cfg.opportunities[o].value for o in opps]),
        denied_listed=np.array([o in denied for o in opps], dtype=np.bool_),
        denied_tier=denied_tier,
        perk=perk,
        opportunity_names=tuple(opps),
        consent_required=sc.consent_required,
        want_purposes=tuple(f"want/{name}" for name in opps),
        enforcement=np.array([enforced.get(o, 1.0) for o in opps], dtype=np.float32),
        enforce_purposes=tuple(f"enforce/{name}" for name in opps),
    )


def association(sc: ScoreParams, li: ListParams) -> AssociationParams:
    """The association penalty of ``li``, with the score's bounds, tiers and consent of ``sc``."""
    return AssociationParams(
        penalty=li.association_penalty,
        lo=sc.lo,
        hi=sc.hi,
        tier_of=sc.tier_of,
        consent_required=sc.consent_required,
    )


def adapt(
    cfg: ScenarioConfig,
    pop: PopulationParams,
    obs: ObserveParams,
    names: Names,
    be: BehaveParams,
    sh: ShamingParams,
) -> AdaptParams:
    """Learning rates, and the prior perceived risk they start from.

    The prior is the chance that an act is recorded by at least one source, using the
    population-mean coverage and the expected number of informant neighbours. Copies
    in the conformity behaviours, the penalised behaviours and the dissent behaviour
    of ``be``, and the shame effect of ``sh`` (the shaming mechanism's rates).
    """
    rs = cfg.response
    share = pop.group_shares
    expected_informants = cfg.network.mean_degree * pop.informant_share * _supportive(cfg, share)
    miss = np.ones(len(names.behaviours))
    for s in range(obs.coverage.shape[0]):
        p = float(obs.coverage[s] @ share)
        if obs.informant_report[s] > 0:
            p *= 1.0 - (1.0 - float(obs.informant_report[s])) ** expected_informants
        miss[obs.observes[s]] *= 1.0 - p
    return AdaptParams(
        learn_own=rs.learn_own,
        learn_social=rs.learn_social,
        forget=rs.forget,
        conformity_smoothing=rs.conformity_smoothing,
        prior_risk=(1.0 - miss).astype(np.float32),
        conform_idx=be.conform_idx,
        penalised=np.flatnonzero((be.penalty + be.listing_stake) > 0),
        dissent=be.dissent,
        shame_effect=sh.shame_effect,
    )


def shaming(own: ShamingParams, be: BehaveParams) -> ShamingParams:
    """The shaming mechanism's rates ``own``, with the conformity behaviours of ``be``."""
    return replace(own, conform_idx=be.conform_idx)


def drift(own: DriftParams, be: BehaveParams) -> DriftParams:
    """The stance-drift rates ``own``, with the dissent and stance weights of ``be``."""
    return replace(
        own,
        dissent=be.dissent,
        dissent_window=be.dissent_window,
        stance_weight=be.stance_weight,
    )


def measure(names: Names, be: BehaveParams, sc: ScoreParams, dr: DriftParams) -> MeasureParams:
    """The dissent of ``be``, the score bounds of ``sc``, whether ``dr`` moves stances, names."""
    return MeasureParams(
        dissent=be.dissent,
        dissent_window=be.dissent_window,
        lo=sc.lo,
        hi=sc.hi,
        stances_move=dr.on,
        behaviours=tuple(names.behaviours),
        tiers=tuple(names.tiers),
        opportunities=tuple(names.opportunities),
    )


def _supportive(cfg: ScenarioConfig, shares: np.ndarray) -> float:
    """Expected share of people with stance at or above the informants' minimum."""
    inf = next((s.informants for s in cfg.sources.values() if s.informants is not None), None)
    if inf is None:
        return 0.0
    total = 0.0
    for share, g in zip(shares, cfg.groups.values(), strict=True):
        sd = max(g.stance.sd, 1e-9)
        total += share * 0.5 * (1.0 - erf((inf.min_stance - g.stance.mean) / (sd * sqrt(2.0))))
    return float(total)
