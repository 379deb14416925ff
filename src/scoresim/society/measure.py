"""Phase 6, ``measure``: append the step's metrics, one row per group and one for all.

Every column is defined in docs/model.md section 8. Shares are of the row's
population; ``wanted.*``, ``denied.*``, ``appeals``, ``appeals_won``, ``list_entries`` and
``list_paid`` are counts this step; ``ties_cut`` is cumulative (ties lost by the row's members for group rows, all
ties for ``all``). Score quantiles and Gini are exact, computed from the integer score
histogram. ``silent_dissent.pressure_free`` is an exact expectation, not a sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future

import numpy as np
from numpy.typing import NDArray

from scoresim.core import threads
from scoresim.core.network import Network
from scoresim.society import measure_kernel as kernel
from scoresim.society.events import StepEvents
from scoresim.society.params import Labels, MeasureParams
from scoresim.society.state import CitizenState, sigmoid

CHILLED_KINDS = ("speech", "conduct")


def metric_names(labels: Labels) -> list[str]:
    """Numeric metric columns in output order (``step``, ``group`` come first)."""
    b, o, t = labels.behaviours, labels.opportunities, labels.tiers
    chill = [n for n, k in zip(b, labels.kinds, strict=True) if k in CHILLED_KINDS]
    return (
        ["population"]
        + [f"rate.{x}" for x in b]
        + [f"recorded.{x}" for x in b]
        + [f"recorded_falsely.{x}" for x in b]
        + [f"chilling.{x}" for x in chill]
        + ["private_dissent", "expressed_dissent", "silent_dissent"]
        + ["silent_dissent.pressure_free", "falsification"]
        + ["score.mean", "score.p10", "score.p50", "score.p90", "score.gini"]
        + [f"tier.{x}" for x in t]
        + ["listed", "listed_wrongly", "appeals", "appeals_won", "list_entries", "list_paid"]
        + [f"wanted.{x}" for x in o]
        + [f"denied.{x}" for x in o]
        + ["wealth.mean", "wealth.gini", "shamed", "ties_cut", "degree.mean"]
        + [f"perceived_risk.{x}" for x in b]
    )


class MetricsBuffer:
    """Preallocated metrics: ``values[name]`` is (steps, G + 1) float64; row G is ``all``.

    It holds whatever columns it is given (the society's and the mechanisms', listed by
    :attr:`scoresim.engine.compile.Compiled.columns`) and knows none by name; each part
    writes its own.
    """

    def __init__(self, columns: Sequence[str], groups: int, steps: int) -> None:
        """Room for ``steps`` rows of each of ``columns`` (unique), ``groups`` + 1 wide."""
        self.names = list(columns)
        self.values = {n: np.zeros((steps, groups + 1)) for n in self.names}
        self.rows = 0  # rows written so far
        # Agent ids in ascending order of wealth at the last step, and their groups in
        # that order. Wealth changes little from one step to the next, so a stable sort
        # of the nearly sorted order is fast, and permuting the groups along with it
        # spares a random gather.
        self.wealth_order: NDArray[np.int64] | None = None
        self.wealth_group: NDArray[np.uint8] | None = None
        # Pressure-free silence per window length, while stances cannot move.
        self.silence: dict[int, NDArray[np.float64]] = {}

    def grow(self, steps: int) -> None:
        """Make room for ``steps`` more rows, keeping the rows written so far."""
        for name, col in self.values.items():
            self.values[name] = np.concatenate([col, np.zeros((steps, col.shape[1]))])


def pressure_free_silence(
    state: CitizenState, p: MeasureParams, buf: MetricsBuffer
) -> NDArray[np.float64]:
    """Expected number of silent dissenters without a regime, per group and all: (G + 1,).

    The sum over agents with stance < 0 of ``(1 - p0)^k``, where ``p0`` is the
    agent's pressure-free daily probability of the dissent behaviour (at its current
    stance) and ``k = min(dissent_window, step + 1)`` the days the window has seen.
    Without stance drift neither the dissenters nor ``p0`` change, so each ``k`` is
    computed once.
    """
    k = min(p.dissent_window, state.step + 1)
    if not p.stances_move and k in buf.silence:
        return buf.silence[k]
    dissenters = np.flatnonzero(state.stance < 0)
    p0 = sigmoid(state.logit0[p.dissent, dissenters]).astype(np.float64)
    stay = np.power(1.0 - p0, k)
    sums = np.bincount(state.group[dissenters], weights=stay, minlength=state.n_groups)
    out = np.append(sums, sums.sum()).astype(np.float64)
    if not p.stances_move:
        buf.silence[k] = out
    return out


def _sums(group: NDArray[np.uint8], x: NDArray[np.generic], g: int) -> NDArray[np.float64]:
    """Per-group sums and the total: (G + 1,) float64."""
    if x.dtype == np.bool_:
        # Counting the selected few is much cheaper than a weighted pass over everyone.
        s = np.bincount(group[x], minlength=g).astype(np.float64)
    else:
        s = np.bincount(group, weights=x, minlength=g).astype(np.float64)
    return np.append(s, s.sum())


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


GiniRow = NDArray[np.float64]


def wealth_gini(state: CitizenState, buf: MetricsBuffer, g_count: int) -> GiniRow:
    """Gini of wealth per group and overall, (G + 1,) float64; updates the kept order."""
    if buf.wealth_order is None or buf.wealth_group is None:
        buf.wealth_order, buf.wealth_group = np.arange(state.n), state.group.copy()
    # Run on a helper thread: one compiled gather, NumPy's stable sort, then the
    # permutation of ids and groups fused with the Gini in one compiled pass (three
    # gathers and a separate pass before); all of it runs without the GIL.
    keys = kernel.gather(state.wealth, buf.wealth_order)
    perm = np.argsort(keys, kind="stable")
    buf.wealth_order, buf.wealth_group, gini = kernel.permute_gini(
        keys, perm, buf.wealth_order, buf.wealth_group, g_count
    )
    out: NDArray[np.float64] = gini
    return out


def begin(state: CitizenState, buf: MetricsBuffer) -> Future[GiniRow]:
    """Start the wealth Gini on a helper thread, as soon as the step's wealth is final.

    Wealth changes only in ``consequences``; started then, the sort runs beside
    ``adapt`` instead of after it. Pass the result to :func:`apply`.
    """
    return threads.submit(state.n, wealth_gini, state, buf, state.n_groups)


def apply(
    state: CitizenState,
    net: Network,
    p: MeasureParams,
    ev: StepEvents,
    buf: MetricsBuffer,
    gini: Future[GiniRow] | None = None,
) -> None:
    """Write row ``state.step`` of ``buf`` from the state and the step's events.

    ``gini`` is the wealth Gini started by :func:`begin`; without it, it is started
    here (beside the group sums).
    """
    t, g_count, grp = state.step, state.n_groups, state.group
    if t >= next(iter(buf.values.values())).shape[0]:
        buf.grow(max(t, 16))
    buf.rows = t + 1
    out = {name: col[t] for name, col in buf.values.items()}
    pop = np.append(np.diff(state.bounds), state.n).astype(np.float64)
    share = np.maximum(pop, 1.0)
    out["population"][:] = pop
    width = p.hi - p.lo + 1
    since = state.step - p.dissent_window
    # The wealth Gini (a sort) and the group sums (a compiled pass) are independent
    # and both release the GIL, so they run on two cores at once.
    if gini is None:
        gini = begin(state, buf)
    acts, rec, false, pr, tiers, sc, hist = kernel.group_sums(
        state.bounds,
        ev.acts,
        ev.caught,
        ev.false_records,
        state.perceived_risk,
        state.stance,
        state.last_dissent,
        since,
        state.tier,
        state.listed_until,
        state.listed_wrongly,
        state.shamed,
        state.ties_lost,
        state.degree,
        state.wealth,
        state.score,
        p.lo,
        len(p.tiers),
        width,
    )

    def with_total(x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Append the all-groups row: (G, ...) -> (G + 1, ...)."""
        return np.concatenate([x, x.sum(axis=0, keepdims=True)])

    acts, rec, false, pr, tiers, sc = (with_total(x) for x in (acts, rec, false, pr, tiers, sc))
    _behaviour_columns(out, p.behaviours, state, acts, rec, false, pr, share)
    _dissent_columns(out, state, p, buf, sc, share)
    _score_columns(out, p.tiers, hist, tiers, p.lo, share)
    _list_columns(out, ev, grp, g_count, sc, share)
    for o, name in enumerate(p.opportunities):
        out[f"wanted.{name}"][:g_count] = ev.wanted[o]
        out[f"wanted.{name}"][g_count] = ev.wanted[o].sum()
        out[f"denied.{name}"][:g_count] = ev.denied[o]
        out[f"denied.{name}"][g_count] = ev.denied[o].sum()
    out["wealth.mean"][:] = sc[:, kernel.WEALTH] / share
    out["wealth.gini"][:] = gini.result()
    out["shamed"][:] = sc[:, kernel.SHAMED] / share
    lost = sc[:, kernel.LOST].copy()
    lost[g_count] = state.ties_cut
    out["ties_cut"][:] = lost
    out["degree.mean"][:] = sc[:, kernel.DEGREE] / share


Row = dict[str, NDArray[np.float64]]
"""This step's row of every column: ``out[name]`` is (G + 1,), the last entry ``all``."""


def _behaviour_columns(
    out: Row,
    behaviours: tuple[str, ...],
    state: CitizenState,
    acts: NDArray[np.float64],
    rec: NDArray[np.float64],
    false: NDArray[np.float64],
    pr: NDArray[np.float64],
    share: NDArray[np.float64],
) -> None:
    """Rates, records, false records, chilling and perceived risk, per behaviour.

    ``acts``, ``rec``, ``false`` and ``pr`` are (G + 1, B) sums; ``share`` the (G + 1,)
    populations (at least 1).
    """
    for b, name in enumerate(behaviours):
        rate = acts[:, b] / share
        out[f"rate.{name}"][:] = rate
        out[f"recorded.{name}"][:] = rec[:, b] / share
        out[f"recorded_falsely.{name}"][:] = false[:, b] / share
        if f"chilling.{name}" in out:
            pf = state.pf_rate[:, b]
            # A behaviour nobody would do pressure-free (rates below float32's reach)
            # cannot be chilled: report 0 rather than 0/0.
            out[f"chilling.{name}"][:] = 1.0 - np.divide(
                rate, pf, out=np.ones_like(rate), where=pf > 0
            )
        out[f"perceived_risk.{name}"][:] = pr[:, b] / share


def _dissent_columns(
    out: Row,
    state: CitizenState,
    p: MeasureParams,
    buf: MetricsBuffer,
    sc: NDArray[np.float64],
    share: NDArray[np.float64],
) -> None:
    """Private, expressed and silent dissent, its pressure-free level and falsification.

    Without a dissent behaviour, all but ``private_dissent`` are NaN.
    """
    out["private_dissent"][:] = sc[:, kernel.PRIVATE] / share
    dissent_cols = ("expressed_dissent", "silent_dissent", "silent_dissent.pressure_free")
    if p.dissent >= 0:
        out["expressed_dissent"][:] = sc[:, kernel.EXPRESSED] / share
        silent = sc[:, kernel.SILENT] / share
        expected = pressure_free_silence(state, p, buf) / share
        out["silent_dissent"][:] = silent
        out["silent_dissent.pressure_free"][:] = expected
        out["falsification"][:] = silent - expected
    else:
        for name in (*dissent_cols, "falsification"):
            out[name][:] = np.nan


def _score_columns(
    out: Row,
    tier_names: tuple[str, ...],
    hist: NDArray[np.int64],
    tiers: NDArray[np.float64],
    lo: int,
    share: NDArray[np.float64],
) -> None:
    """Score mean, quantiles and Gini from the (G, width) histograms; tier shares."""
    for row, h in enumerate([*hist, hist.sum(axis=0)]):
        stats = _hist_stats(h, lo)
        for key, value in zip(("mean", "p10", "p50", "p90", "gini"), stats, strict=True):
            out[f"score.{key}"][row] = value
    for k, name in enumerate(tier_names):
        out[f"tier.{name}"][:] = tiers[:, k] / share


def _list_columns(
    out: Row,
    ev: StepEvents,
    grp: NDArray[np.uint8],
    g_count: int,
    sc: NDArray[np.float64],
    share: NDArray[np.float64],
) -> None:
    """Listed (rightly and wrongly) shares; appeals, entries and payments this step."""
    out["listed"][:] = sc[:, kernel.LISTED] / share
    out["listed_wrongly"][:] = sc[:, kernel.WRONGLY] / share
    out["appeals"][:] = _sums(grp, ev.appeals_filed, g_count)
    out["appeals_won"][:] = _sums(grp, ev.appeals_won, g_count)
    out["list_entries"][:] = _sums(grp, ev.newly_listed, g_count)
    out["list_paid"][:] = _sums(grp, ev.paid, g_count)
