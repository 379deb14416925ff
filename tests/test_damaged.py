"""Damaged results folders are named and refused; a sweep's catalogue can be rebuilt.

And the report no longer misleads: no "equal" bar where nothing happened, p-values
beside the ratios, one colour per tier name, parameter names that tell paths apart,
design points a reader can choose.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

import scoresim
from scoresim.cli.app import app
from scoresim.report.charts import build_charts
from scoresim.report.data import load_subjects

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def refused(res: Any, *fragments: str) -> None:
    assert res.exit_code == 2, res.output
    assert res.output.count("\n") == 1 and "Traceback" not in res.output, res.output
    for fragment in fragments:
        assert fragment in res.output, res.output


@pytest.fixture(scope="module")
def good_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "seed"
    scoresim.simulate("seed", agents=500, steps=10, seed=2).save(out)
    return out


Damage = tuple[str, Callable[[bytes], bytes] | None, str]
DAMAGES: dict[str, Damage] = {
    "truncated metrics": ("metrics.parquet", lambda b: b[: len(b) // 2], "not a readable Parquet"),
    "junk agents": (
        "agents.parquet",
        lambda b: b"PAR1 this is no parquet",
        "not a readable Parquet",
    ),
    "truncated run.json": ("run.json", lambda b: b[: len(b) // 2], "damaged, not JSON"),
    "deep run.json": ("run.json", lambda b: b"[" * 100_000 + b"]" * 100_000, "nested more than"),
    "run.json a list": ("run.json", lambda b: b"[1, 2]", "holds a list, not an object"),
    "run.json without steps": (
        "run.json",
        lambda b: json.dumps({k: v for k, v in json.loads(b).items() if k != "steps"}).encode(),
        "field 'steps' is missing",
    ),
    "run.json with more steps": (
        "run.json",
        lambda b: json.dumps({**json.loads(b), "steps": 11}).encode(),
        "metrics.parquet: 30 rows where the run has 33",
    ),
    "no metrics": ("metrics.parquet", None, "metrics.parquet: missing"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_run_folder_is_named_not_reported(
    damage: str, good_run: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "seed"
    shutil.copytree(good_run, folder)
    name, change, fragment = DAMAGES[damage]
    target = folder / name
    if change is None:
        target.unlink()
    else:
        target.write_bytes(change(target.read_bytes()))
    res = invoke("report", str(folder), "--out", str(tmp_path / "r.html"))
    refused(res, str(folder), fragment, "run it again")
    assert not (tmp_path / "r.html").exists()
    with pytest.raises(scoresim.errors.ResultsError):
        scoresim.load_run(folder)


SWEEP = """\
scenario: seed
agents: 400
steps: 4
seed: 3
parameters:
  sources.street_cameras.coverage: [0.2, 0.8]
  sources.informants.coverage: [0.5]
  scoring.points.criticise_government: [-50, 0]
"""


def metrics_of(out: Path) -> pd.DataFrame:
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    try:
        frame: pd.DataFrame = con.execute(
            'SELECT * FROM metrics ORDER BY run_id, step, "group"'
        ).df()
    finally:
        con.close()
    return frame


def test_a_damaged_catalogue_is_named_and_rebuilt_from_the_intact_parts(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(SWEEP)
    out = tmp_path / "out"
    assert invoke("sweep", str(sweep), "--out", str(out), "-q").exit_code == 0
    before = metrics_of(out)
    db = out / "results.duckdb"
    original = db.read_bytes()
    db.write_bytes(original[: len(original) // 3])  # truncated
    (out / "metrics" / "run_id=1" / "part.parquet").write_bytes(b"junk")  # one part lost too
    refused(invoke("sweep", str(sweep), "--out", str(out), "-q"), "damaged", "--rebuild")
    refused(invoke("query", str(out), "SELECT * FROM runs"), "damaged", "--rebuild")
    refused(invoke("report", str(out), "--out", str(tmp_path / "r.html")), "damaged")
    res = invoke("sweep", str(sweep), "--out", str(out), "-q", "--rebuild")
    assert res.exit_code == 0, res.output
    assert "catalogue rebuilt: 3 of 4 runs recovered" in res.output
    assert "3 already finished, 1 done now" in res.output
    assert (out / "results.duckdb.damaged").read_bytes() == original[: len(original) // 3]
    pd.testing.assert_frame_equal(metrics_of(out), before)  # the same results as before


def test_a_catalogue_that_is_no_sweeps_is_refused_not_busy(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(SWEEP)
    out = tmp_path / "out"
    out.mkdir()
    con = duckdb.connect(str(out / "results.duckdb"))
    con.execute("CREATE TABLE junk (x INTEGER)")
    con.close()
    res = invoke("sweep", str(sweep), "--out", str(out), "-q")
    refused(res, "is not a sweep's or a calibration's catalogue")
    assert "wait for" not in res.output


def test_sweep_reports_name_paths_apart_and_let_the_reader_choose_points(
    tmp_path: Path,
) -> None:
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(SWEEP)
    out = tmp_path / "out"
    assert invoke("sweep", str(sweep), "--out", str(out), "-q").exit_code == 0
    labels = [s.label for s in load_subjects([out], [2, 0])]
    assert labels == [
        "out p2: criticise_government=-50, informants.coverage=0.5, street_cameras.coverage=0.8",
        "out p0: criticise_government=-50, informants.coverage=0.5, street_cameras.coverage=0.2",
    ]
    res = invoke("report", str(out), "--out", str(tmp_path / "r.html"), "--points", "1-2")
    assert res.exit_code == 0, res.output
    html = (tmp_path / "r.html").read_text()
    assert "out p1:" in html and "out p0:" not in html and "showing 2 of 4 design points" in html
    refused(invoke("report", str(out), "--out", str(tmp_path / "r.html"), "--points", "7"),
            "--points: point 7 of out has no finished run; its finished points are 0-3")  # fmt: skip
    refused(invoke("report", str(out), "--out", str(tmp_path / "r.html"), "--points", "0-20"),
            "more than 8 points")  # fmt: skip
    refused(invoke("report", str(out), "--out", str(tmp_path / "r.html"), "--points", "a"),
            "is not a point or a range")  # fmt: skip
    rate = next(c for c in build_charts(load_subjects([out])) if c.key == "rate-jaywalk")
    assert rate.title == "jaywalk: daily rate"  # a sweep keeps no pressure-free rate to draw


def test_the_report_draws_no_bar_where_nothing_happened(tmp_path: Path) -> None:
    for name in ("baseline", "seed"):
        scoresim.simulate(name, agents=4000, steps=60, seed=1).save(tmp_path / name)
    subjects = load_subjects([tmp_path / "baseline", tmp_path / "seed"])
    charts = {c.key: c for c in build_charts(subjects)}
    bars = {t.name: t.y for t in charts["disparities"].traces}
    assert all(v != v for v in bars["baseline"])  # NaN: no list, no denials, no bar
    assert all(0 < v <= 1 for v in bars["seed"])
    note = charts["disparities"].note
    assert "baseline: not listed: none listed, requests granted: none denied" in note
    assert "seed: not listed 0." in note and "(p = " in note
    res = invoke("report", str(tmp_path / "baseline"), str(tmp_path / "seed"),
                 "--out", str(tmp_path / "r.html"))  # fmt: skip
    assert res.exit_code == 0
    html = (tmp_path / "r.html").read_text()
    figures = json.loads(html.split("const figures = ", 1)[1].split(";\nfor (const", 1)[0]
                         .replace("<\\/", "</"))  # fmt: skip
    baseline = next(t for t in figures["chart-disparities"]["data"] if t["name"] == "baseline")
    assert baseline["y"] == [None, None]
    widths = [t["line"]["width"] for t in figures["chart-gap"]["data"]]
    assert widths[0] > widths[1]  # identical lines cannot hide each other


def test_a_tier_has_one_colour_in_every_regimes_picture(tmp_path: Path) -> None:
    for name in ("seed", "court-blacklist"):
        scoresim.simulate(name, agents=3000, steps=40, seed=1).save(tmp_path / name)
    charts = build_charts(load_subjects([tmp_path / "seed", tmp_path / "court-blacklist"]))
    pictures = [c.picture for c in charts if c.picture is not None]
    assert len(pictures) == 2
    assert pictures[0].tier_order == pictures[1].tier_order  # one merged order, one palette


SOBOL_SMALL = """\
scenario: baseline
agents: 300
steps: 3
seed: 3
design: sobol
samples: 8
parameters:
  behaviours.jaywalk.base_rate.urban: {low: 0.01, high: 0.2}
  behaviours.flashy_purchase.base_rate.urban: {low: 0.01, high: 0.2}
outputs: [rate.jaywalk]
"""
PARAM = "behaviours.jaywalk.base_rate.urban"


@pytest.fixture(scope="module")
def sobol_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("sobol")
    (tmp / "s.yaml").write_text(SOBOL_SMALL)
    assert invoke("sweep", str(tmp / "s.yaml"), "--out", str(tmp / "out"), "-q").exit_code == 0
    return tmp / "out"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE sweep_info SET value = '" + "[" * 100_000 + "]" * 100_000 + "' WHERE key = 'sweep'",
        "UPDATE runs SET point = 9223372036854775807 WHERE run_id = 0",
        f'ALTER TABLE design RENAME COLUMN "{PARAM}" TO x; '
        f'ALTER TABLE runs RENAME COLUMN "{PARAM}" TO x',
        """UPDATE sweep_info SET value = '{"seed": 3, "outputs": ["rate.jaywalk"]}'
           WHERE key = 'sweep'""",
        "DROP TABLE design",
    ],
    ids=["deep-json", "huge-point", "renamed-column", "no-design", "dropped-design"],
)
def test_a_hand_edited_sweep_catalogue_is_damaged_in_one_line(
    sobol_sweep: Path, tmp_path: Path, sql: str
) -> None:
    out = tmp_path / "out"
    shutil.copytree(sobol_sweep, out)
    con = duckdb.connect(str(out / "results.duckdb"))
    con.execute(sql)
    con.close()
    res = invoke("sensitivity", str(out))
    assert res.exit_code == 2, res.output
    assert res.output.count("\n") == 1 and "damaged" in res.output, res.output
    # report reads less (not the design); what it reads is damaged in one line, or it works
    res = invoke("report", str(out), "--out", str(tmp_path / "r.html"))
    assert res.exit_code in (0, 2) and "Traceback" not in res.output, res.output
    assert res.exit_code == 0 or (res.output.count("\n") == 1 and "damaged" in res.output)
