"""Slow, per-agent reference versions of the six phases.

Each loops over agents (and edges) one at a time, in plain Python, consuming the same
pre-drawn random numbers as the vectorised phase, so that the two can be compared
exactly. They are deliberately written from the rules in docs/model.md rather than
from the vectorised code.
"""

from __future__ import annotations

import math

import numpy as np

from scoresim.core.events import StepEvents
from scoresim.core.network import Network
from scoresim.core.params import COUPLING_SCORE, RegimeParams
from scoresim.core.phases.consequences import ConsequenceDraws
from scoresim.core.phases.observe import PairDraws
from scoresim.core.phases.shaming import ShamingDraws
from scoresim.core.state import CitizenState


def _tier(score: int, params: RegimeParams) -> int:
    tier = 0
    for k, lo in enumerate(params.tier_min):
        if score >= lo:
            tier = k
    return tier


def behave_probability(state: CitizenState, params: RegimeParams, b: int, i: int) -> float:
    """The decision rule for one agent and behaviour, in float64."""
    logit = float(state.logit0[b, i])
    pr = float(state.perceived_risk[b, i])
    aware = 1.0 if state.aware[i] else 0.0
    if params.has_list and params.coupling == COUPLING_SCORE:
        gap = (int(state.score[i]) - params.threshold) / params.proximity_margin
        prox = min(max(1.0 - gap, 0.0), 1.0)
    elif params.has_list:
        prox = 1.0 if params.entry_events[b] else 0.0
    else:
        prox = 0.0
    pen = float(params.penalty[b])
    stake = float(params.listing_stake[b])
    risk = float(state.risk_aversion[i]) * pr
    if params.coupling == COUPLING_SCORE and pen > 0:
        cost = params.deterrence * pen * (1 + params.stakes * prox)
        cost += params.shame_aversion * params.exposure * prox
        logit -= risk * cost * aware
    elif params.coupling != COUPLING_SCORE and (pen > 0 or stake > 0):
        logit -= risk * params.deterrence * pen * (1 + params.stakes * prox) * aware
        if params.has_list and params.entry_events[b]:
            listing = (
                params.deterrence * stake * (1 + params.stakes)
                + params.shame_aversion * params.exposure
            )
            logit -= risk * listing
    rew = float(params.reward[b])
    if rew > 0:
        logit += params.reward_sensitivity * rew * pr * aware
    if params.conformity[b] > 0:
        k = list(params.conform_idx).index(b)
        ref = max(float(state.seen_ref[k, i]), 1e-6)
        rel = min(max((float(state.seen[k, i]) - ref) / ref, -1.0), 1.0)
        logit += float(params.conformity[b]) * rel
    return 1.0 / (1.0 + math.exp(-logit))


def behave(state: CitizenState, params: RegimeParams, u: np.ndarray, ev: StepEvents) -> None:
    for b in range(params.n_behaviours):
        for i in range(state.n):
            ev.acts[b, i] = u[b, i] < behave_probability(state, params, b, i)


def observe(
    state: CitizenState, params: RegimeParams, draws: list[PairDraws], ev: StepEvents
) -> None:
    ev.caught[:] = False
    ev.false_records[:] = False
    for d in draws:
        s, b = d.source, d.behaviour
        r = float(params.informant_report[s])
        pair = int(params.speech_pair[s, b])
        k = 0
        for i in range(state.n):
            if not ev.acts[b, i]:
                continue
            p = float(params.coverage[s, state.group[i]])
            if r > 0:
                p *= 1.0 - (1.0 - r) ** int(state.informant_count[i])
            if d.u_cover[k] < p:
                if pair >= 0 and d.u_label[k] < params.misclassification[s]:
                    ev.false_records[pair, i] = True
                else:
                    ev.caught[b, i] = True
            k += 1
        for i in d.false_ids:
            ev.false_records[b, i] = True
    for b in range(params.n_behaviours):
        for i in range(state.n):
            if ev.caught[b, i]:
                ev.false_records[b, i] = False


def score(state: CitizenState, params: RegimeParams, u: np.ndarray, ev: StepEvents) -> None:
    t = state.step
    for i in range(state.n):
        s = int(state.score[i])
        fp = int(state.fp_points[i])
        scored = state.aware[i] or not params.consent_required
        for b in range(params.n_behaviours):
            if not scored:
                break
            if ev.caught[b, i] or ev.false_records[b, i]:
                s += int(params.points[b])
            if ev.false_records[b, i] and params.points[b] < 0:
                fp -= int(params.points[b])
        rec = min(max(params.start - s, 0), params.recovery)
        s += rec
        fp = max(fp - rec, 0)
        s = min(max(s, params.lo), params.hi)
        state.score[i] = s
        state.fp_points[i] = min(fp, params.hi - params.lo)
        state.tier[i] = _tier(s, params)
        ev.newly_listed[i] = False
        if not params.has_list:
            continue
        until = int(state.listed_until[i])
        listed = until > 0
        expired = listed and until <= t
        if params.coupling == COUPLING_SCORE:
            below = s < params.threshold
            if below and (not listed or expired):
                if listed and params.extension >= 0:
                    state.listed_until[i] = max(until, t) + params.extension
                else:
                    state.listed_until[i] = t + params.term
                state.listed_wrongly[i] = s + int(state.fp_points[i]) >= params.threshold
                if not listed:
                    ev.newly_listed[i] = True
                    state.sanctions[i] += 1
            elif expired:
                state.listed_until[i] = 0
                state.listed_wrongly[i] = False
                state.appeal_at[i] = 0
        else:
            true_ev = any(ev.caught[b, i] for b in np.flatnonzero(params.entry_events))
            false_ev = (not true_ev) and any(
                ev.false_records[b, i] for b in np.flatnonzero(params.entry_events)
            )
            if true_ev or false_ev:
                if listed and not expired and params.extension >= 0:
                    state.listed_until[i] = min(until + params.extension, 2**30)
                else:
                    state.listed_until[i] = t + params.term
                if not listed or expired:
                    state.listed_wrongly[i] = false_ev
                    ev.newly_listed[i] = True
                    state.sanctions[i] += 1
                elif true_ev:
                    state.listed_wrongly[i] = False
            elif expired or (listed and not state.listed_wrongly[i] and u[i] < params.payment_exit):
                state.listed_until[i] = 0
                state.listed_wrongly[i] = False
                state.appeal_at[i] = 0
        ev.appeals_filed[i] = False
        ev.appeals_won[i] = False
        if ev.newly_listed[i] and state.listed_wrongly[i] and u[i] < params.appeal_share:
            state.appeal_at[i] = t + max(params.appeal_delay, 1)
            ev.appeals_filed[i] = True
        if state.appeal_at[i] == t and state.listed_until[i] > 0:
            state.appeal_at[i] = 0
            if state.listed_wrongly[i] and u[i] < params.appeal_success:
                ev.appeals_won[i] = True
                state.listed_until[i] = 0
                state.listed_wrongly[i] = False
                state.score[i] = min(int(state.score[i]) + int(state.fp_points[i]), params.hi)
                state.fp_points[i] = 0
                state.tier[i] = _tier(int(state.score[i]), params)


def _row(net: Network, i: int) -> range:
    return range(int(net.indptr[i]), int(net.indptr[i + 1]))


def consequences(
    state: CitizenState,
    net: Network,
    params: RegimeParams,
    d: ConsequenceDraws,
    ev: StepEvents,
) -> None:
    ev.denied_any[:] = False
    for o, ids in enumerate(d.wanting):
        ev.denied[o] = 0
        for i in ids:
            listed = state.listed_until[i] > 0
            if (listed and params.denied_listed[o]) or params.denied_tier[o, state.tier[i]]:
                ev.denied[o, state.group[i]] += 1
                ev.denied_any[i] = True
                state.denials[i] += 1
            else:
                state.wealth[i] += params.value[o]
    for i in range(state.n):
        perk = params.perk[state.tier[i]]
        if params.consent_required and not state.aware[i]:
            perk = 0.0
        state.wealth[i] += perk
        if perk > 0:
            state.rewards[i] += 1
    shaming(state, net, params, d.shaming, ev)
    if params.association_penalty > 0:
        listed_now = [state.listed_until[j] > 0 for j in range(state.n)]
        for i in range(state.n):
            count = sum(1 for e in _row(net, i) if net.active[e] and listed_now[net.indices[e]])
            s = int(state.score[i]) - count * params.association_penalty
            state.score[i] = min(max(s, params.lo), params.hi)
            state.tier[i] = _tier(int(state.score[i]), params)


def shaming(
    state: CitizenState, net: Network, params: RegimeParams, d: ShamingDraws, ev: StepEvents
) -> None:
    has_told = state.told.shape[0] > 0
    for i in range(state.n):
        if state.listed_until[i] == 0:
            if state.shamed[i] and has_told:
                for e in _row(net, i):
                    state.told[e] = False
            state.shamed[i] = False
            state.ringtone[i] = False
    new = [i for i in range(state.n) if ev.newly_listed[i]]
    ev.newly_shamed[:] = False
    channels: dict[int, tuple[bool, bool]] = {}
    for k, i in enumerate(new):
        shown = bool(d.u_display[k] < params.display_share)
        rung = len(d.u_ring) > 0 and bool(d.u_ring[k] < params.ring_share)
        mapped = len(d.u_map) > 0 and bool(d.u_map[k] < params.map_share)
        if shown or rung or mapped:
            ev.newly_shamed[i] = True
            state.shamed[i] = True
            state.shamings[i] += 1
        if rung:
            state.ringtone[i] = True
        channels[i] = (shown, mapped)
    any_shown = any(shown for shown, _ in channels.values())
    ev.screen_viewers = d.viewers if any_shown else np.empty(0, np.int64)
    candidates: list[tuple[int, int, float]] = []
    learners: set[int] = set()
    m = 0
    for i in new:
        shown, mapped = channels[i]
        for e in _row(net, i):
            uses = len(d.u_map_use) > 0 and mapped and d.u_map_use[m] < params.map_usage
            u_cut = float(d.u_cut[m])
            m += 1
            if not net.active[e]:
                continue
            if uses:
                learners.add(int(net.indices[e]))
            if shown or uses:
                candidates.append((e, i, u_cut))
                if has_told:
                    state.told[e] = True
    fresh_calls: list[tuple[int, int, float]] = []
    for c, e in enumerate(d.calls):
        if not net.active[e]:
            continue
        owner = next(i for i in range(state.n) if net.indptr[i] <= e < net.indptr[i + 1])
        learners.add(int(net.indices[e]))
        if not (has_told and state.told[e]):
            fresh_calls.append((int(e), owner, float(d.u_call_cut[c])))
    for e, _, _ in fresh_calls:
        if has_told:
            state.told[e] = True
    ev.shame_learners = np.array(sorted(learners), dtype=np.int64)
    done: set[tuple[int, int]] = set()
    for e, i, u in candidates + fresh_calls:
        j = int(net.indices[e])
        key = (min(i, j), max(i, j))
        if u >= params.tie_cut or key in done:
            continue
        done.add(key)
        for row, col in ((i, j), (j, i)):
            for f in _row(net, row):
                if net.indices[f] == col:
                    net.active[f] = False
        state.degree[i] -= 1
        state.degree[j] -= 1
        state.ties_lost[i] += 1
        state.informant_count[i] -= int(state.informant[j])
        state.informant_count[j] -= int(state.informant[i])
        state.ties_cut += 1


def adapt(state: CitizenState, net: Network, params: RegimeParams, ev: StepEvents) -> None:
    viewers = set(int(v) for v in ev.screen_viewers)
    learners = set(int(v) for v in ev.shame_learners)
    for i in range(state.n):
        nbrs = [int(net.indices[e]) for e in _row(net, i) if net.active[e]]
        near_listing = any(ev.newly_listed[j] for j in nbrs)
        for b in range(params.n_behaviours):
            pr = float(state.perceived_risk[b, i])
            if ev.acts[b, i]:
                pr += params.learn_own * ((1.0 if ev.caught[b, i] else 0.0) - pr)
            if params.penalty[b] + params.listing_stake[b] > 0:
                if near_listing and params.learn_social > 0:
                    pr += params.learn_social * (1.0 - pr)
                if i in viewers and params.shame_effect > 0:
                    pr += params.shame_effect * (1.0 - pr)
                if i in learners and params.shame_effect > 0:
                    pr += params.shame_effect * (1.0 - pr)
            pr += params.forget * (float(params.prior_risk[b]) - pr)
            state.perceived_risk[b, i] = pr
        for k, b in enumerate(params.conform_idx):
            if nbrs:
                share = sum(1 for j in nbrs if ev.acts[b, j]) / len(nbrs)
                seen = float(state.seen[k, i])
                state.seen[k, i] = seen + params.conformity_smoothing * (share - seen)
        if params.dissent >= 0 and ev.acts[params.dissent, i]:
            state.last_dissent[i] = state.step
    if params.resentment > 0 or params.pressure > 0:
        drift(state, net, params, ev)


def drift(state: CitizenState, net: Network, params: RegimeParams, ev: StepEvents) -> None:
    window_start = state.step - params.dissent_window
    for i in range(state.n):
        old = float(state.stance[i])
        x = old
        if params.resentment > 0 and (ev.newly_listed[i] or ev.denied_any[i]):
            x -= params.resentment * (x + 1.0)
        nbrs = [int(net.indices[e]) for e in _row(net, i) if net.active[e]]
        if params.pressure > 0 and params.dissent >= 0 and nbrs:
            voiced = sum(1 for j in nbrs if state.last_dissent[j] > window_start)
            x += params.pressure * ((1.0 - 2.0 * voiced / len(nbrs)) - x)
        x = min(max(x, -1.0), 1.0)
        state.stance[i] = x
        for b in range(params.n_behaviours):
            state.logit0[b, i] += float(params.stance_weight[b]) * (float(state.stance[i]) - old)


def gini(values: list[float]) -> float:
    """Gini as the mean absolute difference over twice the mean (O(n^2), for checks)."""
    n = len(values)
    mean = sum(values) / n
    if mean == 0:
        return 0.0
    total = sum(abs(a - b) for a in values for b in values)
    return total / (2 * n * n * mean)


def quantile_lower(values: list[int], q: float) -> float:
    """The smallest value whose cumulative count reaches q * n."""
    ordered = sorted(values)
    n = len(ordered)
    for k, v in enumerate(ordered, start=1):
        if k >= q * n:
            return float(v)
    return float(ordered[-1])
