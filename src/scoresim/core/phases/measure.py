"""Phase 6, ``measure``: append the step's metrics, one row per group and one for all.

Column names are fixed by MODEL.md section 7. Shares are of the row's population;
``denied.*``, ``appeals`` and ``appeals_won`` are counts this step; ``ties_cut`` is
cumulative (ties lost by the row's members for group rows, all ties for ``all``).
Score quantiles and Gini are exact, computed from the integer score histogram.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scoresim.core.events import StepEvents
from scoresim.core.network import Network
from scoresim.core.params import Labels, RegimeParams
from scoresim.core.state import CitizenState

CHILLED_KINDS = ("speech", "conduct")


def metric_names(labels: Labels) -> list[str]:
    """Numeric metric columns in output order (``step``, ``group`` come first)."""
    b, o, t = labels.behaviours, labels.opportunities, labels.tiers
    chill = [n for n, k in zip(b, labels.kinds, strict=True) if k in CHILLED_KINDS]
    return (
        ["population"]
        + [f"rate.{x}" for x in b]
        + [f"caught.{x}" for x in b]
        + [f"chilling.{x}" for x in chill]
        + ["private_dissent", "expressed_dissent", "falsification_gap"]
        + ["score.mean", "score.p10", "score.p50", "score.p90", "score.gini"]
        + [f"tier.{x}" for x in t]
        + ["listed", "listed_wrongly", "appeals", "appeals_won"]
        + [f"denied.{x}" for x in o]
        + ["wealth.mean", "wealth.gini", "shamed", "ties_cut", "degree.mean"]
        + [f"perceived_risk.{x}" for x in b]
    )


class MetricsBuffer:
    """Preallocated metrics: ``values[name]`` is (steps, G + 1) float64; row G is ``all``."""

    def __init__(self, labels: Labels, steps: int) -> None:
        """Allocate room for ``steps`` steps."""
        self.labels = labels
        self.names = metric_names(labels)
        self.values = {n: np.zeros((steps, len(labels.groups) + 1)) for n in self.names}
        # Agent ids in ascending order of wealth at the last step. Wealth changes little
        # from one step to the next, so a stable sort of the nearly sorted order is fast.
        self.wealth_order: NDArray[np.int64] | None = None


def _sums(group: NDArray[np.uint8], x: NDArray[np.generic], g: int) -> NDArray[np.float64]:
    """Per-group sums and the total: (G + 1,) float64."""
    if x.dtype == np.bool_:
        # Counting the selected few is much cheaper than a weighted pass over everyone.
        s = np.bincount(group[x], minlength=g).astype(np.float64)
    else:
        s = np.bincount(group, weights=x, minlength=g).astype(np.float64)
    return np.append(s, s.sum())


def gini_sorted(x: NDArray[np.float64]) -> float:
    """Gini coefficient of ascending values (0 for empty or all-zero input)."""
    n = x.shape[0]
    total = float(x.sum())
    if n == 0 or total == 0.0:
        return 0.0
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float(2.0 * np.dot(ranks, x) / (n * total) - (n + 1.0) / n)


def _hist_stats(counts: NDArray[np.int64], lo: int) -> tuple[float, float, float, float, float]:
    """Mean, p10, p50, p90 and Gini of integer values given their histogram from ``lo``."""
    n = int(counts.sum())
    if n == 0:
        return (np.nan,) * 5
    values = np.arange(counts.shape[0], dtype=np.float64) + lo
    cum = np.cumsum(counts)
    q = [values[int(np.searchsorted(cum, p * n, side="left"))] for p in (0.1, 0.5, 0.9)]
    total = float(np.dot(values, counts))
    mean = total / n
    prev = cum - counts
    rank_sum = float(np.dot(values * counts, (prev + cum + 1) / 2.0))
    gini = 2.0 * rank_sum / (n * total) - (n + 1.0) / n if total != 0 else 0.0
    return mean, q[0], q[1], q[2], gini


def apply(
    state: CitizenState, net: Network, params: RegimeParams, ev: StepEvents, buf: MetricsBuffer
) -> None:
    """Write row ``state.step`` of ``buf`` from the state and the step's events."""
    t, g_count, grp = state.step, params.n_groups, state.group
    out = {name: col[t] for name, col in buf.values.items()}
    pop = np.array([m.shape[0] for m in state.members] + [state.n], dtype=np.float64)
    share = np.maximum(pop, 1.0)
    out["population"][:] = pop
    for b, name in enumerate(buf.labels.behaviours):
        rate = _sums(grp, ev.acts[b], g_count) / share
        out[f"rate.{name}"][:] = rate
        out[f"caught.{name}"][:] = _sums(grp, ev.caught[b] | ev.false_records[b], g_count) / share
        if f"chilling.{name}" in out:
            pf = state.pf_rate[:, b]
            # A behaviour nobody would do pressure-free (rates below float32's reach)
            # cannot be chilled: report 0 rather than 0/0.
            out[f"chilling.{name}"][:] = 1.0 - np.divide(
                rate, pf, out=np.ones_like(rate), where=pf > 0
            )
        out[f"perceived_risk.{name}"][:] = _sums(grp, state.perceived_risk[b], g_count) / share
    private = _sums(grp, state.stance < 0, g_count) / share
    out["private_dissent"][:] = private
    if params.dissent >= 0:
        recent = state.last_dissent > state.step - params.dissent_window
        expressed = _sums(grp, recent, g_count) / share
        out["expressed_dissent"][:] = expressed
        out["falsification_gap"][:] = np.maximum(private - expressed, 0.0)
    else:
        out["expressed_dissent"][:] = np.nan
        out["falsification_gap"][:] = np.nan
    width = params.hi - params.lo + 1
    hist = np.bincount(
        grp.astype(np.int64) * width + (state.score.astype(np.int64) - params.lo),
        minlength=g_count * width,
    ).reshape(g_count, width)
    hists = [*hist, hist.sum(axis=0)]
    for row, h in enumerate(hists):
        stats = _hist_stats(h, params.lo)
        for key, value in zip(("mean", "p10", "p50", "p90", "gini"), stats, strict=True):
            out[f"score.{key}"][row] = value
    for k, name in enumerate(buf.labels.tiers):
        out[f"tier.{name}"][:] = _sums(grp, state.tier == k, g_count) / share
    listed = state.listed_until > 0
    out["listed"][:] = _sums(grp, listed, g_count) / share
    out["listed_wrongly"][:] = _sums(grp, listed & state.listed_wrongly, g_count) / share
    out["appeals"][:] = _sums(grp, ev.appeals_filed, g_count)
    out["appeals_won"][:] = _sums(grp, ev.appeals_won, g_count)
    for o, name in enumerate(buf.labels.opportunities):
        out[f"denied.{name}"][:g_count] = ev.denied[o]
        out[f"denied.{name}"][g_count] = ev.denied[o].sum()
    out["wealth.mean"][:] = _sums(grp, state.wealth, g_count) / share
    order = buf.wealth_order if buf.wealth_order is not None else np.arange(state.n)
    order = order[np.argsort(state.wealth[order], kind="stable")]
    buf.wealth_order = order
    ranked = state.wealth[order]
    ranked_group = grp[order]
    for g in range(g_count):
        out["wealth.gini"][g] = gini_sorted(ranked[ranked_group == g])
    out["wealth.gini"][g_count] = gini_sorted(ranked)
    out["shamed"][:] = _sums(grp, state.shamed, g_count) / share
    lost = _sums(grp, state.ties_lost, g_count)
    lost[g_count] = state.ties_cut
    out["ties_cut"][:] = lost
    out["degree.mean"][:] = _sums(grp, state.degree, g_count) / share
