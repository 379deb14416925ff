"""Phase 3, ``score``: records become points, scores recover, tiers and listings update.

Everything here runs twice: once in the actual world, on every record, and once in the
error-free world, on the true acts the sources saw (``ev.detected``, misread posts
counted as what they really were), as if no false record or misreading had ever been
made. Both worlds follow the same rules, recovery and bounds, and the person's actual
behaviour; a listing is wrongful when the person is listed in the actual world and
not in the error-free one. Order within the phase (t is the current step):

1. points: every record adds ``points_b`` (negative for penalties); where consent is
   required, only the consenting are scored; for a behaviour with a tolerance, a
   record costs its points only when the person already has ``free`` records of it in
   the current period (periods of ``period`` steps from step 0; the count, of true and
   false records alike, is kept per world and includes the unscored);
2. recovery: a score below ``start`` regains ``recovery`` points (never passing
   ``start``); points earned above ``start`` are kept; the score is clipped to [lo, hi];
3. tiers: the tier is the last one whose lower bound the score reaches;
4. listing. Score coupling: a person below ``threshold`` is listed for ``term`` steps;
   when the term ends the listing is renewed if the score is still below, else it ends.
   List coupling: a recorded entry event lists a person for ``term`` steps from now;
   a listing ends at its term or when the person pays (daily probability
   ``payment_exit`` on a day without a new entry event, for those the error-free world
   lists too: there is a judgment to pay). A renewal (score coupling) or a new entry
   event during a listing (list coupling) adds ``extension`` steps to it, or restarts
   it for ``term`` steps if no extension is set;
5. appeals: a person newly and wrongly listed appeals with probability
   ``appeal_share``; the appeal is decided ``max(appeal_delay, 1)`` steps later and,
   if the listing is still wrongful, succeeds with probability ``appeal_success``,
   which restores the error-free world: its score, its tier, its listing (none) and
   its counts of tolerated records.

Random numbers: ``payment``, ``appeal/file`` and ``appeal/decide``, one per person and
step (see :mod:`scoresim.core.crn`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scoresim.core import threads
from scoresim.core.crn import StepDraws
from scoresim.core.network import Network
from scoresim.society import score_kernel as kernel
from scoresim.society.events import StepEvents
from scoresim.society.params import COUPLING_SCORE, ListParams, ScoreParams
from scoresim.society.state import NO_APPEAL, CitizenState

LISTING_CAP = 2**30  # repeated extensions must not overflow int32 step counts


def compute_tier(
    score: NDArray[np.int16], tier_of: NDArray[np.uint8], lo: int
) -> NDArray[np.uint8]:
    """Tier index of each score in [lo, hi]: (N,) uint8, by lookup in ``tier_of``.

    ``tier_of`` is :attr:`~scoresim.society.params.ScoreParams.tier_of` ((hi - lo + 1,)
    uint8, the tier of every possible score from ``lo``) or a part's copy of it. One
    gather instead of a binary search per agent (4 ms against 0.5 ms at 10^6).
    """
    tiers: NDArray[np.uint8] = tier_of[score.astype(np.intp) - lo]
    return tiers


def scored(state: CitizenState, consent_required: bool) -> NDArray[np.bool_]:
    """(N,) bool, whose records change their score: the consenting where consent is required."""
    out: NDArray[np.bool_] = state.consented if consent_required else np.ones(state.n, np.bool_)
    return out


def tolerate(
    records: NDArray[np.bool_], counts: NDArray[np.uint32], sp: ScoreParams, t: int
) -> NDArray[np.bool_]:
    """The records that cost points under ``scoring.tolerance``, and the counts updated.

    Args:
        records: (B, N) bool, today's records of one world (true or false alike).
        counts: (K, N) uint32, that world's records this period of each tolerated
            behaviour; reset at the start of each period, then today's added (in place).
        sp: the scoring, with its tolerances.
        t: the current step.

    Returns:
        ``records`` itself without a tolerance; otherwise a copy in which a tolerated
        behaviour's record counts only if the period already holds ``free`` of them.
    """
    if sp.tol_rows.shape[0] == 0:
        return records
    out = records.copy()
    for k, b in enumerate(sp.tol_rows):
        if t % int(sp.tol_period[k]) == 0:
            counts[k] = 0
        out[b] = records[b] & (counts[k] >= sp.tol_free[k])
        counts[k] += records[b]
    return out


def update_points(state: CitizenState, sp: ScoreParams, ev: StepEvents) -> None:
    """Steps 1 to 3 in both worlds: points, recovery, clipping, tiers."""
    who = scored(state, sp.consent_required)
    args = (sp.points, sp.start, sp.recovery, sp.lo, sp.hi, sp.tier_of)
    actual, more = ev.caught, ev.false_records
    if sp.tol_rows.shape[0]:
        actual = tolerate(ev.caught | ev.false_records, state.tolerated, sp, state.step)
        more = actual
    kernel.update_points(state.score, state.tier, actual, more, who, *args)
    true = tolerate(ev.detected, state.ef_tolerated, sp, state.step)
    kernel.update_points(state.ef_score, np.empty(0, np.uint8), true, true, who, *args)


def _entry_events(records: NDArray[np.bool_], lp: ListParams) -> NDArray[np.bool_]:
    """(N,) bool: recorded today for at least one entry-event behaviour."""
    rows = records[np.flatnonzero(lp.entry_events)]
    hit: NDArray[np.bool_] = (
        np.any(rows, axis=0) if rows.shape[0] else np.zeros(records.shape[1], np.bool_)
    )
    return hit


def advance_listing(
    until: NDArray[np.int32],
    score: NDArray[np.int16],
    entry: NDArray[np.bool_],
    pays: NDArray[np.bool_],
    t: int,
    sp: ScoreParams,
    lp: ListParams,
) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]:
    """Step 4 for one world, in place on ``until`` ((N,) int32, 0 = not listed).

    Args:
        until: (N,) int32, the world's listing ends, updated.
        score: (N,) int16, the world's score after today's points (score coupling).
        entry: (N,) bool, an entry event recorded today (list coupling).
        pays: (N,) bool, would leave a listing today, by paying or by credit repair
            (list coupling).
        t: the current step.
        sp: the scoring (its coupling).
        lp: the list.

    Returns:
        ``new`` (listed today, not listed before), ``ends`` (listing ended today) and
        ``lapsed`` (listing reached its term today and was not renewed or extended).
    """
    n = until.shape[0]
    new, ends, lapsed = np.empty(n, np.bool_), np.empty(n, np.bool_), np.empty(n, np.bool_)
    run = kernel.advance_listing_parallel if threads.parallel(n) else kernel.advance_listing
    run(until, score, entry, pays, t, sp.coupling == COUPLING_SCORE, lp.threshold, lp.term,
        lp.extension, LISTING_CAP, new, ends, lapsed)  # fmt: skip
    return new, ends, lapsed


def update_listing(
    state: CitizenState, sp: ScoreParams, lp: ListParams, d: StepDraws, ev: StepEvents
) -> None:
    """Steps 4 and 5: listings in both worlds; appeals are filed and decided."""
    t, n = state.step, state.n
    list_mode = sp.coupling != COUPLING_SCORE
    rightly = state.ef_listed_until > 0  # listed in the error-free world before today
    pays = np.zeros(n, np.bool_)
    if list_mode and lp.payment_exit > 0:
        candidates = np.flatnonzero(rightly)
        pays[candidates] = d.at("payment", candidates) < lp.payment_exit
    leaves = pays
    repairs = np.zeros(n, np.bool_)
    if list_mode and lp.repair_exit > 0:
        # Credit repair is open to anyone listed, in either world (one draw each).
        candidates = np.flatnonzero((state.listed_until > 0) | rightly)
        repairs[candidates] = d.at("repair", candidates) < lp.repair_exit
        leaves = pays | repairs
    ef_entry = _entry_events(ev.detected, lp) if list_mode else pays
    entry = _entry_events(ev.caught | ev.false_records, lp) if list_mode else pays
    advance_listing(state.ef_listed_until, state.ef_score, ef_entry, leaves, t, sp, lp)
    # Paid off, or repaired: listed past today and no entry event today (list
    # coupling only); a person who both pays and repairs on one day counts as paid.
    early = (state.listed_until > t) & ~entry
    ev.paid[:] = (pays & early) if list_mode else False
    ev.repaired[:] = (repairs & ~pays & early) if list_mode else False
    new, ends, lapsed = advance_listing(state.listed_until, state.score, entry, leaves, t, sp, lp)
    ev.expired[:] = lapsed
    until = state.listed_until
    state.listed_wrongly[:] = (until > 0) & (state.ef_listed_until == 0)
    state.appeal_at[ends] = NO_APPEAL
    state.sanctions[new] += 1
    ev.newly_listed[:] = new
    ev.appeals_filed[:] = False
    ev.appeals_won[:] = False
    # Appeals: filed by the newly wrongly listed, decided after the delay.
    wrong_new = np.flatnonzero(new & state.listed_wrongly)
    filed = wrong_new[d.at("appeal/file", wrong_new) < lp.appeal_share]
    state.appeal_at[filed] = t + max(lp.appeal_delay, 1)
    ev.appeals_filed[filed] = True
    due = np.flatnonzero((state.appeal_at == t) & (until > 0))
    state.appeal_at[due] = NO_APPEAL
    due = due[state.listed_wrongly[due]]
    won = due[d.at("appeal/decide", due) < lp.appeal_success]
    until[won] = state.ef_listed_until[won]
    state.listed_wrongly[won] = False
    state.score[won] = state.ef_score[won]
    state.tolerated[:, won] = state.ef_tolerated[:, won]
    state.tier[won] = compute_tier(state.score[won], sp.tier_of, sp.lo)
    ev.appeals_won[won] = True


def apply(
    state: CitizenState,
    net: Network,
    sp: ScoreParams,
    lp: ListParams,
    d: StepDraws,
    ev: StepEvents,
) -> None:
    """Run the whole score phase with this step's draws ``d``.

    The phase owns two objects, the scoring ``sp`` and the list ``lp`` (the scenario's
    ``scoring:`` and ``blacklist:`` sections).
    """
    update_points(state, sp, ev)
    if lp.has_list:
        update_listing(state, sp, lp, d, ev)
