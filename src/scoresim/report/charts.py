"""The report's charts, in reading order, built from the subjects (runs or sweep points).

The data classes live in :mod:`scoresim.report.chartdata`; each group of charts in a
module of its own (:mod:`~scoresim.report.atend`, :mod:`~scoresim.report.pollcharts`,
:mod:`~scoresim.report.network`).
"""

from __future__ import annotations

import numpy as np

from scoresim.report.atend import bars_at_end, denials, disparities, scores, wealth
from scoresim.report.chartdata import DAYS, SHARE, Chart, Picture, Trace, line, tier_order
from scoresim.report.data import Subject
from scoresim.report.network import layout, network_chart
from scoresim.report.pollcharts import said, why

__all__ = ["Chart", "Picture", "Trace", "build_charts", "layout", "line", "tier_order"]

WARM_UP = (
    "Expressed dissent counts people who voiced it within the dissent window (30 days by "
    "default), so it starts at zero: read the first window as a warm-up."
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
        c = Chart(f"rate-{b}", title, DAYS, "share who did it that day (per person-day)",
                  "lines", share=True)  # fmt: skip
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
    c = Chart("dissent", "Expressed (solid) against private (dashed) dissent", DAYS, SHARE,
              "lines", share=True)  # fmt: skip
    for i, s in enumerate(subjects):
        c.traces.append(line(s, i, "expressed_dissent", f"{s.label}: expressed"))
        c.traces.append(line(s, i, "private_dissent", f"{s.label}: private", dash=True))
    c.note = WARM_UP
    charts.append(c)
    c = Chart("gap", "Falsification: silent dissenters beyond silence without the regime",
              DAYS, SHARE, "lines", share=True)  # fmt: skip
    c.traces = [line(s, i, "falsification", s.label) for i, s in enumerate(subjects)]
    c.note = (
        "Falsification = silent_dissent - silent_dissent.pressure_free: the share of people "
        "who privately dissent, did not voice it within the dissent window, and would have "
        "without the regime (docs/model.md)."
    )
    charts.append(c)
    charts.append(scores(subjects))
    charts.append(
        bars_at_end(subjects, "tiers", "Tier shares at the end", "tier.", SHARE, share=True)
    )
    c = Chart("listed", "Listed (solid) and wrongly listed (dashed)", DAYS, SHARE, "lines",
              share=True)  # fmt: skip
    for i, s in enumerate(subjects):
        c.traces.append(line(s, i, "listed", f"{s.label}: listed"))
        c.traces.append(line(s, i, "listed_wrongly", f"{s.label}: wrongly", dash=True))
    charts.append(c)
    c = Chart("appeals", "Appeals filed (solid) and won (dashed), cumulative", DAYS,
              "appeals (cumulative count)", "lines")  # fmt: skip
    for i, s in enumerate(subjects):
        for name, dash in (("appeals", False), ("appeals_won", True)):
            t = line(s, i, name, f"{s.label}: {name.replace('_', ' ')}", dash)
            t.y = np.cumsum(t.y).tolist()
            t.low = t.high = None  # bands of a cumulative sum would not be min and max
            c.traces.append(t)
    charts.append(c)
    charts.append(denials(subjects))
    charts.append(wealth(subjects))
    charts.append(disparities(subjects))
    said_chart = said(subjects)
    if said_chart is not None:
        charts.append(said_chart)
        charts.append(why(subjects))
    tiers = tier_order(subjects)
    for i, s in enumerate(subjects):
        if not s.network.empty:
            charts.append(network_chart(s, i, tiers))
    return charts
