"""The report's charts as PNG and SVG figures for papers, drawn with matplotlib."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from scoresim.report.chartdata import Chart, Trace
from scoresim.report.colours import LISTED_RING, WRONGLY_RING, tier_colour
from scoresim.report.figure import CUT, error_bars, ink, line_width
from scoresim.results import outputs


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
                bars = ax.bar(xs, t.y, width, label=t.name, color=ink(t),
                              alpha=0.45 if t.dash else 1.0, hatch="//" if t.dash else None,
                              yerr=error_bars(t), capsize=3)  # fmt: skip
                if c.values:
                    ax.bar_label(bars, fmt="{:.1%}" if c.share else "{:,.0f}", fontsize=7)
            ax.set_xticks(range(len(c.categories)), c.categories, rotation=20, ha="right")
        elif c.picture is not None:
            _mpl_network(ax, c)
        if c.empty:
            ax.text(0.5, 0.6, c.empty, transform=ax.transAxes, ha="center", color="#555")
        if c.threshold is not None:
            ax.axhline(c.threshold, color="#444", linestyle=":")
        ax.set_title(c.title, fontsize=10)
        ax.set_xlabel(c.xlabel)
        ax.set_ylabel(c.ylabel)
        if c.kind != "network":  # from zero, as on the page
            _from_zero(ax, c)
        if c.share:
            from matplotlib.ticker import PercentFormatter

            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        if c.kind != "network" and c.traces:
            ax.legend(fontsize=7, loc="best")
        fig.tight_layout()
        for suffix in ("png", "svg"):
            path = folder / f"{c.key}.{suffix}"
            fig.savefig(path, dpi=120, metadata=outputs.figure_metadata(path))
            written.append(path)
        plt.close(fig)
    return written


def _from_zero(ax: Any, c: Chart) -> None:
    """The y axis from zero (or from the lowest value, when some are negative)."""
    values = [v for t in c.traces for v in (*t.y, *(t.low or [])) if not math.isnan(v)]
    low, high = ax.get_ylim()
    if not values or max(map(abs, values)) == 0:  # nothing drawn but zeros: no scale to zoom
        ax.set_ylim(0.0, 1.0)
    else:
        ax.set_ylim(min(low, 0.0) if min(values) < 0 else 0.0, max(high, 0.0))


def _mpl_line(ax: Any, t: Trace) -> None:
    if t.low is not None and t.high is not None:
        ax.fill_between(t.x, t.low, t.high, color=ink(t), alpha=0.18, linewidth=0)
    ax.plot(t.x, t.y, color=ink(t), linestyle="--" if t.dash else "-", label=t.name,
            linewidth=line_width(t.color) / 1.5)  # fmt: skip


def _mpl_network(ax: Any, c: Chart) -> None:
    from matplotlib.lines import Line2D

    p = c.picture
    assert p is not None
    for a, b in p.kept:
        ax.plot([p.x[a], p.x[b]], [p.y[a], p.y[b]], color="#bbb", linewidth=0.6, zorder=1)
    for a, b in p.cut:
        ax.plot([p.x[a], p.x[b]], [p.y[a], p.y[b]], color=CUT, linestyle="--", zorder=1)
    wrongly = p.wrongly or [False] * len(p.x)
    rings = [WRONGLY_RING if w else LISTED_RING if on else "#ffffff"
             for on, w in zip(p.listed, wrongly, strict=True)]  # fmt: skip
    keys = []
    n = len(p.tier_order)
    for k, tier in enumerate(p.tier_order):
        if tier not in p.tier:
            continue
        for shamed, marker in ((False, "o"), (True, "s")):
            idx = [i for i, t in enumerate(p.tier) if t == tier and p.shamed[i] == shamed]
            if idx:
                ax.scatter([p.x[i] for i in idx], [p.y[i] for i in idx], s=40, marker=marker,
                           color=tier_colour(k, n), zorder=2, edgecolors=[rings[i] for i in idx],
                           linewidths=[2 if p.listed[i] else 0.5 for i in idx])  # fmt: skip
        keys.append(Line2D([], [], marker="o", linestyle="", color=tier_colour(k, n),
                           label=f"tier {tier}"))  # fmt: skip
    grey = "#dddddd"
    keys += [
        Line2D([], [], marker="o", linestyle="", color=grey, markeredgecolor=LISTED_RING,
               markeredgewidth=2, label="black ring: on the list"),
        Line2D([], [], marker="o", linestyle="", color=grey, markeredgecolor=WRONGLY_RING,
               markeredgewidth=2, label="magenta ring: on the list wrongly"),
        Line2D([], [], marker="s", linestyle="", color=grey, label="square: made public"),
        Line2D([], [], color=CUT, linestyle="--", label="tie cut"),
    ]  # fmt: skip
    ax.set_axis_off()
    ax.legend(handles=keys, fontsize=7, loc="best")
