"""Phase 4, ``consequences``: opportunities granted or denied, income, perks, shaming.

In order:

1. each agent wants each opportunity with its daily ``demand`` probability (purpose
   ``want/<opportunity>``: one uniform per person and day, so the same people want
   the same things on the same days in every regime); it is denied if the agent is
   listed and the list denies it, or if the agent's tier denies it; otherwise its
   ``value`` is added to the agent's wealth;
2. every agent earns a day's income (``income / 365``) and the perk of its tier
   (CNY per step; where consent is required, only the consenting);
3. shaming, when the scenario has channels: the newly listed are put on them, and
   neighbours who are confronted may cut ties (:mod:`scoresim.society.shaming`,
   run by the ``shaming`` mechanism as a hook right after this phase);
4. association penalty (:func:`associate`, the part ``association`` of the step, after
   those hooks; it reads :class:`~scoresim.society.params.AssociationParams`): each
   scored agent loses ``association_penalty`` points per listed neighbour, in the
   actual world; in the error-free world, per neighbour the error-free world lists, so
   a penalty for a wrongful listing counts as error.
"""

from __future__ import annotations

import numpy as np

from scoresim.core.crn import StepDraws
from scoresim.core.network import Network
from scoresim.society import consequences_kernel as kernel
from scoresim.society.events import StepEvents
from scoresim.society.params import AssociationParams, ConsequenceParams
from scoresim.society.score import compute_tier, scored
from scoresim.society.state import CitizenState

DAYS_PER_YEAR = 365.0


def apply(
    state: CitizenState,
    net: Network,
    p: ConsequenceParams,
    d: StepDraws,
    ev: StepEvents,
) -> None:
    """Run the consequences phase with this step's draws ``d``, in two compiled passes."""
    kernel.grant(
        d.keys.table(p.want_purposes),
        np.uint32(d.step),
        p.demand.astype(np.float32),
        p.value,
        p.denied_listed,
        p.denied_tier,
        state.group,
        state.tier,
        state.listed_until,
        state.wealth,
        state.denials,
        ev.wanted,
        ev.denied,
        ev.denied_any,
        d.keys.table(p.enforce_purposes),
        p.enforcement,
    )
    kernel.earn(
        state.wealth,
        state.income,
        p.perk,
        state.tier,
        state.consented,
        p.consent_required,
        state.perk_days,
        DAYS_PER_YEAR,
    )
    # Then the mechanisms that act after this phase (the shaming channels first, when
    # the scenario has them), then :func:`associate` (see scoresim.society.parts).


def associate(state: CitizenState, net: Network, p: AssociationParams) -> None:
    """Step 4: the association penalty in both worlds (a no-op when it is 0).

    It runs after the mechanisms that act after ``consequences``, so that it counts
    the ties the shaming channels left standing.
    """
    if p.penalty <= 0:
        return
    who = scored(state, p.consent_required)
    for score, until in (
        (state.score, state.listed_until),
        (state.ef_score, state.ef_listed_until),
    ):
        on_list = until > 0
        if not on_list.any():
            continue
        loss = net.neighbour_counts(on_list).astype(np.int64) * p.penalty
        score[:] = np.clip(score.astype(np.int64) - loss * who, p.lo, p.hi)
    state.tier[:] = compute_tier(state.score, p.tier_of, p.lo)
