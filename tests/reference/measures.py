"""Every metric column of one step, per group and for ``all``, from docs/model.md section 8.

Computed from the state after the step and the step's events, one agent at a time, with
the O(n^2) Gini and sorted-list quantiles, so that nothing is shared with the compiled
group sums.
"""

from __future__ import annotations

import math

import numpy as np

from scoresim.core.network import Network
from scoresim.society.events import StepEvents
from scoresim.society.params import Labels, RegimeParams
from scoresim.society.state import CitizenState


def gini(values: list[float]) -> float:
    """Mean absolute difference over twice the mean (0 for an all-zero list)."""
    n = len(values)
    mean = sum(values) / n
    if mean == 0:
        return 0.0
    return sum(abs(a - b) for a in values for b in values) / (2 * n * n * mean)


def quantile_lower(values: list[int], q: float) -> float:
    """The smallest value whose cumulative count reaches q * n."""
    ordered = sorted(values)
    for k, v in enumerate(ordered, start=1):
        if k >= q * len(ordered):
            return float(v)
    return float(ordered[-1])


def row(
    state: CitizenState,
    net: Network,
    params: RegimeParams,
    labels: Labels,
    ev: StepEvents,
    ids: list[int],
    group: int | None,
    initial_logit0: np.ndarray,
    earlier: dict[str, float] | None = None,
) -> dict[str, float]:
    """The metrics of the agents ``ids`` (group ``group``, or None for ``all``).

    ``earlier`` holds the sums over the earlier steps of this row's ``list_entries``
    and ``denied.<o>`` (empty on step 0), which the cumulative columns add to.

    ``initial_logit0`` is the (B, N) pressure-free log-odds at set-up, against which
    chilling is measured even when stances drift.
    """
    earlier = earlier or {}
    t, n = state.step, len(ids)
    out: dict[str, float] = {"population": n}
    for b, name in enumerate(labels.behaviours):
        out[f"rate.{name}"] = sum(bool(ev.acts[b, i]) for i in ids) / n
        out[f"recorded.{name}"] = (
            sum(bool(ev.caught[b, i] or ev.false_records[b, i]) for i in ids) / n
        )
        out[f"recorded_falsely.{name}"] = sum(bool(ev.false_records[b, i]) for i in ids) / n
        if labels.kinds[b] in ("speech", "conduct"):
            pf = sum(1 / (1 + math.exp(-float(initial_logit0[b, i]))) for i in ids) / n
            out[f"chilling.{name}"] = 1 - out[f"rate.{name}"] / pf if pf > 0 else 0.0
        out[f"perceived_risk.{name}"] = sum(float(state.perceived_risk[b, i]) for i in ids) / n
    dissenters = [i for i in ids if state.stance[i] < 0]
    out["private_dissent"] = len(dissenters) / n
    if params.behave.dissent >= 0:
        window = params.behave.dissent_window
        voiced = {i for i in ids if int(state.last_dissent[i]) > t - window}
        out["expressed_dissent"] = len(voiced) / n
        out["silent_dissent"] = sum(1 for i in dissenters if i not in voiced) / n
        days = min(window, t + 1)
        expected = 0.0
        for i in dissenters:
            p0 = 1 / (1 + math.exp(-float(state.logit0[params.behave.dissent, i])))
            expected += (1 - p0) ** days
        out["silent_dissent.pressure_free"] = expected / n
        out["falsification"] = out["silent_dissent"] - out["silent_dissent.pressure_free"]
    scores = [int(state.score[i]) for i in ids]
    out["score.mean"] = sum(scores) / n
    for q in (10, 50, 90):
        out[f"score.p{q}"] = quantile_lower(scores, q / 100)
    out["score.gini"] = gini([float(x) for x in scores])
    for k, name in enumerate(labels.tiers):
        out[f"tier.{name}"] = sum(1 for i in ids if state.tier[i] == k) / n
    listed = [i for i in ids if state.listed_until[i] != 0]
    out["listed"] = len(listed) / n
    out["listed_wrongly"] = sum(1 for i in listed if state.ef_listed_until[i] == 0) / n
    out["appeals"] = sum(bool(ev.appeals_filed[i]) for i in ids)
    out["appeals_won"] = sum(bool(ev.appeals_won[i]) for i in ids)
    out["list_entries"] = sum(bool(ev.newly_listed[i]) for i in ids)
    out["list_paid"] = sum(bool(ev.paid[i]) for i in ids)
    out["list_repaired"] = sum(bool(ev.repaired[i]) for i in ids)
    out["list_expired"] = sum(bool(ev.expired[i]) for i in ids)
    # Cumulative: the earlier steps' counts of the same row, given by the caller.
    out["list_person_times"] = earlier.get("list_entries", 0.0) + out["list_entries"]
    for o, name in enumerate(labels.opportunities):
        cols = range(ev.wanted.shape[1]) if group is None else [group]
        out[f"wanted.{name}"] = sum(int(ev.wanted[o, g]) for g in cols)
        out[f"denied.{name}"] = sum(int(ev.denied[o, g]) for g in cols)
        out[f"denied_total.{name}"] = earlier.get(f"denied.{name}", 0.0) + out[f"denied.{name}"]
    wealth = [float(state.wealth[i]) for i in ids]
    out["wealth.mean"] = sum(wealth) / n
    out["wealth.gini"] = gini(wealth)
    out["shamed"] = sum(bool(state.shamed[i]) for i in ids) / n
    out["ties_cut"] = state.ties_cut if group is None else sum(int(state.ties_lost[i]) for i in ids)
    degree = [
        sum(1 for e in range(int(net.indptr[i]), int(net.indptr[i + 1])) if net.active[e])
        for i in ids
    ]
    out["degree.mean"] = sum(degree) / n
    return out
