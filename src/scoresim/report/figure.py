"""The report's charts as Plotly figures (JSON-ready dicts)."""

from __future__ import annotations

import math
from typing import Any

from scoresim.report.chartdata import Chart, Trace
from scoresim.report.colours import LISTED_RING, WRONGLY_RING, colour, tier_colour

CUT = "#d7301f"  # a tie cut, as on the town page


def ink(t: Trace) -> str:
    """The colour of a trace: its own, or its subject's."""
    return t.ink or colour(t.color)


def line_width(i: int) -> float:
    """Subject ``i``'s line width, each later one thinner.

    Identical lines stay visible (a thin line inside a wide one) instead of one hiding
    the other.
    """
    return max(1.2, 4.0 - 0.9 * i)


def rgba(hex_colour: str, alpha: float) -> str:
    """``#rrggbb`` as a CSS ``rgba()`` with opacity ``alpha``."""
    r, g, b = (int(hex_colour[k : k + 2], 16) for k in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def error_bars(t: Trace) -> tuple[list[float], list[float]] | None:
    """A bar series' interval as (below, above) its heights, or None without one."""
    if t.low is None or t.high is None:
        return None
    below = [v - lo for v, lo in zip(t.y, t.low, strict=True)]
    above = [h - v for v, h in zip(t.y, t.high, strict=True)]
    return below, above


def plotly_figure(chart: Chart) -> dict[str, Any]:
    """The chart as a Plotly figure (``data`` and ``layout``), JSON-ready."""
    data: list[dict[str, Any]] = []
    if chart.kind == "lines":
        for t in chart.traces:
            if t.low is not None and t.high is not None:
                data.append({"x": t.x, "y": t.high, "mode": "lines", "line": {"width": 0},
                             "showlegend": False, "hoverinfo": "skip"})  # fmt: skip
                data.append({"x": t.x, "y": t.low, "mode": "lines", "line": {"width": 0},
                             "fill": "tonexty", "fillcolor": rgba(ink(t), 0.18),
                             "showlegend": False, "hoverinfo": "skip"})  # fmt: skip
            data.append(
                {"x": t.x, "y": t.y, "mode": "lines", "name": t.name,
                 "line": {"color": ink(t), "dash": "dash" if t.dash else "solid",
                          "width": 2.0 if t.ink else line_width(t.color)}}
            )  # fmt: skip
    elif chart.kind == "bars":
        for t in chart.traces:
            # JSON has no NaN: a bar with nothing to compare is left out (null).
            heights = [None if math.isnan(v) else v for v in t.y]
            bar: dict[str, Any] = {"type": "bar", "x": chart.categories, "y": heights,
                                   "name": t.name, "marker": {"color": ink(t)}}  # fmt: skip
            if t.dash:  # the second series of a pair: the same colour, light and hatched
                bar["marker"] = {"color": rgba(ink(t), 0.35),
                                 "line": {"color": ink(t), "width": 2},
                                 "pattern": {"shape": "/", "fgcolor": ink(t), "solidity": 0.3}}  # fmt: skip
            if chart.values:  # as text, not a template: Plotly prints 0 for a missing bar
                spec = ".1%" if chart.share else ",.0f"
                bar["text"] = ["" if v is None else format(v, spec) for v in heights]
                bar.update(textposition="outside", cliponaxis=False)
            errors = error_bars(t)
            if errors is not None:
                down, up = ([None if math.isnan(x) else x for x in side] for side in errors)
                bar["error_y"] = {"type": "data", "symmetric": False, "array": up,
                                  "arrayminus": down, "color": "#333"}  # fmt: skip
            data.append(bar)
    elif chart.picture is not None:
        data.extend(_network_traces(chart))
    # No title inside the figure: the page's heading above it carries the chart's title,
    # so a reader sees it once (the PNG/SVG figures, read alone, keep theirs).
    layout: dict[str, Any] = {
        "xaxis": {"title": {"text": chart.xlabel}, "automargin": True},
        # From zero: an axis zoomed onto its data makes a drop of a few percent look
        # like a collapse.
        "yaxis": {"title": {"text": chart.ylabel}, "rangemode": "tozero"},
        "barmode": "group",
        "margin": {"l": 70, "r": 20, "t": 20, "b": 50},
        # Above the plot: long category names below it would run into a legend there.
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "height": 460,
    }
    if chart.kind == "bars":  # names wrapped on a few lines, not slanted across each other
        layout["xaxis"].update(tickmode="array", tickvals=chart.categories,
                               ticktext=[wrap(c) for c in chart.categories], tickangle=0)  # fmt: skip
    if chart.empty:
        layout["annotations"] = [{"text": chart.empty, "xref": "paper", "yref": "paper",
                                  "x": 0.5, "y": 0.5, "showarrow": False,
                                  "font": {"size": 16, "color": "#555"}}]  # fmt: skip
        if not data:  # no axis to read: a range rather than Plotly's default -1 to 6
            layout["yaxis"]["range"] = [0, 1]
    if chart.share:
        layout["yaxis"].update(tickformat=".2~%", hoverformat=".2%")
    if chart.threshold is not None:
        layout["shapes"] = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1,
                             "y0": chart.threshold, "y1": chart.threshold,
                             "line": {"dash": "dot", "color": "#444"}}]  # fmt: skip
    if chart.kind == "network":
        hidden = {"visible": False}
        layout.update(xaxis=hidden, yaxis=hidden, height=560, showlegend=True)
    return {"data": data, "layout": layout}


def wrap(text: str, width: int = 24) -> str:
    """``text`` broken into lines of about ``width`` characters at spaces (Plotly's ``<br>``)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _network_traces(chart: Chart) -> list[dict[str, Any]]:
    """Ties, people (colour: tier; ring: list; square: made public) and a legend of each."""
    p = chart.picture
    assert p is not None

    def segments(pairs: list[tuple[int, int]]) -> tuple[list[float | None], list[float | None]]:
        xs: list[float | None] = []
        ys: list[float | None] = []
        for a, b in pairs:
            xs += [p.x[a], p.x[b], None]
            ys += [p.y[a], p.y[b], None]
        return xs, ys

    kx, ky = segments(p.kept)
    cx, cy = segments(p.cut)
    traces: list[dict[str, Any]] = [
        {"x": kx, "y": ky, "mode": "lines", "line": {"color": "#bbb", "width": 1},
         "name": "tie", "hoverinfo": "skip"},
        {"x": cx, "y": cy, "mode": "lines", "line": {"color": CUT, "width": 1.5,
         "dash": "dash"}, "name": "tie cut", "hoverinfo": "skip"},
    ]  # fmt: skip
    wrongly = p.wrongly or [False] * len(p.x)

    def ring(i: int) -> tuple[str, float]:
        if wrongly[i]:
            return WRONGLY_RING, 2.5
        return (LISTED_RING, 2.5) if p.listed[i] else ("#ffffff", 0.5)

    n = len(p.tier_order)
    for k, tier in enumerate(p.tier_order):
        idx = [i for i, t in enumerate(p.tier) if t == tier]
        if not idx:
            continue
        end = " (lowest)" if k == 0 else " (highest)" if k == n - 1 else ""
        # The dots carry their rings and shapes; the legend shows the tier's plain dot
        # (Plotly would draw the first person's ring and shape in the legend).
        traces.append(
            {"x": [p.x[i] for i in idx], "y": [p.y[i] for i in idx], "mode": "markers",
             "name": f"tier {tier}{end}", "legendgroup": f"tier {tier}", "showlegend": False,
             "text": [p.hover[i] for i in idx] if p.hover else None,
             "hovertemplate": "%{text}<extra></extra>",
             "marker": {"size": 10, "color": tier_colour(k, n),
                        "symbol": ["square" if p.shamed[i] else "circle" for i in idx],
                        "line": {"color": [ring(i)[0] for i in idx],
                                 "width": [ring(i)[1] for i in idx]}}}
        )  # fmt: skip
        traces.append(_key(f"tier {tier}{end}", {"color": tier_colour(k, n)}, f"tier {tier}"))
    grey = "#dddddd"
    traces += [
        _key("black ring: on the list", {"color": grey, "line": {"color": LISTED_RING, "width": 2.5}}),
        _key("magenta ring: on the list wrongly",
             {"color": grey, "line": {"color": WRONGLY_RING, "width": 2.5}}),
        _key("square: made public", {"color": grey, "symbol": "square"}),
    ]  # fmt: skip
    return traces


def _key(name: str, marker: dict[str, Any], group: str = "") -> dict[str, Any]:
    """A legend entry alone: a trace with no point."""
    return {"x": [None], "y": [None], "mode": "markers", "name": name, "hoverinfo": "skip",
            "legendgroup": group or name, "marker": {"size": 10, **marker}}  # fmt: skip
