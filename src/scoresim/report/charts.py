"""The report's charts as plain data, drawn by two renderers (Plotly and matplotlib).

Each chart is built once from the subjects (runs or sweep points); the HTML page and
the PNG/SVG figures draw the same numbers, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scoresim.report.data import Subject
from scoresim.report.groups import granted, group_counts, not_listed

WARM_UP = (
    "Expressed dissent counts people who voiced it within the dissent window (30 days by "
    "default), so it starts at zero: read the first window as a warm-up."
)


@dataclass
class Trace:
    """A line (x, y) or a bar series (y per category), with an optional band."""

    name: str
    x: list[float]
    y: list[float]  # NaN: nothing to draw there (no bar)
    color: int
    dash: bool = False
    low: list[float] | None = None
    high: list[float] | None = None


@dataclass
class Picture:
    """A drawn network sample: node positions and attributes, ties kept and cut."""

    x: list[float]
    y: list[float]
    tier: list[str]
    tier_order: list[str]
    listed: list[bool]
    shamed: list[bool]
    kept: list[tuple[int, int]]
    cut: list[tuple[int, int]]


@dataclass
class Chart:
    """One figure of the report."""

    key: str
    title: str
    xlabel: str
    ylabel: str
    kind: str  # "lines", "bars" or "network"
    traces: list[Trace] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    threshold: float | None = None
    picture: Picture | None = None
    note: str = ""


def _column(frame: pd.DataFrame | None, name: str, group: str) -> list[float]:
    assert frame is not None
    rows = frame[frame["group"].astype(str) == group].sort_values("step")
    return rows[name].astype(float).tolist()


def line(
    s: Subject, i: int, name: str, label: str, dash: bool = False, group: str = "all"
) -> Trace:
    """The metric ``name`` over time for subject ``s`` (with its band for a sweep point)."""
    rows = s.metrics[s.metrics["group"].astype(str) == group].sort_values("step")
    band = s.low is not None and s.high is not None
    return Trace(
        label,
        rows["step"].astype(float).tolist(),
        rows[name].astype(float).tolist(),
        i,
        dash,
        _column(s.low, name, group) if band else None,
        _column(s.high, name, group) if band else None,
    )


def build_charts(subjects: list[Subject]) -> list[Chart]:
    """Every chart of the report, in reading order."""
    # Every behaviour of every subject, in order of first appearance: regimes of one's
    # own may name theirs differently.
    behaviours = list(dict.fromkeys(
        c.removeprefix("rate.") for s in subjects for c in s.metrics.columns
        if c.startswith("rate.")
    ))  # fmt: skip
    charts: list[Chart] = []
    for b in behaviours:
        drawn = any(b in s.info.get("pressure_free", {}) for s in subjects)
        title = f"{b}: daily rate" + (" against its pressure-free rate (dashed)" if drawn else "")
        c = Chart(f"rate-{b}", title, "day", "share of people per day", "lines")
        for i, s in enumerate(subjects):
            if f"rate.{b}" not in s.metrics:
                continue
            c.traces.append(line(s, i, f"rate.{b}", s.label))
            pf = s.info.get("pressure_free", {}).get(b)
            if pf is not None:
                steps = c.traces[-1].x
                c.traces.append(
                    Trace(f"{s.label}: pressure-free", steps, [pf] * len(steps), i, True)
                )
        charts.append(c)
    c = Chart("dissent", "Expressed (solid) against private (dashed) dissent", "day",
              "share of people", "lines")  # fmt: skip
    for i, s in enumerate(subjects):
        c.traces.append(line(s, i, "expressed_dissent", f"{s.label}: expressed"))
        c.traces.append(line(s, i, "private_dissent", f"{s.label}: private", dash=True))
    c.note = WARM_UP
    charts.append(c)
    c = Chart("gap", "Falsification: silent dissenters beyond silence without the regime",
              "day", "share of people", "lines")  # fmt: skip
    c.traces = [line(s, i, "falsification", s.label) for i, s in enumerate(subjects)]
    c.note = (
        "Falsification = silent_dissent - silent_dissent.pressure_free: the share of people "
        "who privately dissent, did not voice it within the dissent window, and would have "
        "without the regime (docs/model.md)."
    )
    charts.append(c)
    charts.append(_scores(subjects))
    charts.append(_bars_at_end(subjects, "tiers", "Tier shares at the end", "tier.", "share"))
    c = Chart("listed", "Listed (solid) and wrongly listed (dashed)", "day", "share of people",
              "lines")  # fmt: skip
    for i, s in enumerate(subjects):
        c.traces.append(line(s, i, "listed", f"{s.label}: listed"))
        c.traces.append(line(s, i, "listed_wrongly", f"{s.label}: wrongly", dash=True))
    charts.append(c)
    c = Chart("appeals", "Appeals filed (solid) and won (dashed), cumulative", "day", "appeals",
              "lines")  # fmt: skip
    for i, s in enumerate(subjects):
        for name, dash in (("appeals", False), ("appeals_won", True)):
            t = line(s, i, name, f"{s.label}: {name.replace('_', ' ')}", dash)
            t.y = np.cumsum(t.y).tolist()
            t.low = t.high = None  # bands of a cumulative sum would not be min and max
            c.traces.append(t)
    charts.append(c)
    charts.append(_denials(subjects))
    charts.append(_wealth(subjects))
    charts.append(_disparities(subjects))
    said = _said(subjects)
    if said is not None:
        charts.append(said)
        charts.append(_why(subjects))
    tiers = tier_order(subjects)
    for i, s in enumerate(subjects):
        if not s.network.empty:
            charts.append(_network(s, i, tiers))
    return charts


def tier_order(subjects: list[Subject]) -> list[str]:
    """Every subject's tiers, lowest first, merged.

    A tier's colour follows its name, so the same tier looks the same in every
    regime's picture.
    """
    order: list[str] = []
    for s in subjects:
        tiers = s.agents["tier"]
        names = [str(t) for t in tiers.cat.categories] if hasattr(tiers, "cat") else []
        for k, name in enumerate(names):
            if name in order:
                continue
            later = [n for n in names[k + 1 :] if n in order]  # keep below what it is below
            order.insert(order.index(later[0]) if later else len(order), name)
    return order


def _scores(subjects: list[Subject]) -> Chart:
    c = Chart("scores", "Score distribution at the end", "score", "share of people", "lines")
    lo = min(float(s.agents["score"].min()) for s in subjects)
    hi = max(float(s.agents["score"].max()) for s in subjects)
    edges = np.linspace(lo, hi + 1, 41)
    centres = ((edges[:-1] + edges[1:]) / 2).tolist()
    for i, s in enumerate(subjects):
        counts, _ = np.histogram(s.agents["score"].astype(float), bins=edges)
        c.traces.append(Trace(s.label, centres, (counts / max(counts.sum(), 1)).tolist(), i))
    return c


def _last(s: Subject, group: str = "all") -> pd.Series:
    rows = s.metrics[s.metrics["group"].astype(str) == group].sort_values("step")
    return rows.iloc[-1]


def _bars_at_end(subjects: list[Subject], key: str, title: str, prefix: str, unit: str) -> Chart:
    # Regimes may name their tiers differently: every name of every subject, in order.
    cats = list(
        dict.fromkeys(
            c.removeprefix(prefix)
            for s in subjects
            for c in s.metrics.columns
            if c.startswith(prefix)
        )
    )
    c = Chart(key, title, "", unit, "bars", categories=cats)
    for i, s in enumerate(subjects):
        last = _last(s)
        c.traces.append(Trace(s.label, [], [float(last.get(prefix + k, 0.0)) for k in cats], i))
    return c


def _denials(subjects: list[Subject]) -> Chart:
    cols = [c for c in subjects[0].metrics.columns if c.startswith("denied.")]
    c = Chart("denials", "Opportunities denied, by opportunity (total over the run)", "",
              "denials", "bars", categories=[x.removeprefix("denied.") for x in cols])  # fmt: skip
    for i, s in enumerate(subjects):
        rows = s.metrics[s.metrics["group"].astype(str) == "all"]
        c.traces.append(Trace(s.label, [], [float(rows[x].sum()) for x in cols], i))
    return c


def _said(subjects: list[Subject]) -> Chart | None:
    """What people say (each poll's estimate, 95% interval) against what they think.

    Categories are the polls (by name, then how they were asked) of every subject that
    asked any, a survey experiment's arms each after its poll (whose own bar is then the
    uninformed answers); "thought" is the true private share among the same respondents.
    """
    asked = [(s, [p for p in s.info.get("polls", []) if p.get("asked")]) for s in subjects]
    # (poll, arm or None) -> its label, in order of first appearance
    bars: dict[tuple[str, str | None], str] = {}
    for _, polls in asked:
        for p in polls:
            how = f"{p['name']} ({p['question']}, {p['design']}, {p['mode']})"
            bars.setdefault((p["name"], None), how + (", uninformed" if p.get("arms") else ""))
            for arm in p.get("arms") or []:
                bars.setdefault((p["name"], arm["arm"]), f"{p['name']}, told: {arm['arm']}")
    if not bars:
        return None
    c = Chart("said", "What people say (bars, 95% interval) against what they think (hatched)",
              "", "share holding the view", "bars", categories=list(bars.values()))  # fmt: skip
    nan = float("nan")
    for i, (s, polls) in enumerate(asked):
        rows: dict[tuple[str, str | None], dict[str, Any]] = {}
        for p in polls:
            rows[(p["name"], None)] = p
            rows |= {(p["name"], arm["arm"]): arm for arm in p.get("arms") or []}

        def get(key: str, rows: dict[tuple[str, str | None], dict[str, Any]] = rows) -> list[float]:
            values = [rows.get(bar, {}).get(key) for bar in bars]
            return [nan if v is None else float(v) for v in values]

        c.traces.append(Trace(f"{s.label}: said", [], get("estimate"), i,
                              low=get("low"), high=get("high")))  # fmt: skip
        c.traces.append(Trace(f"{s.label}: thought", [], get("truth"), i, dash=True))
    c.note = (
        "Each poll's estimate with its 95% interval, and the share of the same respondents "
        "who hold the view privately (approval of the scoring system, or support for the "
        "government). A survey experiment's arms follow its poll: what those told each piece "
        "of information said, and thought after it. The next chart splits the gap into its "
        "sources (docs/polls.md)."
    )
    return c


PARTS = (("bias_fear", "fear"), ("bias_desirability", "social desirability"),
         ("bias_neutral", "neutral answer"), ("bias_design", "design"))  # fmt: skip


def _why(subjects: list[Subject]) -> Chart:
    """Each asked poll's bias (estimate - truth) split into its four sources, in points."""
    asked = [(s, [p for p in s.info.get("polls", []) if p.get("asked")]) for s in subjects]
    names = list(dict.fromkeys(p["name"] for _, polls in asked for p in polls))
    c = Chart("why", "Why what people say differs from what they think: the bias by source",
              "", "percentage points", "bars", categories=names)  # fmt: skip
    nan = float("nan")
    for i, (s, polls) in enumerate(asked):
        by = {p["name"]: p for p in polls}
        # A colour per source (the sources are what to tell apart); a second run's
        # bars are drawn light.
        for k, (key, label) in enumerate(PARTS):
            values = [by.get(n, {}).get(key) for n in names]
            c.traces.append(Trace(f"{s.label}: {label}", [],
                                  [nan if v is None else 100 * float(v) for v in values], k,
                                  dash=i > 0))  # fmt: skip
    c.note = (
        "Each bar is what one source adds to a poll's estimate over the true share, with the "
        "same respondents and the same draws: fear of a recorded answer, the pull to give "
        "the expected answer, the undecided answering neutral, and the design's own error "
        "(chance, for list and randomized-response designs). They sum to the bias. "
        "docs/polls.md, 'Where the bias comes from'."
    )
    return c


def _groups(s: Subject) -> list[str]:
    return sorted({str(g) for g in s.metrics["group"]} - {"all"})


def _wealth(subjects: list[Subject]) -> Chart:
    groups = _groups(subjects[0])
    c = Chart("wealth", "Mean wealth by group at the end", "", "CNY", "bars", categories=groups)
    for i, s in enumerate(subjects):
        c.traces.append(Trace(s.label, [], [float(_last(s, g)["wealth.mean"]) for g in groups], i))
    return c


def _disparities(subjects: list[Subject]) -> Chart:
    """Lowest group's favourable rate over the highest's, not listed and granted (1 = equal).

    A bar is drawn only where at least two groups had the outcome to compare (a regime
    without a list or without requests has no bar, not a bar at 1); the note gives
    each ratio with its Fisher p-value, since the audit flags only p < 0.05.
    """
    c = Chart("disparities", "Group disparities: four-fifths rule on favourable outcomes",
              "", "ratio", "bars", categories=["not listed", "requests granted"], threshold=0.8)  # fmt: skip
    notes = []
    for i, s in enumerate(subjects):
        counts = group_counts(s.metrics, _groups(s))
        ratios: list[float] = []
        said = []
        for label, d, events in (
            ("not listed", not_listed(counts), sum(counts.listed.values())),
            ("requests granted", granted(counts), sum(counts.denied.values())),
        ):
            if not d.low or events == 0:  # nothing to compare: no bar
                ratios.append(float("nan"))
                said.append(f"{label}: none {'listed' if label == 'not listed' else 'denied'}")
            else:
                ratios.append(d.ratio)
                said.append(f"{label} {d.ratio:.3f} (p = {d.p_value:.2g})")
        c.traces.append(Trace(s.label, [], ratios, i))
        notes.append(f"{s.label}: " + ", ".join(said))
    c.note = (
        "; ".join(notes) + ". A group pair counts as adverse impact only with a ratio under "
        "0.8 and Fisher's p < 0.05 (the audit's rule)."
    )
    return c


def _network(s: Subject, i: int, order: list[str]) -> Chart:
    net = s.network
    ids = sorted(set(net["source"].tolist()) | set(net["target"].tolist()))
    index = {a: k for k, a in enumerate(ids)}
    pairs = [(index[a], index[b]) for a, b in zip(net["source"], net["target"], strict=True)]
    x, y = layout(len(ids), pairs, seed=i)
    agents = s.agents.set_index("id").loc[ids]
    active = net["active"].tolist()
    shamed_ids: set[int] = set()
    if "source_shamed" in net:  # run folders from before the flag was kept have none
        shamed_ids = set(net.loc[net["source_shamed"], "source"]) | set(
            net.loc[net["target_shamed"], "target"]
        )
    shamed = [a in shamed_ids for a in ids]
    tiers = agents["tier"]
    order = order or sorted({str(t) for t in tiers})
    picture = Picture(
        x.tolist(),
        y.tolist(),
        [str(t) for t in tiers],
        order,
        [bool(v) for v in agents["listed"]],
        [bool(v) for v in shamed],
        [p for p, a in zip(pairs, active, strict=True) if a],
        [p for p, a in zip(pairs, active, strict=True) if not a],
    )
    title = f"{s.label}: a sample of {len(ids)} people and their ties"
    note = "colour: tier; ring: listed; square: shamed; red dashes: ties cut"
    return Chart(f"network-{i}", title, "", "", "network", picture=picture, note=note)


def layout(
    n: int, pairs: list[tuple[int, int]], seed: int = 0, rounds: int = 300
) -> tuple[np.ndarray, np.ndarray]:
    """Force-directed positions (Fruchterman-Reingold), seeded: two (n,) float64 arrays."""
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2))
    if n < 2:
        return pos[:, 0], pos[:, 1]
    k = 1.0 / np.sqrt(n)
    src = np.array([p[0] for p in pairs], dtype=np.int64)
    dst = np.array([p[1] for p in pairs], dtype=np.int64)
    temperature = 0.1
    for _ in range(rounds):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.linalg.norm(delta, axis=2), 1e-9)
        force = (delta / dist[:, :, None] * (k * k / dist)[:, :, None]).sum(axis=1)
        if src.size:
            d = pos[src] - pos[dst]
            length = np.maximum(np.linalg.norm(d, axis=1), 1e-9)
            pull = d * (length / k)[:, None]
            np.add.at(force, src, -pull)
            np.add.at(force, dst, pull)
        step = np.linalg.norm(force, axis=1)
        pos += force / np.maximum(step, 1e-9)[:, None] * np.minimum(step, temperature)[:, None]
        temperature *= 0.985
    return pos[:, 0], pos[:, 1]
