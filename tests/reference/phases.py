"""Slow, per-agent reference of one whole step, written from docs/model.md alone.

Each rule of docs/model.md sections 4 and 6 is followed literally, one agent (and one
tie) at a time, in plain Python floats and ints. Random numbers are asked for one
person at a time by their documented purpose (``d.one("act/jaywalk", i)``), which by
the counter-based design is the same number the vectorised phases draw in bulk, so
the two can be compared exactly. Nothing here was copied from the vectorised code:
where the two disagree, the docs decide which is wrong.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from scoresim.core.crn import StepDraws
from scoresim.core.network import Network
from scoresim.society.events import StepEvents
from scoresim.society.params import COUPLING_SCORE, RegimeParams
from scoresim.society.state import CitizenState

NOT_LISTED = 0
Diary = dict[int, list[tuple[str, Any]]]
"""Per followed person, what the phases did to them today (tests/test_follow.py)."""
NO_APPEAL = -1


def tier_of(score: int, params: RegimeParams) -> int:
    """The highest tier whose lower bound the score reaches."""
    tier = 0
    for k, lo in enumerate(params.score.tier_min):
        if score >= int(lo):
            tier = k
    return tier


def active_neighbours(net: Network, i: int) -> list[int]:
    return [
        int(net.indices[e])
        for e in range(int(net.indptr[i]), int(net.indptr[i + 1]))
        if net.active[e]
    ]


def sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# behave ------------------------------------------------------------------------------


def aware_for(state: CitizenState, params: RegimeParams, b: int, i: int, day: int) -> float:
    """Section 4: aware, and past the tolerance of b (if any) for a record on ``day``."""
    if not state.aware[i]:
        return 0.0
    rows = [int(x) for x in params.score.tol_rows]
    if b not in rows:
        return 1.0
    k = rows.index(b)
    used = 0 if day % int(params.score.tol_period[k]) == 0 else int(state.tolerated[k, i])
    return 1.0 if used >= int(params.score.tol_free[k]) else 0.0


def cost(
    state: CitizenState, params: RegimeParams, b: int, i: int, day: int | None = None
) -> float:
    """Section 4, ``cost_ib``: what one recorded act of b weighs, in float64.

    ``day`` is the step whose record is weighed (today's, by default).
    """
    aware = aware_for(state, params, b, i, state.step if day is None else day)
    pen = float(params.behave.penalty[b])
    entry = bool(params.listing.has_list and params.listing.entry_events[b])
    if not params.listing.has_list:
        prox = 0.0
    elif params.score.coupling == COUPLING_SCORE:
        prox = min(
            max(
                1
                - (int(state.score[i]) - params.listing.threshold) / params.behave.proximity_margin,
                0,
            ),
            1,
        )
    else:
        prox = 1.0 if entry else 0.0
    if params.score.coupling == COUPLING_SCORE:
        out = 0.0
        if pen > 0:
            out = aware * (
                params.behave.deterrence * pen * (1 + params.behave.stakes * prox)
                + params.behave.shame_aversion * params.shaming.exposure * prox
            )
    else:
        out = aware * params.behave.deterrence * pen * (1 + params.behave.stakes * prox)
        if entry:
            stake = float(params.behave.listing_stake[b])
            out += params.behave.deterrence * stake * (1 + params.behave.stakes) + (
                params.behave.shame_aversion * params.shaming.exposure
            )
    return out


def probability(state: CitizenState, params: RegimeParams, b: int, i: int) -> float:
    """Section 4, the decision rule, in float64."""
    aware = aware_for(state, params, b, i, state.step)
    pr = float(state.perceived_risk[b, i])
    rew = float(params.behave.reward[b])
    cost_ib = cost(state, params, b, i)
    logit = float(state.logit0[b, i]) - float(state.risk_aversion[i]) * pr * cost_ib
    if rew > 0:
        logit += aware * params.behave.reward_sensitivity * pr * rew
    if params.behave.conformity[b] > 0:
        k = [int(x) for x in params.behave.conform_idx].index(b)
        ref = max(float(state.seen_ref[k, i]), 1e-6)
        logit += float(params.behave.conformity[b]) * min(
            max((float(state.seen[k, i]) - ref) / ref, -1.0), 1.0
        )
    return sig(logit)


def behave(state: CitizenState, params: RegimeParams, d: StepDraws, ev: StepEvents) -> None:
    for b, name in enumerate(params.behave.behaviour_names):
        for i in range(state.n):
            ev.acts[b, i] = d.one(f"act/{name}", i) < probability(state, params, b, i)


# observe -----------------------------------------------------------------------------


def observe(state: CitizenState, params: RegimeParams, d: StepDraws, ev: StepEvents,
            diary: Diary | None = None) -> None:  # fmt: skip
    """Phase 2; ``diary`` gets (what, "source: behaviour") per seen, misread or false record."""
    note = diary if diary is not None else {}
    for arr in (ev.detected, ev.caught, ev.false_records):
        arr[:] = False
    for s, src in enumerate(params.observe.source_names):
        report = float(params.observe.informant_report[s])
        for b, name in enumerate(params.behave.behaviour_names):
            if not params.observe.observes[s, b]:
                continue
            other = int(params.observe.speech_pair[s, b])
            for i in range(state.n):
                g = int(state.group[i])
                cover = float(params.observe.coverage[s, g])
                if ev.acts[b, i]:
                    p = cover
                    if report > 0:
                        p *= 1 - (1 - report) ** int(state.informant_count[i])
                    if d.one(f"detect/{src}/{name}", i) < np.float32(p):
                        ev.detected[b, i] = True
                        note.get(i, []).append(("seen", f"{src}: {name}"))
                        misread = (
                            other >= 0
                            and params.observe.misclassification[s] > 0
                            and d.one(f"misread/{src}/{name}", i)
                            < params.observe.misclassification[s]
                        )
                        if misread:
                            ev.false_records[other, i] = True
                            note.get(i, []).append(("misread", f"{src}: {name}"))
                        else:
                            ev.caught[b, i] = True
                p_false = np.float32(cover) * np.float32(params.observe.false_positive[s])
                if p_false > 0 and d.one(f"false/{src}/{name}", i) < p_false:
                    ev.false_records[b, i] = True
                    note.get(i, []).append(("false", f"{src}: {name}"))
    # A true catch wins over a false record of the same behaviour.
    for b in range(params.n_behaviours):
        for i in range(state.n):
            if ev.caught[b, i]:
                ev.false_records[b, i] = False


# score -------------------------------------------------------------------------------


def _points(score: int, records: list[bool], scored: bool, params: RegimeParams) -> int:
    if scored:
        for b, rec in enumerate(records):
            if rec:
                score += int(params.score.points[b])
    if score < params.score.start:
        score = min(score + params.score.recovery, params.score.start)
    return min(max(score, params.score.lo), params.score.hi)


def _listing(
    until: int, score: int, entry: bool, pays: bool, t: int, params: RegimeParams
) -> tuple[int, bool]:
    """One world's listing after today; returns the new end and whether newly listed."""
    listed = until != NOT_LISTED
    expired = listed and until <= t
    if params.score.coupling == COUPLING_SCORE:
        if score < params.listing.threshold:
            if not listed:
                return t + params.listing.term, True
            if expired:  # renewal at the end of the term
                if params.listing.extension >= 0:
                    return min(max(until, t) + params.listing.extension, 2**30), False
                return t + params.listing.term, False
            return until, False
        return (NOT_LISTED if expired else until), False
    if entry:
        if not listed or expired:  # an expired listing has ended: this one is new
            return t + params.listing.term, True
        if params.listing.extension >= 0:
            return min(until + params.listing.extension, 2**30), False
        return t + params.listing.term, False
    if expired or (listed and pays):
        return NOT_LISTED, False
    return until, False


def _tolerate(records: list[bool], counts: Any, i: int, t: int, params: RegimeParams) -> list[bool]:
    """docs/model.md, score step 1: a tolerated behaviour's record costs points only
    once the period already holds ``free`` records of it; then today's are counted."""
    out = list(records)
    for k, b in enumerate(int(x) for x in params.score.tol_rows):
        if t % int(params.score.tol_period[k]) == 0:
            counts[k, i] = 0
        out[b] = records[b] and int(counts[k, i]) >= int(params.score.tol_free[k])
        counts[k, i] += 1 if records[b] else 0
    return out


def score(state: CitizenState, params: RegimeParams, d: StepDraws, ev: StepEvents) -> None:
    t = state.step
    entry_bs = [b for b in range(params.n_behaviours) if params.listing.entry_events[b]]
    for i in range(state.n):
        scored = bool(state.consented[i]) if params.score.consent_required else True
        recorded = [
            bool(ev.caught[b, i] or ev.false_records[b, i]) for b in range(params.n_behaviours)
        ]
        truly = [bool(ev.detected[b, i]) for b in range(params.n_behaviours)]
        # Listing reads every record; points only those beyond a tolerance.
        costly = _tolerate(recorded, state.tolerated, i, t, params)
        costly_ef = _tolerate(truly, state.ef_tolerated, i, t, params)
        s = _points(int(state.score[i]), costly, scored, params)
        ef = _points(int(state.ef_score[i]), costly_ef, scored, params)
        state.score[i], state.ef_score[i] = s, ef
        state.tier[i] = tier_of(s, params)
        ev.newly_listed[i] = ev.appeals_filed[i] = ev.appeals_won[i] = ev.paid[i] = False
        ev.repaired[i] = ev.expired[i] = False
        if not params.listing.has_list:
            continue
        pays = False
        listed_ef = state.ef_listed_until[i] != NOT_LISTED
        if (
            params.score.coupling != COUPLING_SCORE
            and params.listing.payment_exit > 0
            and listed_ef
        ):
            pays = d.one("payment", i) < params.listing.payment_exit
        before = int(state.listed_until[i])
        # docs/model.md: credit repair, list coupling, anyone listed in either world,
        # one draw used in both worlds; it ends a listing as paying does.
        repairs = (
            params.score.coupling != COUPLING_SCORE
            and params.listing.repair_exit > 0
            and (before != NOT_LISTED or listed_ef)
            and d.one("repair", i) < params.listing.repair_exit
        )
        leaves = pays or repairs
        ef_until, _ = _listing(
            int(state.ef_listed_until[i]), ef, any(truly[b] for b in entry_bs), leaves, t, params
        )
        entered = any(recorded[b] for b in entry_bs)
        until, new = _listing(before, s, entered, leaves, t, params)
        # docs/model.md: a listing lapses on the day its term ends unless it is renewed
        # (score coupling, still below the threshold); an entry that day is a new one.
        renewed = params.score.coupling == COUPLING_SCORE and s < params.listing.threshold
        ev.expired[i] = before != NOT_LISTED and before <= t and not renewed
        ev.repaired[i] = (
            repairs and not pays and before != NOT_LISTED and before > t and not entered
        )
        # docs/model.md: the listing ends because the person pays on a day without an
        # entry event, before its term; list coupling only.
        ev.paid[i] = (
            params.score.coupling != COUPLING_SCORE
            and pays
            and before != NOT_LISTED
            and before > t
            and not entered
        )
        state.ef_listed_until[i], state.listed_until[i] = ef_until, until
        state.listed_wrongly[i] = until != NOT_LISTED and ef_until == NOT_LISTED
        if before != NOT_LISTED and until == NOT_LISTED:
            state.appeal_at[i] = NO_APPEAL
        if new:
            ev.newly_listed[i] = True
            state.sanctions[i] += 1
            if state.listed_wrongly[i] and d.one("appeal/file", i) < params.listing.appeal_share:
                state.appeal_at[i] = t + max(params.listing.appeal_delay, 1)
                ev.appeals_filed[i] = True
        if int(state.appeal_at[i]) == t and until != NOT_LISTED:
            state.appeal_at[i] = NO_APPEAL
            if (
                state.listed_wrongly[i]
                and d.one("appeal/decide", i) < params.listing.appeal_success
            ):
                ev.appeals_won[i] = True
                state.listed_until[i] = ef_until
                state.listed_wrongly[i] = False
                state.score[i] = state.ef_score[i]
                state.tolerated[:, i] = state.ef_tolerated[:, i]
                state.tier[i] = tier_of(int(state.score[i]), params)


# consequences ------------------------------------------------------------------------


def consequences(
    state: CitizenState,
    net: Network,
    params: RegimeParams,
    d: StepDraws,
    ev: StepEvents,
    diary: Diary | None = None,
) -> None:
    """Phase 4; ``diary`` gets ("wanted" or "denied", opportunity) and ("perk", CNY)."""
    note = diary if diary is not None else {}
    ev.denied_any[:] = False
    for o, name in enumerate(params.consequences.opportunity_names):
        ev.wanted[o] = 0
        ev.denied[o] = 0
        for i in range(state.n):
            if not d.one(f"want/{name}", i) < np.float32(params.consequences.demand[o]):
                continue
            g = int(state.group[i])
            ev.wanted[o, g] += 1
            note.get(i, []).append(("wanted", name))
            listed = state.listed_until[i] != NOT_LISTED
            # docs/model.md: the list blocks a listed person's attempt with probability
            # `enforcement` (one draw, purpose enforce/<o>, only where it is below 1).
            blocked = listed and bool(params.consequences.denied_listed[o])
            share = np.float32(params.consequences.enforcement[o])
            if blocked and share < 1:
                blocked = d.one(f"enforce/{name}", i) < share
            if blocked or params.consequences.denied_tier[o, state.tier[i]]:
                ev.denied[o, g] += 1
                ev.denied_any[i] = True
                note.get(i, []).append(("denied", name))
                state.denials[i] += 1
            else:
                state.wealth[i] += float(params.consequences.value[o])
    for i in range(state.n):
        perk = float(params.consequences.perk[state.tier[i]])
        if params.score.consent_required and not state.consented[i]:
            perk = 0.0
        state.wealth[i] += float(state.income[i]) / 365.0 + perk
        note.get(i, []).append(("perk", perk))
        if perk > 0:
            state.perk_days[i] += 1
    shaming(state, net, params, d, ev)
    if params.listing.association_penalty > 0:
        on_list = [state.listed_until[j] != NOT_LISTED for j in range(state.n)]
        ef_on_list = [state.ef_listed_until[j] != NOT_LISTED for j in range(state.n)]
        for i in range(state.n):
            if params.score.consent_required and not state.consented[i]:
                continue
            nbrs = active_neighbours(net, i)
            for arr, flags in ((state.score, on_list), (state.ef_score, ef_on_list)):
                loss = params.listing.association_penalty * sum(1 for j in nbrs if flags[j])
                arr[i] = min(max(int(arr[i]) - loss, params.score.lo), params.score.hi)
            state.tier[i] = tier_of(int(state.score[i]), params)


def _cut(state: CitizenState, net: Network, params: RegimeParams, i: int, j: int) -> None:
    for row, col in ((i, j), (j, i)):
        for e in range(int(net.indptr[row]), int(net.indptr[row + 1])):
            if int(net.indices[e]) == col:
                net.active[e] = False
    state.degree[i] -= 1
    state.degree[j] -= 1
    state.ties_lost[i] += 1
    state.informant_count[i] -= int(state.informant[j])
    state.informant_count[j] -= int(state.informant[i])
    state.ties_cut += 1
    # The conformity reference follows the ties left (section 4).
    for x in (i, j):
        nbrs = active_neighbours(net, x)
        for k, b in enumerate(params.behave.conform_idx):
            own = sig(float(state.logit0[b, x]))
            values = [sig(float(state.logit0[b, y])) for y in nbrs]
            state.seen_ref[k, x] = sum(values) / len(values) if values else own


def shaming(
    state: CitizenState, net: Network, params: RegimeParams, d: StepDraws, ev: StepEvents
) -> None:
    has_told = state.told.shape[0] > 0
    # Everyone leaves every channel when the listing ends (a new listing starts afresh);
    # their ties forget it.
    for i in range(state.n):
        if state.listed_until[i] == NOT_LISTED or ev.newly_listed[i]:
            if state.shamed[i] and has_told:
                for e in range(int(net.indptr[i]), int(net.indptr[i + 1])):
                    state.told[e] = False
            state.shamed[i] = state.ringtone[i] = False
    ev.newly_shamed[:] = False
    any_screen = False
    confronted: list[tuple[int, int, int]] = []  # (edge, listed person, neighbour)
    learners: set[int] = set()
    for i in range(state.n):
        if not ev.newly_listed[i]:
            continue
        shown = d.one("shame/screens", i) < params.shaming.display_share
        rung = (
            params.shaming.ring_share > 0 and d.one("shame/ringtone", i) < params.shaming.ring_share
        )
        mapped = params.shaming.map_share > 0 and d.one("shame/map", i) < params.shaming.map_share
        if shown or rung or mapped:
            ev.newly_shamed[i] = state.shamed[i] = True
            state.shamings[i] += 1
        state.ringtone[i] = state.ringtone[i] or rung
        any_screen = any_screen or shown
        for e in range(int(net.indptr[i]), int(net.indptr[i + 1])):
            if not net.active[e]:
                continue
            uses = mapped and d.one("shame/map_use", e) < params.shaming.map_usage
            if uses:
                learners.add(int(net.indices[e]))
            if shown or uses:
                confronted.append((e, i, int(net.indices[e])))
                if has_told:
                    state.told[e] = True
    viewers = []
    if any_screen:
        reach = np.float32(params.shaming.reach)
        viewers = [i for i in range(state.n) if d.one("shame/screen_view", i) < reach]
    ev.screen_viewers = np.array(viewers, dtype=np.int64)
    calls: list[tuple[int, int, int]] = []
    if params.shaming.ring_share > 0 and params.shaming.contact_rate > 0:
        for i in range(state.n):
            if not (state.ringtone[i] and state.listed_until[i] != NOT_LISTED):
                continue
            if ev.newly_listed[i]:
                continue  # the ringtone is heard from the day after listing
            for e in range(int(net.indptr[i]), int(net.indptr[i + 1])):
                if net.active[e] and d.one("shame/call", e) < params.shaming.contact_rate:
                    learners.add(int(net.indices[e]))
                    if not (has_told and state.told[e]):
                        calls.append((e, i, int(net.indices[e])))
                        if has_told:
                            state.told[e] = True
    ev.shame_learners = np.array(sorted(learners), dtype=np.int64)
    done: set[tuple[int, int]] = set()
    decisions = [(e, i, j, d.one("shame/cut", e)) for e, i, j in confronted]
    decisions += [(e, i, j, d.one("shame/call_cut", e)) for e, i, j in calls]
    for _, i, j, u in decisions:
        key = (min(i, j), max(i, j))
        if u < params.shaming.tie_cut and key not in done:
            done.add(key)
            _cut(state, net, params, i, j)


# adapt -------------------------------------------------------------------------------


def adapt(state: CitizenState, net: Network, params: RegimeParams, ev: StepEvents) -> None:
    viewers = {int(v) for v in ev.screen_viewers}
    learners = {int(v) for v in ev.shame_learners}
    for i in range(state.n):
        nbrs = active_neighbours(net, i)
        near_listing = any(ev.newly_listed[j] for j in nbrs)
        for b in range(params.n_behaviours):
            pr = float(state.perceived_risk[b, i])
            if ev.acts[b, i]:
                pr += params.adapt.learn_own * ((1.0 if ev.caught[b, i] else 0.0) - pr)
            if params.behave.penalty[b] + params.behave.listing_stake[b] > 0:
                if near_listing:
                    pr += params.adapt.learn_social * (1.0 - pr)
                if i in viewers:
                    pr += params.shaming.shame_effect * (1.0 - pr)
                if i in learners:
                    pr += params.shaming.shame_effect * (1.0 - pr)
            pr += params.adapt.forget * (float(params.adapt.prior_risk[b]) - pr)
            state.perceived_risk[b, i] = pr
        for k, b in enumerate(params.behave.conform_idx):
            if nbrs:
                share = sum(1 for j in nbrs if ev.acts[b, j]) / len(nbrs)
                state.seen[k, i] += params.adapt.conformity_smoothing * (
                    share - float(state.seen[k, i])
                )
        if params.behave.dissent >= 0 and ev.acts[params.behave.dissent, i]:
            state.last_dissent[i] = state.step
    if params.drift.resentment > 0 or params.drift.pressure > 0:
        drift(state, net, params, ev)


def drift(state: CitizenState, net: Network, params: RegimeParams, ev: StepEvents) -> None:
    since = state.step - params.behave.dissent_window
    old = [float(x) for x in state.stance]
    voiced = [int(state.last_dissent[j]) > since for j in range(state.n)]
    for i in range(state.n):
        x = old[i]
        if params.drift.resentment > 0 and (ev.newly_listed[i] or ev.denied_any[i]):
            x -= params.drift.resentment * (x + 1.0)
        nbrs = active_neighbours(net, i)
        if params.drift.pressure > 0 and params.behave.dissent >= 0 and nbrs:
            climate = 1.0 - 2.0 * sum(1 for j in nbrs if voiced[j]) / len(nbrs)
            x += params.drift.pressure * (climate - x)
        state.stance[i] = min(max(x, -1.0), 1.0)
        for b in range(params.n_behaviours):
            state.logit0[b, i] += float(params.behave.stance_weight[b]) * (
                float(state.stance[i]) - old[i]
            )


def step(
    state: CitizenState, net: Network, params: RegimeParams, d: StepDraws, ev: StepEvents
) -> None:
    """behave, observe, score, consequences, adapt (section 3); measure is separate."""
    behave(state, params, d, ev)
    observe(state, params, d, ev)
    score(state, params, d, ev)
    consequences(state, net, params, d, ev)
    adapt(state, net, params, ev)
