"""The report as one self-contained HTML page (Plotly), and its figures for papers.

The page carries Plotly's JavaScript from the installed plotly package, inline, and
the figures as JSON, so it opens without any network access. The figures for papers
are drawn with matplotlib from the same chart data (:mod:`scoresim.report.paper`).
"""

from __future__ import annotations

import html
import json

from scoresim.report.chartdata import Chart
from scoresim.report.figure import plotly_figure
from scoresim.report.glossary import Term, glossary
from scoresim.report.paper import write_figures

__all__ = ["page", "write_figures"]

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.chart { width: 100%; min-height: 420px; } .note { color: #555; font-size: 0.9rem; }
table { border-collapse: collapse; } td, th { padding: 0.2rem 0.6rem; border-bottom: 1px solid #ddd; }
th { text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
th[title], h2[title] { text-decoration: underline dotted #999; cursor: help; }
dt { font-weight: 600; margin-top: 0.5rem; } dd { margin-left: 1.2rem; } .source { color: #777; }
"""


def page(
    title: str,
    summary: list[tuple[str, str]],
    charts: list[Chart],
    notes: list[str],
    key: tuple[list[str], list[tuple[str, list[str]]]] = ([], []),
    tables: str = "",
    explained: dict[str, Term] | None = None,
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
        explained: each key-results row's measure, by label.

    Every measure is explained on hover (a ``title`` on its row label or its chart's
    heading) and once in "What the measures mean" at the end.
    """
    from plotly.offline import get_plotlyjs

    figures = {f"chart-{c.key}": plotly_figure(c) for c in charts}
    blob = json.dumps(figures, allow_nan=False).replace("</", "<\\/")
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in summary
    )
    explained = explained or {}
    body = "".join(
        f"<section><h2{_hover(c.terms)}>{html.escape(c.title)}</h2>"
        f'<div class="chart" id="chart-{c.key}"></div>'
        + (f'<p class="note">{html.escape(c.note)}</p>' if c.note else "")
        + "</section>"
        for c in charts
    )
    extra = "".join(f'<p class="note">{html.escape(n)}</p>' for n in notes)
    labels, key_rows = key
    if key_rows:
        head = "".join(f"<th>{html.escape(label)}</th>" for label in labels)
        cells = "".join(
            f"<tr><th{_hover([explained[name]] if name in explained else [])}>"
            f"{html.escape(name)}</th><td>{html.escape(over)}</td>"
            + "".join(f'<td class="num">{html.escape(v)}</td>' for v in values)
            + "</tr>"
            for name, (over, *values) in key_rows
        )
        extra += (
            '<h2>Key results</h2><table id="key-results"><tr><th>measure</th><th>over</th>'
            f'{head}</tr>{cells}</table><p class="note">The numbers the run summary prints; '
            "point at a measure for what it means, or read the list at the end.</p>"
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="generator" content="scoresim">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style>"
        f"<script>{get_plotlyjs()}</script></head><body>"
        f"<h1>{html.escape(title)}</h1><p>Synthetic populations only: every person here is "
        f"simulated.</p><table>{rows}</table>{extra}{tables}{body}"
        f"{_glossary([*explained.values(), *(t for c in charts for t in c.terms)])}"
        f"<script>const figures = {blob};\nfor (const [id, fig] of Object.entries(figures)) "
        "{ Plotly.newPlot(id, fig.data, fig.layout, {displaylogo: false, responsive: true}); }"
        "</script></body></html>"
    )


def _hover(terms: list[Term]) -> str:
    """A ``title`` attribute explaining ``terms``, one line each ('' without any)."""
    if not terms:
        return ""
    return f' title="{html.escape(chr(10).join(f"{t.name}: {t.hover}" for t in terms))}"'


def _glossary(terms: list[Term]) -> str:
    """The section "What the measures mean": each measure once, in reading order."""
    if not terms:
        return ""
    items = "".join(
        f"<dt>{html.escape(t.name)}</dt><dd><b>{html.escape(t.plain)}</b>: "
        f'{html.escape(t.means)} <span class="source">({html.escape(t.source)})</span></dd>'
        for t in glossary(terms)
    )
    return f'<section id="glossary"><h2>What the measures mean</h2><dl>{items}</dl></section>'
