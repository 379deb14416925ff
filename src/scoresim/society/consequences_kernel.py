"""The opportunities and the day's income of ``consequences`` as one compiled pass.

NumPy made, per opportunity, an (N,) array of draws, the list of those who want it,
their denials by gathers and masks, and scattered adds of value and denials: about a
dozen Python-level calls an opportunity. Here each person's draw is made inline from
the same Philox counter (``want/<opportunity>``), and the same float64 additions are
made to each person's wealth in the same order (each opportunity's value in turn, then
the day's income and perk), so the results are the same bits.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from scoresim.core.crn import SPAN, draw_one, fill


@njit(cache=True, nogil=True)
def grant(
    keys: np.ndarray,
    step: np.uint32,
    demand: np.ndarray,
    value: np.ndarray,
    denied_listed: np.ndarray,
    denied_tier: np.ndarray,
    group: np.ndarray,
    tier: np.ndarray,
    listed_until: np.ndarray,
    wealth: np.ndarray,
    denials: np.ndarray,
    wanted: np.ndarray,
    denied: np.ndarray,
    denied_any: np.ndarray,
    enforce_keys: np.ndarray,
    enforcement: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Who wants each opportunity today, who is denied it, and the value of the rest.

    Args:
        keys: (O, 2) uint32, the Philox key of each ``want/<opportunity>`` purpose.
        step: the step (the draws' counter).
        demand: (O,) float32, each opportunity's daily probability of being wanted.
        value: (O,) float64, what it adds to wealth when granted (CNY).
        denied_listed: (O,) bool, whether the list denies it.
        denied_tier: (O, T) bool, whether each tier denies it.
        group: (N,) uint8, each person's group.
        tier: (N,) uint8, each person's tier.
        listed_until: (N,) int32, > 0 while listed.
        wealth: (N,) float64, updated.
        denials: (N,) uint32, updated: opportunities denied so far.
        wanted: (O, G) int64, written: people wanting each opportunity, per group.
        denied: (O, G) int64, written: denials, per group.
        denied_any: (N,) bool, written: denied at least one opportunity today.
        enforce_keys: (O, 2) uint32, the key of each ``enforce/<opportunity>`` purpose.
        enforcement: (O,) float32, the chance that the list blocks a listed person's
            attempt; below 1, one draw per listed person who wants it decides.
    """
    n = group.shape[0]
    buf = np.empty(SPAN, np.float32)
    wanted[:] = 0
    denied[:] = 0
    denied_any[:] = False
    for o in range(keys.shape[0]):
        if demand[o] <= np.float32(0.0):
            continue  # nobody can want it (Keys.below draws nothing then)
        k0, k1 = keys[o, 0], keys[o, 1]
        for start in range(0, n, SPAN):
            fill(k0, k1, step, start, buf)
            for j in range(min(SPAN, n - start)):
                if not buf[j] < demand[o]:
                    continue
                i = np.uint64(start + j)  # unsigned: indexing it needs no wraparound check
                g = group[i]
                wanted[o, g] += 1
                blocked = listed_until[i] > 0 and denied_listed[o]
                if blocked and enforcement[o] < np.float32(1.0):
                    u = draw_one(enforce_keys[o, 0], enforce_keys[o, 1], step, i)
                    blocked = u < enforcement[o]
                if blocked or denied_tier[o, tier[i]]:
                    denied[o, g] += 1
                    denied_any[i] = True
                    denials[i] += np.uint32(1)
                else:
                    wealth[i] += value[o]


@njit(cache=True, nogil=True)
def earn(
    wealth: np.ndarray,
    income: np.ndarray,
    perk: np.ndarray,
    tier: np.ndarray,
    consented: np.ndarray,
    consent_required: bool,
    perk_days: np.ndarray,
    days_per_year: float,
) -> None:  # pragma: no cover - compiled
    """A day's income and the tier's perk (to the consenting, where consent is required).

    Args:
        wealth: (N,) float64, updated: ``wealth += income / days_per_year + perk``.
        income: (N,) float32, yearly income (CNY).
        perk: (T,) float64, each tier's daily perk (CNY).
        tier: (N,) uint8, each person's tier.
        consented: (N,) bool, consents to be scored.
        consent_required: only the consenting are paid perks.
        perk_days: (N,) uint32, updated: days a perk was paid.
        days_per_year: 365.
    """
    for i in range(wealth.shape[0]):
        paid = perk[tier[i]]
        if consent_required and not consented[i]:
            paid = 0.0
        wealth[i] += np.float64(income[i]) / days_per_year + paid
        if paid > 0.0:
            perk_days[i] += np.uint32(1)
