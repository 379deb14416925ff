"""Phase 6, ``measure``: append the step's metrics, one row per group and one for all.

Every column is defined in docs/model.md section 8. Shares are of the row's
population; ``wanted.*``, ``denied.*``, ``appeals``, ``appeals_won``, ``list_entries`` and
``list_paid`` are counts this step; ``ties_cut`` is cumulative (ties lost by the row's members for group rows, all
ties for ``all``). Score quantiles and Gini are exact, computed from the integer score
histogram. ``silent_dissent.pressure_free`` is an exact expectation, not a sample.
"""

from __future__ import annotations

import functools
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
        + ["list_repaired", "list_expired", "list_person_times"]
        + [f"wanted.{x}" for x in o]
        + [f"denied.{x}" for x in o]
        + [f"denied_total.{x}" for x in o]
        + ["wealth.mean", "wealth.gini", "shamed", "ties_cut", "degree.mean"]
        + [f"perceived_risk.{x}" for x in b]
    )


class Table:
    """The metrics' rows: ``data`` (steps, C, G + 1) float64, replaced when it grows."""

    def __init__(self, data: NDArray[np.float64]) -> None:
        self.data = data


class MetricsBuffer:
    """Preallocated metrics: ``values[name]`` is (steps, G + 1) float64; row G is ``all``.

    It holds whatever columns it is given (the society's and the mechanisms', listed by
    :attr:`scoresim.engine.compile.Compiled.columns`) and knows none by name; each part
    writes its own. The columns are views of one (steps, C, G + 1) array ``data``, so
    a part may write a block of its columns at once (:meth:`block`).
    """

    def __init__(self, columns: Sequence[str], groups: int, steps: int) -> None:
        """Room for ``steps`` rows of each of ``columns`` (unique), ``groups`` + 1 wide."""
        self.names = list(columns)
        self.index = {name: c for c, name in enumerate(self.names)}
        # The rows live in a holder that stays the same object when they grow, so a
        # step's undo (engine/undo.py) can leave it, and the columns' dict, unwalked.
        self.table = Table(np.zeros((steps, len(self.names), groups + 1)))
        self.values: dict[str, NDArray[np.float64]] = {}
        self.values.update(self._views())
        self._blocks: dict[tuple[str, ...], NDArray[np.intp]] = {}
        self.rows = 0  # rows written so far
        # Agent ids in ascending order of wealth at the last step, and their groups in
        # that order. Wealth changes little from one step to the next, so a stable sort
        # of the nearly sorted order is fast, and permuting the groups along with it
        # spares a random gather.
        self.wealth_order: NDArray[np.int32] | None = None
        self.wealth_group: NDArray[np.uint8] | None = None
        # Pressure-free silence per window length, while stances cannot move.
        self.silence: dict[int, NDArray[np.float64]] = {}

    @property
    def data(self) -> NDArray[np.float64]:
        """(steps, C, G + 1) float64, every column's rows."""
        return self.table.data

    def _views(self) -> dict[str, NDArray[np.float64]]:
        return {name: self.data[:, c, :] for name, c in self.index.items()}

    def block(self, names: tuple[str, ...]) -> NDArray[np.intp]:
        """(K,) the positions of ``names`` in ``data``'s second axis (cached)."""
        found = self._blocks.get(names)
        if found is None:
            found = np.array([self.index[n] for n in names], np.intp)
            self._blocks[names] = found
        return found

    def grow(self, steps: int) -> None:
        """Make room for ``steps`` more rows, keeping the rows written so far."""
        more = np.zeros((steps, *self.data.shape[1:]))
        self.table.data = np.concatenate([self.data, more])
        self.values.update(self._views())  # the same dict, new views


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
        buf.wealth_order = np.arange(state.n, dtype=np.int32)  # ids < 2^31 (limits.py)
        buf.wealth_group = state.group.copy()
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
    if t >= buf.data.shape[0]:
        buf.grow(max(t, 16))
    buf.rows = t + 1
    row = buf.data[t]  # (C, G + 1): this step's row of every column
    col = buf.index
    pop = np.append(np.diff(state.bounds), state.n).astype(np.float64)
    share = np.maximum(pop, 1.0)
    row[col["population"]] = pop
    width = p.hi - p.lo + 1
    since = state.step - p.dissent_window
    # The wealth Gini (a sort) and the group sums (a compiled pass) are independent
    # and both release the GIL, so they run on two cores at once.
    if gini is None:
        gini = begin(state, buf)
    sums = kernel.group_sums_parallel if threads.parallel(state.n) else kernel.group_sums
    acts, rec, false, pr, tiers, sc, hist = sums(
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
    per = share[:, None]
    rate = acts / per  # (G + 1, B)
    row[buf.block(_named("rate.", p.behaviours))] = rate.T
    row[buf.block(_named("recorded.", p.behaviours))] = (rec / per).T
    row[buf.block(_named("recorded_falsely.", p.behaviours))] = (false / per).T
    row[buf.block(_named("perceived_risk.", p.behaviours))] = (pr / per).T
    chilled = [b for b, name in enumerate(p.behaviours) if f"chilling.{name}" in col]
    if chilled:
        names = tuple(p.behaviours[b] for b in chilled)
        pf, chilled_rate = state.pf_rate[:, chilled], rate[:, chilled]
        # A behaviour nobody would do pressure-free (rates below float32's reach)
        # cannot be chilled: report 0 rather than 0/0.
        ratio = np.divide(chilled_rate, pf, out=np.ones_like(chilled_rate), where=pf > 0)
        row[buf.block(_named("chilling.", names))] = (1.0 - ratio).T
    _dissent_columns(row, col, state, p, buf, sc, share)
    for r, h in enumerate([*hist, hist.sum(axis=0)]):
        row[buf.block(_SCORE), r] = _hist_stats(h, p.lo)
    row[buf.block(_named("tier.", p.tiers))] = (tiers / per).T
    _list_columns(row, col, ev, grp, g_count, sc, share)
    last = buf.data[t - 1] if t > 0 else None  # yesterday's row, for the running totals
    entries = col["list_person_times"]
    row[entries] = row[col["list_entries"]] + (last[entries] if last is not None else 0.0)
    if p.opportunities:
        wanted, denied = _named("wanted.", p.opportunities), _named("denied.", p.opportunities)
        row[buf.block(wanted), :g_count] = ev.wanted
        row[buf.block(wanted), g_count] = ev.wanted.sum(axis=1)
        row[buf.block(denied), :g_count] = ev.denied
        row[buf.block(denied), g_count] = ev.denied.sum(axis=1)
        total = buf.block(_named("denied_total.", p.opportunities))
        row[total] = row[buf.block(denied)] + (last[total] if last is not None else 0.0)
    row[col["wealth.mean"]] = sc[:, kernel.WEALTH] / share
    row[col["wealth.gini"]] = gini.result()
    row[col["shamed"]] = sc[:, kernel.SHAMED] / share
    lost = sc[:, kernel.LOST].copy()
    lost[g_count] = state.ties_cut
    row[col["ties_cut"]] = lost
    row[col["degree.mean"]] = sc[:, kernel.DEGREE] / share


_SCORE = ("score.mean", "score.p10", "score.p50", "score.p90", "score.gini")


@functools.cache
def _named(prefix: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """The columns ``prefix + name`` of ``names``, in order (made once per scenario)."""
    return tuple(prefix + name for name in names)


def _dissent_columns(
    row: NDArray[np.float64],
    col: dict[str, int],
    state: CitizenState,
    p: MeasureParams,
    buf: MetricsBuffer,
    sc: NDArray[np.float64],
    share: NDArray[np.float64],
) -> None:
    """Private, expressed and silent dissent, its pressure-free level and falsification.

    Without a dissent behaviour, all but ``private_dissent`` are NaN. ``row`` is the
    step's (C, G + 1) row of every column and ``col`` the columns' positions in it.
    """
    row[col["private_dissent"]] = sc[:, kernel.PRIVATE] / share
    dissent_cols = ("expressed_dissent", "silent_dissent", "silent_dissent.pressure_free")
    if p.dissent >= 0:
        row[col["expressed_dissent"]] = sc[:, kernel.EXPRESSED] / share
        silent = sc[:, kernel.SILENT] / share
        expected = pressure_free_silence(state, p, buf) / share
        row[col["silent_dissent"]] = silent
        row[col["silent_dissent.pressure_free"]] = expected
        row[col["falsification"]] = silent - expected
    else:
        for name in (*dissent_cols, "falsification"):
            row[col[name]] = np.nan


def _list_columns(
    row: NDArray[np.float64],
    col: dict[str, int],
    ev: StepEvents,
    grp: NDArray[np.uint8],
    g_count: int,
    sc: NDArray[np.float64],
    share: NDArray[np.float64],
) -> None:
    """Listed (rightly and wrongly) shares; appeals, entries and payments this step."""
    row[col["listed"]] = sc[:, kernel.LISTED] / share
    row[col["listed_wrongly"]] = sc[:, kernel.WRONGLY] / share
    row[col["appeals"]] = _sums(grp, ev.appeals_filed, g_count)
    row[col["appeals_won"]] = _sums(grp, ev.appeals_won, g_count)
    row[col["list_entries"]] = _sums(grp, ev.newly_listed, g_count)
    row[col["list_paid"]] = _sums(grp, ev.paid, g_count)
    row[col["list_repaired"]] = _sums(grp, ev.repaired, g_count)
    row[col["list_expired"]] = _sums(grp, ev.expired, g_count)
