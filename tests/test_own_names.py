"""A user's own regime, with its own names, gets every view a built-in regime gets.

The scenario is ``seed`` with every behaviour, source, opportunity, group, tier and
reward renamed. Its run summary, report, audit and explorer must show its headlines
under its names, with numbers, and none of the built-in names may leak into them.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from scoresim.cli.app import app
from scoresim.config.loading import load_scenario
from scoresim.explorer.app import create_app
from scoresim.results import headlines as hl
from tests.servers import free_port, start_serve
from tests.test_explorer import wait_done

RENAMES = {
    "jaywalk": "litter",
    "flashy_purchase": "splurge",
    "criticise_government": "speak_out",
    "praise_party": "applaud",
    "unpaid_debt": "arrears",
    "street_cameras": "patrols",
    "travel": "rail_tickets",
    "urban": "north",
    "rural": "south",
    "model_citizen": "exemplary",
    "bus_discount": "free_museum",
}
OLD = re.compile(r"\b(" + "|".join(RENAMES) + r")\b")
runner = CliRunner()


@pytest.fixture(scope="module")
def renamed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = resources.files("scoresim.scenarios").joinpath("seed.yaml").read_text("utf-8")
    text = OLD.sub(lambda m: RENAMES[m.group(1)], text).replace("name: seed", "name: renamed", 1)
    assert not OLD.search(text)
    path = tmp_path_factory.mktemp("own") / "renamed.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _labels(path: Path) -> list[str]:
    return [h.label for h in hl.headlines(load_scenario(str(path)).config.model_dump())]


def test_the_headlines_follow_the_scenarios_names(renamed: Path) -> None:
    labels = _labels(renamed)
    for expected in ("chilling of speak_out", "chilling of applaud", "falsification",
                     "litter vs pressure-free", "listed wrongly"):  # fmt: skip
        assert expected in labels
    assert any("rail_tickets" in label for label in labels)


def test_run_summary_and_report_show_them_with_numbers(renamed: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = runner.invoke(app, ["run", str(renamed), "--agents", "3000", "--steps", "60",
                              "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    for label in _labels(renamed):
        row = next(line for line in res.output.splitlines() if f" {label} " in line)
        assert re.search(r"\d", row.split(label, 1)[1]), row  # a number, not a blank
    assert not OLD.search(res.output)
    metrics = pd.read_parquet(out / "metrics.parquet")
    info = json.loads((out / "run.json").read_text())
    values = hl.values(metrics, info["parameters"])
    assert list(values) == _labels(renamed)
    assert all(math.isfinite(v) for v in values.values()), values
    report = tmp_path / "report.html"
    res = runner.invoke(app, ["report", str(out), "--out", str(report)])
    assert res.exit_code == 0, res.output
    html = report.read_text(encoding="utf-8")
    assert "chilling of speak_out" in html and "litter vs pressure-free" in html
    assert "falsification" in html and "rail_tickets" in html
    assert not OLD.search(html)


def test_audit_measures_its_own_behaviours(renamed: Path) -> None:
    res = runner.invoke(app, ["audit", str(renamed), "--agents", "3000", "--steps", "60",
                              "--json"])  # fmt: skip
    assert res.exit_code == 1, res.output  # speech is scored: prohibited, as for seed
    report = json.loads(res.output)
    checks = {line["check"]: line for line in report["lines"]}
    assert "chilling of speech: speak_out" in checks
    assert "chilling of speech: applaud" in checks
    assert "falsification" in checks and "wrongful listing" in checks
    assert "north" in checks["disparate impact: not listed"]["finding"]
    assert not OLD.search(res.output)


def test_the_explorer_offers_it_with_its_own_knobs(renamed: Path) -> None:
    sc = load_scenario(str(renamed))
    with TestClient(create_app(max_agents=20_000, max_steps=400, ttl=60, extra=[sc])) as client:
        listed = {s["name"]: s for s in client.get("/api/scenarios").json()}
        own = listed["renamed"]
        assert own["dissent"] == "speak_out"
        keys = {k["key"]: k for k in own["knobs"]}
        assert keys["conduct_coverage"]["paths"] == ["sources.patrols.coverage"]
        assert keys["dissent_points"]["paths"] == ["scoring.points.speak_out"]
        assert [h["label"] for h in own["headlines"]] == _labels(renamed)
        body = {"scenario": "renamed", "agents": 2000, "steps": 40, "seed": 3,
                "overrides": {"scoring.points.speak_out": -120}}  # fmt: skip
        run_id = client.post("/api/runs", json=body).json()["id"]
        assert wait_done(client, run_id)["status"] == "done"
        last = client.get(f"/api/runs/{run_id}/metrics").json()[-1]
        for h in own["headlines"]:
            assert h["column"] in last and last[h["column"]] is not None, h


def test_a_name_already_offered_is_refused_in_one_line(tmp_path: Path) -> None:
    res = runner.invoke(app, ["serve", "--scenario", "seed", "--port", str(free_port())])
    assert res.exit_code == 2
    assert "'seed' is already a regime the explorer offers" in res.output
    assert len(res.output.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def server(renamed: Path) -> Iterator[str]:
    """A real ``scoresim serve --scenario renamed.yaml`` on 127.0.0.1."""
    url, proc = start_serve("--max-agents", "20000", "--max-steps", "200", "--scenario",
                            str(renamed), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_page_runs_it_beside_seed_in_chromium(server: str, renamed: Path) -> None:
    from tests.browser import chromium, explorer_page, screenshot

    with chromium() as browser:
        page, watch = explorer_page(browser, server)
        page.select_option("#scenario-a", "seed")
        page.select_option("#scenario-b", "renamed")
        labels = page.inner_text("#knobs-b")
        page.fill("#agents", "4000")
        page.fill("#steps", "40")
        page.click("#run")
        page.wait_for_selector("body[data-state=done]", timeout=90_000)
        names = page.evaluate("document.getElementById('chart-criticism').data.map(t => t.name)")
        voiced = page.evaluate("document.getElementById('chart-criticism').data[1].y.length")
        table = page.inner_text("#comparison-table")
        screenshot(page, "explorer-own-regime.png")
    assert "Coverage of patrols" in labels and "Points for speak out" in labels
    assert names == ["A: seed", "B: renamed"] and voiced == 40
    for label in ("chilling of speak out", "litter vs pressure-free", "falsification"):
        assert label in table
    assert watch.errors == []
