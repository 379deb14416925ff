"""Compile a validated scenario into the frozen numbers the core reads.

This is the only place where user-facing configuration becomes arrays; every derived
value (penalties per 100 points, prior perceived risk, speech pairs) is computed here
once and never stored elsewhere as a default.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import erf, sqrt
from typing import Any

import numpy as np

from scoresim.config.models import PerGroup, ScenarioConfig
from scoresim.core.crn import Keys
from scoresim.core.hooks import StepHook
from scoresim.core.network import Network
from scoresim.core.params import (
    COUPLING_LIST,
    COUPLING_SCORE,
    Labels,
    NetworkParams,
    PopulationParams,
    RegimeParams,
)
from scoresim.core.phases.measure import metric_names
from scoresim.core.state import CitizenState
from scoresim.errors import ScenarioValueError
from scoresim.mechanisms.base import Mechanism
from scoresim.mechanisms.builtin import Shaming, StanceDrift
from scoresim.mechanisms.registry import lookup


@dataclass(frozen=True)
class Compiled:
    """Everything the core needs for one scenario.

    ``mechanisms`` holds the scenario's plug-in mechanisms with their validated
    sections, in the order they act; :func:`start_hooks` starts them for a run.
    """

    population: PopulationParams
    network: NetworkParams
    regime: RegimeParams
    labels: Labels
    mechanisms: tuple[tuple[Mechanism, Any], ...] = ()

    @property
    def extra_columns(self) -> tuple[str, ...]:
        """The metric columns the mechanisms add, in their order."""
        return tuple(c for m, section in self.mechanisms for c in m.columns(section, self.labels))


def _per_group(value: PerGroup, groups: list[str]) -> list[float]:
    return [value[g] for g in groups] if isinstance(value, dict) else [value] * len(groups)


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def compile_scenario(cfg: ScenarioConfig) -> Compiled:
    """Turn a validated :class:`ScenarioConfig` into core parameters."""
    groups = list(cfg.groups)
    behaviours = list(cfg.behaviours)
    tiers = list(cfg.scoring.tiers)
    opps = list(cfg.opportunities)
    sources = list(cfg.sources.values())
    g_n, b_n, s_n = len(groups), len(behaviours), len(sources)
    bidx = {name: i for i, name in enumerate(behaviours)}
    gcfg = [cfg.groups[g] for g in groups]
    bcfg = [cfg.behaviours[b] for b in behaviours]

    informant_cfg = next((s.informants for s in sources if s.informants is not None), None)
    population = PopulationParams(
        group_shares=np.array([g.share for g in gcfg]) / sum(g.share for g in gcfg),
        stance_mean=np.array([g.stance.mean for g in gcfg]),
        stance_sd=np.array([g.stance.sd for g in gcfg]),
        risk_mean=np.array([g.risk_aversion.mean for g in gcfg]),
        risk_sd=np.array([g.risk_aversion.sd for g in gcfg]),
        income_log_median=np.log([g.income.median for g in gcfg]),
        income_sigma=np.array([g.income.sigma for g in gcfg]),
        base_logit=np.array(
            [[_logit(r) for r in _per_group(b.base_rate, groups)] for b in bcfg]
        ).T.reshape(g_n, b_n),
        heterogeneity=np.array([b.heterogeneity for b in bcfg]),
        awareness=cfg.scoring.awareness,
        consent=cfg.scoring.consent,
        informant_share=informant_cfg.share if informant_cfg else 0.0,
        informant_min_stance=informant_cfg.min_stance if informant_cfg else 1.0,
        behaviour_names=tuple(behaviours),
    )
    network = NetworkParams(cfg.network.mean_degree, cfg.network.homophily, cfg.network.rewire)

    points = np.array([cfg.scoring.points.get(b, 0) for b in behaviours], dtype=np.int32)
    observes = np.zeros((s_n, b_n), dtype=np.bool_)
    coverage = np.zeros((s_n, g_n), dtype=np.float32)
    speech_pair = np.full((s_n, b_n), -1, dtype=np.int32)
    for s, src in enumerate(sources):
        watched = [bidx[b] for b in src.behaviours]
        observes[s, watched] = True
        coverage[s] = _per_group(src.coverage, groups)
        speech = [b for b in watched if bcfg[b].kind == "speech"]
        if len(speech) == 2:
            speech_pair[s, speech[0]], speech_pair[s, speech[1]] = speech[1], speech[0]
    informant_report = np.array(
        [s.informants.report_probability if s.informants else 0.0 for s in sources],
        dtype=np.float32,
    )
    # Prior belief: the chance that an act is recorded by at least one source, using the
    # population-mean coverage and the expected number of informant neighbours.
    share = population.group_shares
    expected_informants = (
        cfg.network.mean_degree * population.informant_share * _share_supportive(cfg, share)
    )
    miss = np.ones(b_n)
    for s in range(s_n):
        p = float(coverage[s] @ share)
        if informant_report[s] > 0:
            p *= 1.0 - (1.0 - float(informant_report[s])) ** expected_informants
        miss[observes[s]] *= 1.0 - p
    prior = (1.0 - miss).astype(np.float32)

    bl = cfg.blacklist
    entry = np.isin(np.arange(b_n), [bidx[e] for e in (bl.entry_events if bl else [])])
    # Under list coupling, the listing an entry event brings is itself a deterrent.
    list_mode = bl is not None and cfg.scoring.coupling == "list"
    stake = np.where(entry, bl.stake if bl is not None and list_mode else 0, 0)
    tier_min = np.array([t.min for t in cfg.scoring.tiers.values()], dtype=np.int32)
    denied_tier = np.zeros((len(opps), len(tiers)), dtype=np.bool_)
    for t_idx, tier in enumerate(cfg.scoring.tiers.values()):
        for opp in tier.denies:
            denied_tier[opps.index(opp), t_idx] = True
    perk = np.zeros(len(tiers))
    for rw in cfg.rewards.values():
        for t in rw.tiers:
            perk[tiers.index(t)] += rw.value
    sh, rs, drift = cfg.shaming, cfg.response, cfg.stance_drift
    screens = sh.screens if sh else None
    ring = sh.ringtone if sh else None
    dmap = sh.map if sh else None
    # Chance that a listing stays private: the complement of being on any channel.
    hidden = 1.0
    for channel_share in (c.share if c is not None else 0.0 for c in (ring, dmap)):
        hidden *= 1.0 - channel_share
    hidden *= 1.0 - (screens.display_share if screens else 0.0)
    conformity = np.array([b.conformity for b in bcfg], dtype=np.float32)
    regime = RegimeParams(
        stance_weight=np.array([b.stance_weight for b in bcfg], dtype=np.float32),
        conformity=conformity,
        conform_idx=np.flatnonzero(conformity > 0).astype(np.int32),
        penalty=(np.maximum(-points, 0) / 100.0).astype(np.float32),
        listing_stake=(stake / 100.0).astype(np.float32),
        reward=(np.maximum(points, 0) / 100.0).astype(np.float32),
        points=points,
        observes=observes,
        coverage=coverage,
        false_positive=np.array([s.false_positive_rate for s in sources], dtype=np.float32),
        misclassification=np.array([s.misclassification for s in sources], dtype=np.float32),
        informant_report=informant_report,
        speech_pair=speech_pair,
        coupling=COUPLING_SCORE if cfg.scoring.coupling == "score" else COUPLING_LIST,
        start=cfg.scoring.start,
        lo=cfg.scoring.min,
        hi=cfg.scoring.max,
        recovery=cfg.scoring.recovery,
        tier_min=tier_min,
        tier_of=(
            np.searchsorted(tier_min, np.arange(cfg.scoring.min, cfg.scoring.max + 1), "right") - 1
        )
        .clip(0)
        .astype(np.uint8),
        has_list=bl is not None,
        threshold=bl.threshold if bl is not None and bl.threshold is not None else cfg.scoring.min,
        entry_events=entry,
        term=bl.term if bl else 1,
        extension=bl.extension if bl and bl.extension is not None else -1,
        consent_required=cfg.scoring.consent_required,
        payment_exit=bl.payment_exit if bl else 0.0,
        appeal_share=bl.appeals.share if bl else 0.0,
        appeal_success=bl.appeals.success if bl else 0.0,
        appeal_delay=bl.appeals.delay if bl else 1,
        association_penalty=bl.association_penalty if bl else 0,
        demand=np.array([cfg.opportunities[o].demand for o in opps]),
        value=np.array([cfg.opportunities[o].value for o in opps]),
        denied_listed=np.array([o in (bl.denies if bl else []) for o in opps], dtype=np.bool_),
        denied_tier=denied_tier,
        perk=perk,
        display_share=screens.display_share if screens else 0.0,
        reach=screens.reach if screens else 0.0,
        ring_share=ring.share if ring else 0.0,
        contact_rate=ring.contact_rate if ring else 0.0,
        map_share=dmap.share if dmap else 0.0,
        map_usage=dmap.usage if dmap else 0.0,
        exposure=1.0 - hidden,
        tie_cut=sh.tie_cut_probability if sh else 0.0,
        shame_effect=sh.risk_effect if sh else 0.0,
        resentment=drift.resentment if drift else 0.0,
        pressure=drift.pressure if drift else 0.0,
        deterrence=rs.deterrence,
        stakes=rs.stakes,
        proximity_margin=rs.proximity_margin,
        shame_aversion=rs.shame_aversion,
        reward_sensitivity=rs.reward_sensitivity,
        learn_own=rs.learn_own,
        learn_social=rs.learn_social,
        forget=rs.forget,
        conformity_smoothing=rs.conformity_smoothing,
        prior_risk=prior,
        dissent=bidx[cfg.dissent_behaviour] if cfg.dissent_behaviour else -1,
        dissent_window=rs.dissent_window,
        behaviour_names=tuple(behaviours),
        source_names=tuple(cfg.sources),
        opportunity_names=tuple(opps),
    )
    labels = Labels(
        groups=tuple(groups),
        behaviours=tuple(behaviours),
        kinds=tuple(b.kind for b in bcfg),
        tiers=tuple(tiers),
        opportunities=tuple(opps),
    )
    # Built-in mechanisms configured by their own top-level sections come first, then
    # the plug-ins in the order the scenario lists them.
    builtin: list[tuple[Mechanism, Any]] = []
    if sh is not None:
        builtin.append((Shaming(), sh))
    if drift is not None and (drift.resentment > 0.0 or drift.pressure > 0.0):
        builtin.append((StanceDrift(), drift))
    mechanisms = tuple(builtin) + tuple(
        (mech, mech.section.model_validate(section))
        for mech, section in ((lookup(n, cfg.name), sec) for n, sec in cfg.mechanisms.items())
    )
    taken = set(metric_names(labels))
    for mech, section in mechanisms:
        for column in mech.columns(section, labels):
            if column in taken:  # it would overwrite another's numbers
                raise ScenarioValueError(
                    f"{cfg.name}: mechanisms.{mech.name}: its column {column!r} is already a "
                    "metrics column; the mechanism must name its columns after itself",
                    f"mechanisms.{mech.name}",
                )
            taken.add(column)
    return Compiled(population, network, regime, labels, mechanisms)


def start_hooks(
    compiled: Compiled, state: CitizenState, net: Network, keys: Keys
) -> list[StepHook]:
    """One run's hooks of the scenario's mechanisms, in order."""
    return [
        mech.start(section, compiled.labels, compiled.regime, state, net, keys)
        for mech, section in compiled.mechanisms
    ]


def _share_supportive(cfg: ScenarioConfig, shares: np.ndarray) -> float:
    """Expected share of people with stance at or above the informants' minimum."""
    inf = next((s.informants for s in cfg.sources.values() if s.informants is not None), None)
    if inf is None:
        return 0.0
    total = 0.0
    for share, g in zip(shares, cfg.groups.values(), strict=True):
        sd = max(g.stance.sd, 1e-9)
        total += share * 0.5 * (1.0 - erf((inf.min_stance - g.stance.mean) / (sd * sqrt(2.0))))
    return float(total)
