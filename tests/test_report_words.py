"""The report reads right: what a journalist found wrong in it, each kept from coming back.

Titles printed once, share axes from zero with units, a pressure-free line shared by
runs of one society drawn once, an empty appeals chart that says why, tiers in score
order with one colour each, a polls chart that draws what its words promise, the list
told apart from the lowest tier, and every measure explained.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

import scoresim
from scoresim.report.build import write_report


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """baseline (no list), seed (a list, no appeals) and eu-compliant (appeals), one society."""
    root = tmp_path_factory.mktemp("runs")
    out = {}
    for name in ("baseline", "seed", "eu-compliant"):
        scoresim.simulate(name, agents=4000, steps=120, seed=3).save(root / name)
        out[name] = root / name
    return out


class Report:
    """A written report: its HTML and its Plotly figures by chart key."""

    def __init__(self, path: Path) -> None:
        self.html = path.read_text(encoding="utf-8")
        blob = self.html.split("const figures = ", 1)[1].split(";\nfor (const", 1)[0]
        data: dict[str, Any] = json.loads(blob.replace("<\\/", "</"))
        self.figures = {k.removeprefix("chart-"): v for k, v in data.items()}
        # What a reader sees: the body without Plotly's own script.
        self.body = self.html.split("</head>", 1)[1]

    def headings(self) -> dict[str, str]:
        """Each chart's heading text, by chart key."""
        found = re.findall(r'<section[^>]*><h2[^>]*>(.*?)</h2><div class="chart" id="chart-([^"]+)"',
                           self.body)  # fmt: skip
        return {key: html.unescape(text) for text, key in found}


def report_of(folders: list[Path], out: Path) -> Report:
    write_report(folders, out)
    return Report(out)


@pytest.fixture(scope="module")
def three(runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Report:
    out = tmp_path_factory.mktemp("report") / "three.html"
    return report_of([runs["baseline"], runs["seed"], runs["eu-compliant"]], out)


@pytest.fixture(scope="module")
def seed_alone(runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Report:
    out = tmp_path_factory.mktemp("report") / "seed.html"
    return report_of([runs["seed"]], out)


def test_each_chart_title_is_printed_once(three: Report) -> None:
    headings = three.headings()
    assert set(headings) == set(three.figures)
    for key, title in headings.items():
        assert "title" not in three.figures[key]["layout"], key  # the heading carries it
        assert three.body.count(html.escape(title)) == 1, title


SHARES = {"dissent", "gap", "scores", "tiers", "listed"}  # and every behaviour's rate


def test_share_axes_start_at_zero_and_every_axis_says_its_unit(three: Report) -> None:
    rates = {k for k in three.figures if k.startswith("rate-")}
    assert rates and set(three.figures) >= SHARES
    for key, fig in three.figures.items():
        if key.startswith("network-"):
            continue
        x, y = fig["layout"]["xaxis"], fig["layout"]["yaxis"]
        assert y["rangemode"] == "tozero", key  # a 6.5% drop must not look like a collapse
        assert x["title"]["text"] and y["title"]["text"], key
        if key in SHARES | rates:
            assert "%" in y["tickformat"], key
            assert "share" in y["title"]["text"], key
    assert "per person-day" in three.figures["rate-jaywalk"]["layout"]["yaxis"]["title"]["text"]
    assert three.figures["wealth"]["layout"]["yaxis"]["title"]["text"] == "mean wealth (CNY)"
    assert three.figures["listed"]["layout"]["xaxis"]["title"]["text"] == "days since the start"


def dashed(fig: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in fig["data"] if t.get("line", {}).get("dash") == "dash"]


def test_a_pressure_free_rate_runs_share_is_drawn_once(
    three: Report, seed_alone: Report, runs: dict[str, Path]
) -> None:
    free = {n: json.loads((f / "run.json").read_text())["pressure_free"] for n, f in runs.items()}
    assert free["baseline"]["jaywalk"] == free["seed"]["jaywalk"]  # one society
    for key, fig in three.figures.items():
        if key.startswith("rate-") or key == "dissent":
            lines = [tuple(t["y"]) for t in dashed(fig)]
            assert len(lines) == len(set(lines)), key  # no two dashed lines on top of each other
    (free_line,) = dashed(three.figures["rate-jaywalk"])
    assert free_line["name"] == "pressure-free (all 3 runs)"
    assert set(free_line["y"]) == {free["seed"]["jaywalk"]}
    assert free_line["line"]["color"] not in {
        t["line"]["color"] for t in three.figures["gap"]["data"]
    }
    assert [t["name"] for t in dashed(three.figures["dissent"])] == ["private (all 3 runs)"]
    # Alone, a run's line keeps its name and colour.
    assert [t["name"] for t in dashed(seed_alone.figures["rate-jaywalk"])] == [
        "seed: pressure-free"
    ]


def test_an_empty_appeals_chart_says_why(
    three: Report, seed_alone: Report, runs: dict[str, Path], tmp_path: Path
) -> None:
    alone = seed_alone.figures["appeals"]
    assert alone["data"] == []  # a regime without appeals draws no flat line
    (said,) = alone["layout"]["annotations"]
    assert said["text"] == "No appeals were filed in this run"
    assert "This regime has no appeals" in note_of(seed_alone, "appeals")
    note = note_of(three, "appeals")
    assert "baseline: this regime has no list, so no one can appeal" in note
    assert "seed: this regime has no appeals" in note
    assert "eu-compliant: no appeals were filed in this run" in note
    assert three.figures["appeals"]["layout"]["annotations"][0]["text"] == (
        "No appeals were filed in these runs"
    )
    assert "baseline: this regime has no list." in note_of(three, "listed")
    # Appeals filed: drawn, and nothing written across the chart.
    scoresim.simulate("seed", agents=3000, steps=100, seed=3,
                      overrides={"blacklist.appeals.share": 1.0}).save(tmp_path / "appealed")  # fmt: skip
    appealed = report_of([tmp_path / "appealed"], tmp_path / "r.html")
    fig = appealed.figures["appeals"]
    assert max(fig["data"][0]["y"]) > 0 and "annotations" not in fig["layout"]
    assert note_of(appealed, "appeals") == ""


def note_of(report: Report, key: str) -> str:
    """The note printed under a chart ('' without one)."""
    section = report.body.split(f'id="chart-{key}"></div>', 1)[1].split("</section>", 1)[0]
    found = re.search(r'<p class="note">(.*?)</p>', section)
    return html.unescape(found.group(1)) if found else ""


def tier_of(name: str) -> str:
    """``tier suspect`` or ``tier blacklisted (lowest)`` -> the tier's name."""
    return name.removeprefix("tier ").split(" ", 1)[0]


def test_tiers_in_score_order_with_one_colour_each_everywhere(three: Report) -> None:
    from scoresim.config.loading import load_scenario

    lowest_first = list(load_scenario("seed").config.scoring.tiers)  # the scenario's order
    assert lowest_first == ["blacklisted", "suspect", "ordinary", "model_citizen"]
    bars = three.figures["tiers"]["data"]
    assert [tier_of(t["name"]) for t in bars] == lowest_first  # baseline's 'ordinary' first no more
    assert bars[0]["name"].endswith("(lowest)") and bars[-1]["name"].endswith("(highest)")
    assert all(t["x"] == ["baseline", "seed", "eu-compliant"] for t in bars)
    colours = {tier_of(t["name"]): t["marker"]["color"] for t in bars}
    assert colours["blacklisted"] == "#b2182b" and colours["model_citizen"] == "#2166ac"
    assert len(set(colours.values())) == len(colours)
    assert bars[0]["y"][0] is None and bars[0]["text"][0] == ""  # baseline: no such tier
    seed = [t["text"][1] for t in bars]  # a 2% tier is read beside a 90% one
    assert all(re.fullmatch(r"\d+\.\d%", v) for v in seed), seed
    # The same tier has the same colour in every network sample.
    for key, fig in three.figures.items():
        if key.startswith("network-"):
            for t in fig["data"]:
                if t["name"].startswith("tier "):
                    assert t["marker"]["color"] == colours[tier_of(t["name"])], (key, t["name"])


@pytest.fixture(scope="module")
def polled(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """seed with every poll asked on its last day."""
    root = tmp_path_factory.mktemp("polled")
    polls = ("kostka_online", "rt_direct", "rt_list", "xkc_information")
    days = {f"polls.{p}.day": 59 for p in polls}
    scoresim.simulate("seed", agents=6000, steps=60, seed=2, overrides=days).save(root / "seed")
    return report_of([root / "seed"], root / "r.html")


def test_the_polls_chart_draws_what_its_words_promise(polled: Report) -> None:
    said = polled.figures["said"]["data"]
    heading, note = polled.headings()["said"], note_of(polled, "said").lower()
    assert "hatched" in heading and "hatched" in note and "whisker" in note
    (answers,) = [t for t in said if t["name"].endswith(": said")]
    (views,) = [t for t in said if t["name"].endswith(": thought")]
    assert views["marker"]["pattern"]["shape"] == "/"  # drawn hatched, as promised
    assert "pattern" not in answers["marker"] and "error_y" in answers
    # Long poll names wrap on a few lines under the bars; the legend is above them.
    layout = polled.figures["said"]["layout"]
    assert layout["xaxis"]["tickvals"] == answers["x"] and layout["xaxis"]["tickangle"] == 0
    assert all("<br>" in t for t in layout["xaxis"]["ticktext"]) and layout["legend"]["y"] > 1
    # Wherever the words promise hatching, a bar is hatched, and nowhere else.
    for key, fig in polled.figures.items():
        words = (polled.headings()[key] + note_of(polled, key)).lower()
        hatched = any("pattern" in t.get("marker", {}) for t in fig["data"])
        assert ("hatched" in words) == hatched, key


def test_the_network_sample_draws_the_list_apart_from_the_tier(
    three: Report, runs: dict[str, Path]
) -> None:
    import pandas as pd

    fig = three.figures["network-1"]  # seed's
    agents = pd.read_parquet(runs["seed"] / "agents.parquet").set_index("id")
    people = [t for t in fig["data"] if t.get("text")]
    assert people
    seen = 0
    for t in people:
        colour = t["marker"]["color"]
        for text, ring in zip(t["text"], t["marker"]["line"]["color"], strict=True):
            pid = int(re.search(r"person (\d+)", text).group(1))  # type: ignore[union-attr]
            a = agents.loc[pid]
            assert f"score tier: {a['tier']}" in text and f"score: {a['score']} points" in text
            assert "ties cut in this sample: " in text
            listed = "on the list: yes" in text
            assert listed == bool(a["listed"]) and ("wrongly" in text) == bool(a["listed_wrongly"])
            # The ring says the list, whatever the tier; the colour says the tier.
            expected = "#d01c8b" if a["listed_wrongly"] else "#000000" if a["listed"] else "#ffffff"
            assert ring == expected, text
            assert t["name"].startswith(f"tier {a['tier']}") and isinstance(colour, str)
            seen += listed
    assert seen > 0
    legend = [t["name"] for t in fig["data"] if t.get("showlegend", True)]
    assert "black ring: on the list" in legend and "magenta ring: on the list wrongly" in legend
    assert "tier blacklisted (lowest)" in legend
    assert "not a tier" in note_of(three, "network-1")


def test_every_measure_is_explained_on_hover_and_once_at_the_end(three: Report) -> None:
    from scoresim.report.glossary import TERMS

    table = three.body.split('<table id="key-results">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><th(?: title=\"([^\"]+)\")?>([^<]+)</th><td>", table)
    assert len(rows) > 10 and all(title for title, _ in rows), rows  # every row label
    titles = dict((html.unescape(label), html.unescape(t)) for t, label in rows)
    assert titles["falsification"].startswith("falsification: the share who hide dissent")
    assert "1 - rate / pressure-free rate" in titles["chilling of criticise_government"]
    assert "error-free world" in titles["listed wrongly"]
    headings = re.findall(r'<h2( title="[^"]+")?>[^<]*</h2><div class="chart"', three.body)
    assert headings and all(headings), "a chart heading without its measures"
    glossary = three.body.split('<section id="glossary"><h2>What the measures mean</h2>', 1)[1]
    names = re.findall(r"<dt>([^<]+)</dt>", glossary)
    assert len(names) == len(set(names))  # each once
    for expected in ("chilling of &lt;behaviour&gt;", "falsification", "listed", "listed wrongly",
                     "tier share", "appeals filed", "four-fifths ratio", "network sample"):  # fmt: skip
        assert expected in names, expected
    assert "(docs/model.md has none)" in glossary  # the four-fifths ratio is docs/audit.md's
    # Each definition names the docs/model.md column or section it is taken from.
    model = (Path(__file__).parent.parent / "docs" / "model.md").read_text(encoding="utf-8")
    for key, (*_, source) in TERMS.items():
        if source.startswith("docs/model.md, section 8, "):
            column = source.removeprefix("docs/model.md, section 8, ").split(",")[0]
            assert f"`{column}`" in model or f"`{column.split('.<')[0]}" in model, (key, column)


def test_the_paper_figures_start_from_zero_too() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scoresim.report.chartdata import Chart, Trace
    from scoresim.report.paper import _from_zero

    for ys, bottom in (([0.040, 0.043], 0.0), ([0.0, 0.0], 0.0), ([-0.01, 0.05], -0.01)):
        fig, ax = plt.subplots()
        ax.plot([0, 1], ys)
        _from_zero(ax, Chart("k", "t", "x", "y", "lines", [Trace("a", [0, 1], ys, 0)]))
        low, high = ax.get_ylim()
        assert (low == 0.0) if bottom == 0.0 else (low <= bottom), (ys, low)
        assert high >= max(ys)
        plt.close(fig)
