"""Phase 1, ``behave``: every agent decides, for every behaviour, whether it acts today.

Decision rule, per agent i and behaviour b (log-odds; see docs/model.md)::

    logit p = logit0_ib - risk_aversion_i * perceived_risk_ib * cost_ib
              + incentive_ib + conformity_ib

    score coupling (penalty_b > 0):
    cost_ib      = aware_i * (deterrence * penalty_b * (1 + stakes * proximity_ib)
                              + shame_aversion * exposure * proximity_ib)
    list coupling:
    cost_ib      = aware_i * deterrence * penalty_b * (1 + stakes * proximity_b)
                   + [b is an entry event] * (deterrence * listing_stake_b * (1 + stakes)
                                              + shame_aversion * exposure)
    incentive_ib = aware_i * reward_sensitivity * perceived_risk_ib * reward_b
    conformity_ib = conformity_b * clip((seen_ib - seen_ref_ib) / seen_ref_ib, -1, 1)

With a tolerance for b (``scoring.tolerance``), aware_i counts as 0 for b while the
person's records of b in the current period are fewer than ``free``.

``logit0`` already holds the base rate and the stance term, so with no regime the
probability is the pressure-free one. Only people who know they are scored respond
to points, and, under score coupling, to the list the score leads to; under list
coupling the list is a legal record everyone knows, so its stake and its shaming
deter everyone.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scoresim.core import threads
from scoresim.core.crn import StepDraws
from scoresim.core.network import Network
from scoresim.society import behave_kernel as kernel
from scoresim.society.events import StepEvents
from scoresim.society.params import COUPLING_SCORE, BehaveParams
from scoresim.society.state import CitizenState


def apply(
    state: CitizenState,
    net: Network,
    p: BehaveParams,
    d: StepDraws,
    ev: StepEvents,
) -> None:
    """Set ``ev.acts`` from the decision rule, drawing ``act/<behaviour>`` inline.

    Per behaviour: the log-odds in one compiled pass, NumPy's exponential (vectorised;
    the bits the decisions have always had), then the draws and the decisions in one
    compiled pass, on every Numba thread for a large population.
    """
    table = kernel.coefficients(p)
    n = state.n
    prox = np.zeros(n, dtype=np.float32)
    if p.has_list and p.coupling == COUPLING_SCORE:
        kernel.proximity(state.score, p.threshold, p.proximity_margin, prox)
    row = np.empty(n, dtype=np.float32)
    tolerated = p.tol_rows.shape[0] > 0
    keys = d.keys.table(p.act_purposes)
    settle = kernel.settle_parallel if threads.parallel(n) else kernel.settle
    step = np.uint32(d.step)
    for b in range(p.n_behaviours):
        k = int(table[b, kernel.ROW])
        seen, seen_ref = (state.seen[k], state.seen_ref[k]) if k >= 0 else (row, row)
        kernel.minus_logit(
            table[b],
            state.logit0[b],
            state.perceived_risk[b],
            state.risk_aversion,
            priced(state, p, b, state.step) if tolerated else state.aware,
            prox,
            seen,
            seen_ref,
            row,
        )
        # NumPy's exponential is vectorised (SIMD); Numba's scalar one cost 3x more.
        np.exp(row, out=row)
        settle(keys[b, 0], keys[b, 1], step, row, ev.acts[b])


def priced(state: CitizenState, p: BehaveParams, b: int, day: int) -> NDArray[np.bool_]:
    """(N,) bool: who would pay points for a record of ``b`` made on step ``day``.

    The aware, except, for a behaviour with a tolerance, those whose records of it in
    that day's period are still fewer than ``free`` (people know their own records).
    ``day`` is the current step in ``behave`` (before today's records are counted) and
    the next one after the step (for the polls).
    """
    rows = np.flatnonzero(p.tol_rows == b)
    if rows.shape[0] == 0:
        return state.aware
    k = int(rows[0])
    fresh = day % int(p.tol_period[k]) == 0  # that day's records start a new period
    used = np.zeros(state.n, np.uint32) if fresh else state.tolerated[k]
    out: NDArray[np.bool_] = state.aware & (used >= p.tol_free[k])
    return out


def deterrent(
    state: CitizenState, p: BehaveParams, b: int, who: NDArray[np.int64]
) -> NDArray[np.float64]:
    """``risk_aversion * perceived_risk * cost`` of one act of behaviour ``b``, per person.

    The term the decision rule subtracts from the log-odds (module docstring), for the
    people ``who`` ((K,) int64) at the end of the step: what being recorded doing ``b``
    tomorrow is worth avoiding to them. Returns (K,) float64, 0 for a behaviour that
    costs nothing.
    """
    coef = kernel.coefficients(p)[b].astype(np.float64)
    near = np.zeros(who.shape[0], np.float32)
    if p.has_list and p.coupling == COUPLING_SCORE:
        # The decision rule's own proximity, on the people asked.
        kernel.proximity(state.score[who], p.threshold, p.proximity_margin, near)
    prox = near.astype(np.float64)
    aware = priced(state, p, b, state.step + 1)[who].astype(np.float64)
    cost = aware * (coef[kernel.AWARE_COST] + coef[kernel.PROX_COST] * prox)
    cost += coef[kernel.LIST_COST]
    risk = state.risk_aversion[who].astype(np.float64) * state.perceived_risk[b, who]
    out: NDArray[np.float64] = risk * cost
    return out
