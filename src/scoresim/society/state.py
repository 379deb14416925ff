"""The citizens' state as a struct of arrays with compact dtypes.

Static traits are drawn once by :func:`init_state`; the dynamic arrays change every step.
N is the number of agents, B the number of behaviours, C the number of behaviours
with conformity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from scoresim.core.crn import Keys
from scoresim.core.network import Network
from scoresim.society.params import PopulationParams
from scoresim.society.people import People, draw_people

NEVER = np.int32(-(2**30))  # "last criticised" of someone who never did


NO_APPEAL = np.int32(-1)  # ``appeal_at`` of someone with no pending appeal (steps are >= 0)


@dataclass
class CitizenState:
    """All per-agent arrays.

    Attributes:
        group: (N,) uint8, index into the scenario's groups (a check caps them at 255).
        stance: (N,) float32 in [-1, 1], private attitude to the regime (< 0 dissent).
        risk_aversion: (N,) float32 in [0, 1].
        income: (N,) float32, CNY per year.
        aware: (N,) bool, knows it is scored (only they respond to incentives).
        consented: (N,) bool, aware and consenting to be scored; with
            ``consent_required`` only they are scored and paid perks.
        informant: (N,) bool, supportive person who reports criticism heard.
        logit0: (B, N) float32, pressure-free log-odds of each behaviour per day.
        score: (N,) int16, current score.
        tier: (N,) uint8, index of the current tier (a check caps tiers at 255).
        listed_until: (N,) int32, step at which the listing ends; 0 = not listed.
        ef_score: (N,) int16, the error-free score: what ``score`` would be had no
            false record or misread post ever been made, behaviour held fixed.
        ef_listed_until: (N,) int32, the error-free listing, by the same rules.
        listed_wrongly: (N,) bool, listed now and not listed in the error-free world.
        appeal_at: (N,) int32, step at which a pending appeal is decided; -1 = none.
        tolerated, ef_tolerated: (K, N) uint32, records this period of each behaviour
            with a tolerance (``scoring.tolerance``), in the actual and the error-free
            world; (0, N) without one.
        shamed: (N,) bool, listed and made public on some shaming channel now.
        ringtone: (N,) bool, listed with the shaming ringtone now.
        told: (M,) bool per CSR edge position (row i, neighbour j): j has been
            confronted with i's current listing; allocated only when a ringtone
            exists (the only channel that reaches neighbours on later days), else (0,).
        perceived_risk: (B, N) float32 in [0, 1], belief that an act is recorded.
        seen: (C, N) float32, smoothed share of neighbours seen doing each
            conformity behaviour.
        seen_ref: (C, N) float32, the mean pressure-free probability of the agent's
            current active neighbours (its own if it has none); the conformity term is
            measured against it, so it is zero on average without a regime.
        wealth: (N,) float64, CNY earned since step 0 (income, granted opportunities,
            perks).
        denials, perk_days, sanctions, shamings, ties_lost: (N,) uint32 counters.
        last_dissent: (N,) int32, last step the dissent behaviour was done.
        informant_count: (N,) int32, active ties to informants.
        degree: (N,) int32, active ties.
        pf_rate: (G + 1, B) float64, mean pressure-free probability per group; the
            last row is the whole population.
        bounds: (G + 1,) int64; agents are stored group by group, so group g's
            members are ids ``bounds[g]`` to ``bounds[g + 1] - 1``.
        step: the number of completed steps.
        ties_cut: ties cut so far (each undirected tie counted once).
        traits: per-agent (N,) arrays that mechanisms keep and publish by name, for
            other mechanisms to read and for the agents table (``approval``, float32
            in [-1, 1], from the approval mechanism); empty without mechanisms.
        people: age, sex and education (:class:`~scoresim.society.people.People`),
            read-only, each (0,) when the scenario does not draw it.
    """

    group: NDArray[np.uint8]
    stance: NDArray[np.float32]
    risk_aversion: NDArray[np.float32]
    income: NDArray[np.float32]
    aware: NDArray[np.bool_]
    consented: NDArray[np.bool_]
    informant: NDArray[np.bool_]
    logit0: NDArray[np.float32]
    score: NDArray[np.int16]
    tier: NDArray[np.uint8]
    listed_until: NDArray[np.int32]
    ef_score: NDArray[np.int16]
    ef_listed_until: NDArray[np.int32]
    listed_wrongly: NDArray[np.bool_]
    appeal_at: NDArray[np.int32]
    tolerated: NDArray[np.uint32]
    ef_tolerated: NDArray[np.uint32]
    shamed: NDArray[np.bool_]
    ringtone: NDArray[np.bool_]
    told: NDArray[np.bool_]
    perceived_risk: NDArray[np.float32]
    seen: NDArray[np.float32]
    seen_ref: NDArray[np.float32]
    wealth: NDArray[np.float64]
    denials: NDArray[np.uint32]
    perk_days: NDArray[np.uint32]
    sanctions: NDArray[np.uint32]
    shamings: NDArray[np.uint32]
    ties_lost: NDArray[np.uint32]
    last_dissent: NDArray[np.int32]
    informant_count: NDArray[np.int32]
    degree: NDArray[np.int32]
    pf_rate: NDArray[np.float64]
    bounds: NDArray[np.int64]
    step: int = 0
    ties_cut: int = 0
    traits: dict[str, NDArray[np.float32]] = field(default_factory=dict)
    people: People = field(default_factory=People)

    @property
    def n(self) -> int:
        """N, the number of agents."""
        return int(self.group.shape[0])

    @property
    def n_groups(self) -> int:
        """G, the number of groups (``bounds`` has one entry more)."""
        return int(self.bounds.shape[0]) - 1

    @property
    def listed(self) -> NDArray[np.bool_]:
        """(N,) bool, currently on the list."""
        return self.listed_until > 0


def sigmoid(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """Logistic function in float32, stable for large |x|."""
    out: NDArray[np.float32] = (0.5 * (1.0 + np.tanh(0.5 * x))).astype(np.float32, copy=False)
    return out


def _clipped_normal(
    rng: np.random.Generator,
    mean: NDArray[np.float64],
    sd: NDArray[np.float64],
    lo: float,
    hi: float,
) -> NDArray[np.float32]:
    x = rng.standard_normal(mean.shape[0], dtype=np.float32)
    return np.clip(mean + sd * x, lo, hi).astype(np.float32)


def _traits(
    n: int, pop: PopulationParams, keys: Keys
) -> tuple[
    NDArray[np.uint8], NDArray[np.float32], NDArray[np.float32], NDArray[np.float32], People
]:
    """Group (N,) uint8, sorted; stance, risk aversion and income (N,) float32; the people."""
    g_count = pop.group_shares.shape[0]
    # Agents are stored group by group. Ids carry no meaning (every agent's traits are
    # drawn independently given its group), and contiguous groups keep each group's
    # agents, and the network's ring neighbours, close together in memory.
    group = np.sort(
        keys.generator("population/group").choice(g_count, size=n, p=pop.group_shares)
    ).astype(np.uint8)
    stance = _clipped_normal(
        keys.generator("population/stance"), pop.stance_mean[group], pop.stance_sd[group], -1, 1
    )
    risk = _clipped_normal(
        keys.generator("population/risk_aversion"), pop.risk_mean[group], pop.risk_sd[group], 0, 1
    )
    people = draw_people(group, pop.people, keys)
    z = keys.generator("population/income").standard_normal(n, dtype=np.float32)
    log_income = pop.income_log_median[group] + pop.income_sigma[group] * z
    if people.education.size:  # added only then, so that incomes without it keep their bits
        log_income += pop.people.income_shift[group, people.education]
    income = np.exp(log_income).astype(np.float32)
    return group, stance, risk, income, people


def _pressure_free_logits(
    pop: PopulationParams,
    stance_weight: NDArray[np.float32],
    group: NDArray[np.uint8],
    stance: NDArray[np.float32],
    keys: Keys,
) -> NDArray[np.float32]:
    """(B, N) float32 log-odds of each behaviour per day without a regime."""
    n = group.shape[0]
    # Indexing columns by group would give a Fortran-ordered array, whose rows every
    # phase then reads with a stride; keep (B, N) arrays row-contiguous.
    logit0 = np.ascontiguousarray(pop.base_logit.T.astype(np.float32)[:, group])
    for b, name in enumerate(pop.behaviour_names):
        noise = keys.generator(f"population/heterogeneity/{name}").standard_normal(
            n, dtype=np.float32
        )
        logit0[b] += np.float32(pop.heterogeneity[b]) * noise
    logit0 += stance_weight[:, None] * stance[None, :]
    return logit0


def _group_rates(
    pf: NDArray[np.float32], group: NDArray[np.uint8], g_count: int
) -> NDArray[np.float64]:
    """(G + 1, B) float64 mean pressure-free probability per group, the last row all."""
    b_count = pf.shape[0]
    counts = np.bincount(group, minlength=g_count).astype(np.float64)
    pf_rate = np.zeros((g_count + 1, b_count))
    for b in range(b_count):
        pf_rate[:g_count, b] = np.bincount(group, weights=pf[b], minlength=g_count) / np.maximum(
            counts, 1.0
        )
        pf_rate[g_count, b] = float(pf[b].mean(dtype=np.float64))
    return pf_rate


def init_state(n: int, pop: PopulationParams, keys: Keys) -> CitizenState:
    """Draw a synthetic population of ``n`` agents and set the regime's start values.

    Each trait has its own purpose (``population/group``, ``population/stance``,
    ``population/risk_aversion``, ``population/income``,
    ``population/heterogeneity/<behaviour>``, ``population/awareness``,
    ``population/consent``, ``population/informant``), so two scenarios with the same
    groups get the same people, and the same personal noise on every behaviour they
    share, whatever else differs. Awareness, consent and informants are one uniform
    per person compared with the share: a higher share adds people, it never swaps them.
    """
    g_count = pop.group_shares.shape[0]
    group, stance, risk, income, people = _traits(n, pop, keys)
    logit0 = _pressure_free_logits(pop, pop.stance_weight, group, stance, keys)
    aware = keys.uniform("population/awareness", 0, n) < pop.awareness
    consented = aware & (keys.uniform("population/consent", 0, n) < pop.consent)
    informant = (keys.uniform("population/informant", 0, n) < pop.informant_share) & (
        stance >= pop.informant_min_stance
    )
    pf = sigmoid(logit0)
    pf_rate = _group_rates(pf, group, g_count)
    c_count = pop.conform_idx.shape[0]
    seen_ref = np.empty((c_count, n), dtype=np.float32)
    for k, b in enumerate(pop.conform_idx):
        seen_ref[k] = pf[b]
    u32 = np.uint32
    return CitizenState(
        group=group,
        stance=stance,
        risk_aversion=risk,
        income=income,
        aware=aware,
        consented=consented,
        informant=informant,
        logit0=logit0,
        score=np.full(n, pop.score_start, dtype=np.int16),
        tier=np.full(n, pop.start_tier, dtype=np.uint8),
        listed_until=np.zeros(n, np.int32),
        ef_score=np.full(n, pop.score_start, dtype=np.int16),
        ef_listed_until=np.zeros(n, np.int32),
        listed_wrongly=np.zeros(n, np.bool_),
        appeal_at=np.full(n, NO_APPEAL, np.int32),
        tolerated=np.zeros((pop.tolerances, n), np.uint32),
        ef_tolerated=np.zeros((pop.tolerances, n), np.uint32),
        shamed=np.zeros(n, np.bool_),
        ringtone=np.zeros(n, np.bool_),
        told=np.zeros(0, np.bool_),
        perceived_risk=np.repeat(pop.prior_risk[:, None], n, axis=1),
        seen=seen_ref.copy(),
        seen_ref=seen_ref,
        wealth=np.zeros(n, np.float64),
        denials=np.zeros(n, u32),
        perk_days=np.zeros(n, u32),
        sanctions=np.zeros(n, u32),
        shamings=np.zeros(n, u32),
        ties_lost=np.zeros(n, u32),
        last_dissent=np.full(n, NEVER, np.int32),
        informant_count=np.zeros(n, np.int32),
        degree=np.zeros(n, np.int32),
        pf_rate=pf_rate,
        bounds=np.searchsorted(group, np.arange(g_count + 1)).astype(np.int64),
        people=people,
    )


def init_social(state: CitizenState, net: Network, pop: PopulationParams) -> None:
    """Set the network-dependent state: degrees, informant neighbours, conformity references.

    ``told`` gets one flag per edge if the regime has a shaming ringtone.

    ``seen_ref`` and ``seen`` start as the mean pressure-free probability of each agent's
    neighbours (an isolated agent keeps its own).
    """
    state.degree[:] = np.diff(net.indptr)
    if pop.ringtone:
        state.told = np.zeros(net.indices.shape[0], np.bool_)
    state.informant_count[:] = net.neighbour_counts(state.informant)
    own = state.seen_ref.copy()
    for k in range(state.seen_ref.shape[0]):
        state.seen_ref[k] = neighbour_mean(net, own[k], state.degree)
    state.seen[:] = state.seen_ref


def neighbour_mean(
    net: Network, values: NDArray[np.float32], degree: NDArray[np.int32]
) -> NDArray[np.float32]:
    """(N,) float32: the mean of ``values`` over each agent's active neighbours.

    An agent without active neighbours keeps its own value.
    """
    has_nb = degree > 0
    out = values.copy()
    out[has_nb] = net.neighbour_sum(values)[has_nb] / degree[has_nb].astype(np.float32)
    return out


def refresh_seen_ref(
    state: CitizenState, net: Network, conform_idx: NDArray[np.int32], rows: NDArray[np.int64]
) -> None:
    """Recompute ``seen_ref`` of ``rows`` ((K,) int64) from their active neighbours now.

    Called when ties are cut, so that the conformity reference follows the network:
    the mean pressure-free probability (at current stances) of the agents' active
    neighbours, or the agent's own where none is left. ``conform_idx`` ((C,) int32)
    gives the behaviour of each row of ``seen_ref``
    (:attr:`~scoresim.society.params.BehaveParams.conform_idx`, or the caller's copy).
    """
    if rows.shape[0] == 0 or conform_idx.shape[0] == 0:
        return
    edges = net.row_edges(rows)
    counts = (net.indptr[rows + 1] - net.indptr[rows]).astype(np.int64)
    owner = np.repeat(np.arange(rows.shape[0]), counts)
    live = net.active[edges]
    nbrs = net.indices[edges[live]]
    deg = np.bincount(owner[live], minlength=rows.shape[0])
    for k, b in enumerate(conform_idx):
        pf_nb = sigmoid(state.logit0[b, nbrs])
        sums = np.bincount(owner[live], weights=pf_nb, minlength=rows.shape[0])
        own = sigmoid(state.logit0[b, rows])
        state.seen_ref[k, rows] = np.where(deg > 0, sums / np.maximum(deg, 1), own).astype(
            np.float32
        )


def rebase(
    state: CitizenState,
    net: Network,
    base_shift: NDArray[np.float32],
    weight_shift: NDArray[np.float32],
    conform_idx: NDArray[np.int32],
) -> None:
    """Move everyone's pressure-free log-odds when a timeline changes them mid-run.

    ``logit0[b, i]`` moves by ``base_shift[group[i], b] + weight_shift[b] * stance[i]``
    (the change in the group's base log-odds and in the stance weight); the group
    rates ``pf_rate`` and every conformity reference ``seen_ref`` are recomputed from
    the moved log-odds, as they are on day 0.

    Args:
        state: Updated in place.
        net: The network now (its cut ties count as cut).
        base_shift: (G, B) float32.
        weight_shift: (B,) float32.
        conform_idx: (C,) int32, the behaviour of each row of ``seen_ref``.
    """
    state.logit0 += base_shift.T[:, state.group] + weight_shift[:, None] * state.stance[None, :]
    state.pf_rate[:] = _group_rates(sigmoid(state.logit0), state.group, state.n_groups)
    refresh_seen_ref(state, net, conform_idx, np.arange(state.n, dtype=np.int64))
