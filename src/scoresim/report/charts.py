"""The report's charts, in reading order, built from the subjects (runs or sweep points).

The data classes live in :mod:`scoresim.report.chartdata`; each group of charts in a
module of its own (:mod:`~scoresim.report.overtime`, :mod:`~scoresim.report.atend`,
:mod:`~scoresim.report.pollcharts`, :mod:`~scoresim.report.network`).
"""

from __future__ import annotations

from scoresim.report.atend import denials, disparities, scores, tiers, wealth
from scoresim.report.chartdata import Chart, Picture, Trace, line, tier_order
from scoresim.report.data import Subject
from scoresim.report.network import layout, network_chart
from scoresim.report.overtime import appeals, dissent, falsification, listed, rates
from scoresim.report.pollcharts import said, why

__all__ = ["Chart", "Picture", "Trace", "build_charts", "layout", "line", "tier_order"]


def build_charts(subjects: list[Subject]) -> list[Chart]:
    """Every chart of the report, in reading order."""
    charts = rates(subjects)
    charts += [dissent(subjects), falsification(subjects), scores(subjects)]
    charts.append(tiers(subjects))
    charts += [listed(subjects), appeals(subjects)]
    charts.append(denials(subjects))
    charts.append(wealth(subjects))
    charts.append(disparities(subjects))
    said_chart = said(subjects)
    if said_chart is not None:
        charts.append(said_chart)
        charts.append(why(subjects))
    order = tier_order(subjects)
    for i, s in enumerate(subjects):
        if not s.network.empty:
            charts.append(network_chart(s, i, order))
    return charts
