"""Drawing the report's charts: a self-contained HTML page (Plotly) and PNG/SVG figures.

The page carries Plotly's JavaScript from the installed plotly package, inline, and
the figures as JSON, so it opens without any network access. The figures for papers
are drawn with matplotlib from the same chart data.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

from scoresim.report.charts import Chart, Trace
from scoresim.results import outputs

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
TIER_COLOURS = ["#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#67a9cf", "#2166ac", "#053061"]


def colour(i: int) -> str:
    """The colour of subject ``i``."""
    return PALETTE[i % len(PALETTE)]


def tier_colour(k: int, tiers: int) -> str:
    """Tier ``k`` of ``tiers`` (lowest first), from red (low) to blue (high)."""
    pos = round(k * (len(TIER_COLOURS) - 1) / max(tiers - 1, 1))
    return TIER_COLOURS[pos]


def line_width(i: int) -> float:
    """Subject ``i``'s line width, each later one thinner.

    Identical lines stay visible (a thin line inside a wide one) instead of one hiding
    the other.
    """
    return max(1.2, 4.0 - 0.9 * i)


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[k : k + 2], 16) for k in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _error_bars(t: Trace) -> tuple[list[float], list[float]] | None:
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
                             "fill": "tonexty", "fillcolor": _rgba(colour(t.color), 0.18),
                             "showlegend": False, "hoverinfo": "skip"})  # fmt: skip
            data.append(
                {"x": t.x, "y": t.y, "mode": "lines", "name": t.name,
                 "line": {"color": colour(t.color), "dash": "dash" if t.dash else "solid",
                          "width": line_width(t.color)}}
            )  # fmt: skip
    elif chart.kind == "bars":
        for t in chart.traces:
            # JSON has no NaN: a bar with nothing to compare is left out (null).
            heights = [None if math.isnan(v) else v for v in t.y]
            bar: dict[str, Any] = {"type": "bar", "x": chart.categories, "y": heights,
                                   "name": t.name, "marker": {"color": colour(t.color)}}  # fmt: skip
            if t.dash:  # the second series of a pair: the same colour, hatched
                bar["marker"] = {"color": _rgba(colour(t.color), 0.35),
                                 "line": {"color": colour(t.color), "width": 2}}  # fmt: skip
            errors = _error_bars(t)
            if errors is not None:
                down, up = ([None if math.isnan(x) else x for x in side] for side in errors)
                bar["error_y"] = {"type": "data", "symmetric": False, "array": up,
                                  "arrayminus": down, "color": "#333"}  # fmt: skip
            data.append(bar)
    elif chart.picture is not None:
        data.extend(_network_traces(chart))
    layout: dict[str, Any] = {
        "title": {"text": html.escape(chart.title)},
        "xaxis": {"title": {"text": chart.xlabel}},
        "yaxis": {"title": {"text": chart.ylabel}},
        "barmode": "group",
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "legend": {"orientation": "h", "y": -0.2},
        "height": 420,
    }
    if chart.threshold is not None:
        layout["shapes"] = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1,
                             "y0": chart.threshold, "y1": chart.threshold,
                             "line": {"dash": "dot", "color": "#444"}}]  # fmt: skip
    if chart.kind == "network":
        hidden = {"visible": False}
        layout.update(xaxis=hidden, yaxis=hidden, height=560, showlegend=True)
    return {"data": data, "layout": layout}


def _network_traces(chart: Chart) -> list[dict[str, Any]]:
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
         "name": "ties", "hoverinfo": "skip"},
        {"x": cx, "y": cy, "mode": "lines", "line": {"color": "#d62728", "width": 1.5,
         "dash": "dash"}, "name": "ties cut", "hoverinfo": "skip"},
    ]  # fmt: skip
    for k, tier in enumerate(p.tier_order):
        idx = [i for i, t in enumerate(p.tier) if t == tier]
        if not idx:
            continue
        traces.append(
            {"x": [p.x[i] for i in idx], "y": [p.y[i] for i in idx], "mode": "markers",
             "name": f"tier {tier}", "text": [f"tier {tier}" for _ in idx],
             "marker": {"size": 9, "color": tier_colour(k, len(p.tier_order)),
                        "symbol": ["square" if p.shamed[i] else "circle" for i in idx],
                        "line": {"color": ["#000" if p.listed[i] else "#fff" for i in idx],
                                 "width": [2.5 if p.listed[i] else 0.5 for i in idx]}}}
        )  # fmt: skip
    return traces


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.chart { width: 100%; min-height: 420px; } .note { color: #555; font-size: 0.9rem; }
table { border-collapse: collapse; } td, th { padding: 0.2rem 0.6rem; border-bottom: 1px solid #ddd; }
th { text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
"""


def page(
    title: str,
    summary: list[tuple[str, str]],
    charts: list[Chart],
    notes: list[str],
    key: tuple[list[str], list[tuple[str, list[str]]]] = ([], []),
    tables: str = "",
) -> str:
    """The whole report as one HTML document, with no external resource.

    Args:
        title: the page's title.
        summary: (subject, what it is) per subject.
        charts: the charts, in reading order.
        notes: remarks printed under the summary.
        tables: HTML placed after the notes (a calibration's tables), already escaped.
        key: the subjects' labels and the key-results rows (label, then what the
            values cover and one value per subject).
    """
    from plotly.offline import get_plotlyjs

    figures = {f"chart-{c.key}": plotly_figure(c) for c in charts}
    blob = json.dumps(figures, allow_nan=False).replace("</", "<\\/")
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in summary
    )
    body = "".join(
        f'<section><h2>{html.escape(c.title)}</h2><div class="chart" id="chart-{c.key}"></div>'
        + (f'<p class="note">{html.escape(c.note)}</p>' if c.note else "")
        + "</section>"
        for c in charts
    )
    extra = "".join(f'<p class="note">{html.escape(n)}</p>' for n in notes)
    labels, key_rows = key
    if key_rows:
        head = "".join(f"<th>{html.escape(label)}</th>" for label in labels)
        cells = "".join(
            f"<tr><th>{html.escape(name)}</th><td>{html.escape(over)}</td>"
            + "".join(f'<td class="num">{html.escape(v)}</td>' for v in values)
            + "</tr>"
            for name, (over, *values) in key_rows
        )
        extra += (
            '<h2>Key results</h2><table id="key-results"><tr><th>measure</th><th>over</th>'
            f'{head}</tr>{cells}</table><p class="note">The numbers the run summary prints; '
            "each column is defined in docs/model.md, section 8.</p>"
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="generator" content="scoresim">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style>"
        f"<script>{get_plotlyjs()}</script></head><body>"
        f"<h1>{html.escape(title)}</h1><p>Synthetic populations only: every person here is "
        f"simulated.</p><table>{rows}</table>{extra}{tables}{body}"
        f"<script>const figures = {blob};\nfor (const [id, fig] of Object.entries(figures)) "
        "{ Plotly.newPlot(id, fig.data, fig.layout, {displaylogo: false, responsive: true}); }"
        "</script></body></html>"
    )


def write_figures(charts: list[Chart], folder: Path) -> list[Path]:
    """Each chart as PNG and SVG (matplotlib) in ``folder``; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for c in charts:
        fig, ax = plt.subplots(figsize=(8, 6 if c.kind == "network" else 4.5))
        if c.kind == "lines":
            for t in c.traces:
                _mpl_line(ax, t)
        elif c.kind == "bars":
            width = 0.8 / max(len(c.traces), 1)
            for k, t in enumerate(c.traces):
                xs = [j + (k - (len(c.traces) - 1) / 2) * width for j in range(len(c.categories))]
                ax.bar(xs, t.y, width, label=t.name, color=colour(t.color),
                       alpha=0.45 if t.dash else 1.0, hatch="//" if t.dash else None,
                       yerr=_error_bars(t), capsize=3)  # fmt: skip
            ax.set_xticks(range(len(c.categories)), c.categories, rotation=20, ha="right")
        elif c.picture is not None:
            _mpl_network(ax, c)
        if c.threshold is not None:
            ax.axhline(c.threshold, color="#444", linestyle=":")
        ax.set_title(c.title, fontsize=10)
        ax.set_xlabel(c.xlabel)
        ax.set_ylabel(c.ylabel)
        if c.kind != "network" and c.traces:
            ax.legend(fontsize=7, loc="best")
        fig.tight_layout()
        for suffix in ("png", "svg"):
            path = folder / f"{c.key}.{suffix}"
            fig.savefig(path, dpi=120, metadata=outputs.figure_metadata(path))
            written.append(path)
        plt.close(fig)
    return written


def _mpl_line(ax: Any, t: Trace) -> None:
    if t.low is not None and t.high is not None:
        ax.fill_between(t.x, t.low, t.high, color=colour(t.color), alpha=0.18, linewidth=0)
    ax.plot(t.x, t.y, color=colour(t.color), linestyle="--" if t.dash else "-", label=t.name,
            linewidth=line_width(t.color) / 1.5)  # fmt: skip


def _mpl_network(ax: Any, c: Chart) -> None:
    p = c.picture
    assert p is not None
    for a, b in p.kept:
        ax.plot([p.x[a], p.x[b]], [p.y[a], p.y[b]], color="#bbb", linewidth=0.6, zorder=1)
    for a, b in p.cut:
        ax.plot([p.x[a], p.x[b]], [p.y[a], p.y[b]], color="#d62728", linestyle="--", zorder=1)
    for k, tier in enumerate(p.tier_order):
        for shamed, marker in ((False, "o"), (True, "s")):
            idx = [i for i, t in enumerate(p.tier) if t == tier and p.shamed[i] == shamed]
            if not idx:
                continue
            ax.scatter([p.x[i] for i in idx], [p.y[i] for i in idx], s=40, marker=marker,
                       color=tier_colour(k, len(p.tier_order)), zorder=2,
                       edgecolors=["k" if p.listed[i] else "w" for i in idx],
                       linewidths=[2 if p.listed[i] else 0.5 for i in idx],
                       label=f"tier {tier}" if not shamed else None)  # fmt: skip
    ax.set_axis_off()
    ax.legend(fontsize=7, loc="best")
    ax.text(0, -0.04, c.note, transform=ax.transAxes, fontsize=8, color="#555")
