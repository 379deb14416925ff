"""The report: one self-contained HTML file, figures for papers, runs and sweep folders."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread
from typer.testing import CliRunner

import scoresim
from scoresim.cli.app import app
from scoresim.report.charts import build_charts
from scoresim.report.data import load_subjects

runner = CliRunner()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Small runs of seed, baseline and eu-compliant on the same people."""
    root = tmp_path_factory.mktemp("runs")
    out = []
    for name in ("baseline", "seed", "eu-compliant"):
        scoresim.simulate(name, agents=6000, steps=150, seed=3).save(root / name)
        out.append(root / name)
    return out


def figures_of(html: str) -> dict[str, Any]:
    blob = html.split("const figures = ", 1)[1].split(";\nfor (const", 1)[0]
    data: dict[str, Any] = json.loads(blob.replace("<\\/", "</"))
    return data


def test_report_compares_runs_in_one_self_contained_file(runs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    res = runner.invoke(app, ["report", *map(str, runs), "--out", str(out)])
    assert res.exit_code == 0, res.output
    html = out.read_text()
    # Self-contained: no external script, style, image or font is referenced.
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html)
    assert "Plotly.newPlot" in html and len(html) > 1_000_000  # plotly.js is inline
    figures = figures_of(html)
    expected = {"dissent", "gap", "scores", "tiers", "listed", "appeals", "denials", "wealth",
                "disparities", "rate-criticise_government", "network-1"}  # fmt: skip
    assert expected <= {k.removeprefix("chart-") for k in figures}
    # Every run appears in the comparison charts, with its own data.
    names = [t["name"] for t in figures["chart-gap"]["data"]]
    assert names == ["baseline", "seed", "eu-compliant"]
    gaps = {t["name"]: t["y"][-1] for t in figures["chart-gap"]["data"]}
    assert gaps["seed"] > 0.02 and gaps["baseline"] < 0.01
    denials = {t["name"]: sum(t["y"]) for t in figures["chart-denials"]["data"]}
    assert denials["seed"] > denials["eu-compliant"] >= denials["baseline"] == 0
    # The network of the seed run shows the listed, ringed in black.
    net = figures["chart-network-1"]["data"]
    widths = [w for t in net if t.get("text") for w in t["marker"]["line"]["width"]]
    assert 2.5 in widths
    # The key results: every run's headlines, as the run summary prints them.
    table = key_table(html)
    assert table[0] == ["measure", "over", "baseline", "seed", "eu-compliant"]
    rows = {r[0]: r[1:] for r in table[1:]}
    seed = pd.read_parquet(runs[1] / "metrics.parquet")
    seed = seed[seed["group"].astype(str) == "all"]
    by_hand = seed["falsification"].tail(30).mean()
    assert rows["falsification"] == ["mean of the last 30 days", rows["falsification"][1],
                                     f"{by_hand:.2%}", rows["falsification"][3]]  # fmt: skip
    assert rows["listed wrongly"][1] == "\u2014"  # baseline has no list
    assert rows["denials: travel"][2] == f"{seed['denied.travel'].sum():,.0f}"


def key_table(html: str) -> list[list[str]]:
    """The key-results table's cells, row by row."""
    table = html.split('<table id="key-results">', 1)[1].split("</table>", 1)[0]
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in table.split("</tr>") if row]


def test_figures_are_written_as_png_and_svg_and_are_not_blank(
    runs: list[Path], tmp_path: Path
) -> None:
    figs = tmp_path / "figs"
    res = runner.invoke(
        app, ["report", str(runs[1]), "--out", str(tmp_path / "r.html"), "--figures", str(figs)]
    )
    assert res.exit_code == 0, res.output
    pngs = sorted(figs.glob("*.png"))
    assert {p.stem for p in pngs} >= {"dissent", "listed", "network-0", "disparities"}
    for png in pngs:
        pixels = imread(png)
        assert pixels.shape[0] > 300 and float(np.std(pixels)) > 0.02, png.name
        svg = png.with_suffix(".svg").read_text()
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_a_sweep_folder_gives_one_line_per_point_with_a_band(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        "scenario: seed\nagents: 1500\nsteps: 20\nseed: 2\nreplicates: 3\n"
        "parameters:\n  scoring.points.criticise_government: [-100, 0]\n"
    )
    folder = tmp_path / "out"
    assert runner.invoke(app, ["sweep", str(sweep), "--out", str(folder), "-q"]).exit_code == 0
    subjects = load_subjects([folder])
    assert [s.label for s in subjects] == [
        "out p0: criticise_government=-100",
        "out p1: criticise_government=0",
    ]
    assert all(s.replicates == 3 and s.low is not None for s in subjects)
    gap = next(c for c in build_charts(subjects) if c.key == "gap")
    for t in gap.traces:
        assert t.low is not None and t.high is not None
        assert all(lo <= y <= hi for lo, y, hi in zip(t.low, t.y, t.high, strict=True))
    assert any(
        lo < hi for t in gap.traces for lo, hi in zip(t.low or [], t.high or [], strict=True)
    )
    out = tmp_path / "r.html"
    assert runner.invoke(app, ["report", str(folder), "--out", str(out)]).exit_code == 0
    fills = [t for t in figures_of(out.read_text())["chart-gap"]["data"] if "fill" in t]
    assert len(fills) == 2
    table = key_table(out.read_text())
    assert table[0][2:] == [s.label for s in subjects]
    assert any(r[0] == "chilling of criticise_government" for r in table)


def test_a_folder_that_is_no_run_is_one_line(tmp_path: Path) -> None:
    res = runner.invoke(app, ["report", str(tmp_path), "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 2 and res.output.count("\n") == 1
    assert "not a run folder (metrics.parquet) or a sweep folder" in res.output
    assert not (tmp_path / "r.html").exists()


def test_the_report_opens_offline_in_chromium_without_errors(
    runs: list[Path], tmp_path: Path
) -> None:
    from tests.browser import Watch, chromium, screenshot

    out = tmp_path / "report.html"
    assert runner.invoke(app, ["report", *map(str, runs), "--out", str(out)]).exit_code == 0
    charts = len(figures_of(out.read_text()))
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        watch = Watch(page)
        page.goto(out.as_uri())
        page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length === {charts}")
        drawn = page.eval_on_selector_all(".js-plotly-plot .main-svg", "els => els.length")
        shot = screenshot(page, "report.png")
    assert drawn >= charts
    assert watch.requests == [out.as_uri()], watch.requests  # nothing but the file itself
    assert watch.errors == []
    assert shot.stat().st_size > 50_000


def test_unwritable_outputs_are_one_line(runs: list[Path], tmp_path: Path) -> None:
    res = runner.invoke(app, ["report", str(runs[0]), "--out", str(tmp_path)])
    assert res.exit_code == 2 and "is a folder; give a file name such as" in res.output
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = tmp_path / "r.html"
    res = runner.invoke(app, ["report", str(runs[0]), "--out", str(out), "--figures", str(blocker)])
    assert res.exit_code == 2 and res.output.count("\n") == 1
    assert f"--figures {blocker}: exists and is a file; give a folder" in res.output


def test_what_people_say_against_what_they_think(tmp_path: Path) -> None:
    """The report's polls chart draws each poll's estimate, interval and truth from run.json."""
    days = {
        f"polls.{p}.day": 79 for p in ("kostka_online", "rt_direct", "rt_list", "xkc_information")
    }
    run = scoresim.simulate("seed", agents=6000, steps=80, seed=2, overrides=days)
    run.save(tmp_path / "seed")
    scoresim.simulate("baseline", agents=2000, steps=80, seed=2).save(tmp_path / "baseline")
    out = tmp_path / "r.html"
    res = runner.invoke(app, ["report", str(tmp_path / "seed"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    said = figures_of(out.read_text())["chart-said"]["data"]
    assert [t["name"] for t in said] == ["seed: said", "seed: thought"]
    polls = json.loads((tmp_path / "seed" / "run.json").read_text())["polls"]
    # the experiment's arm follows its poll, whose own bar is the uninformed answers
    (arm,) = polls[3]["arms"]
    bars = [*polls, arm]
    assert said[0]["x"] == [
        *(f"{p['name']} ({p['question']}, {p['design']}, {p['mode']})" for p in polls[:3]),
        "xkc_information (scoring_system, direct, online), uninformed",
        "xkc_information, told: repression",
    ]
    assert said[0]["y"] == pytest.approx([p["estimate"] for p in bars])
    assert said[0]["error_y"]["array"] == pytest.approx([p["high"] - p["estimate"] for p in bars])
    assert said[0]["error_y"]["arrayminus"] == pytest.approx(
        [p["estimate"] - p["low"] for p in bars]
    )
    assert said[1]["y"] == pytest.approx([p["truth"] for p in bars])
    assert said[0]["y"][4] < said[0]["y"][3]  # told of repression, fewer approve
    assert said[0]["y"][1] > said[1]["y"][1] + 0.1  # the direct question overstates
    why = figures_of(out.read_text())["chart-why"]["data"]
    assert [t["name"] for t in why] == ["seed: fear", "seed: social desirability",
                                        "seed: neutral answer", "seed: design"]  # fmt: skip
    # The four parts of each poll sum to its bias, in points.
    sums = np.sum([t["y"] for t in why], axis=0)
    assert sums == pytest.approx([100 * p["bias"] for p in polls])
    res = runner.invoke(
        app, ["report", str(tmp_path / "baseline"), "--out", str(tmp_path / "b.html")]
    )
    assert res.exit_code == 0 and "chart-said" not in figures_of((tmp_path / "b.html").read_text())
