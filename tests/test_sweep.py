"""Sweeps: files, seeds, the results folder, resuming after SIGKILL, Dask, sensitivity."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import scoresim
from scoresim.cli.app import app
from scoresim.sweep.runs import run_seed

runner = CliRunner()

GRID = """\
scenario: seed
agents: 1500
steps: 12
seed: 5
replicates: 2
design: grid
parameters:
  sources.street_cameras.coverage: [0.1, 0.9]
  scoring.points.criticise_government: [-100, -20, 0]
outputs: [falsification, listed_wrongly, rate.jaywalk]
"""
RUNS, STEPS, ROWS_PER_STEP = 12, 12, 3  # 6 points x 2 replicates; groups urban, rural, all


def write(tmp_path: Path, text: str, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def sweep(*args: str) -> Any:
    return runner.invoke(app, ["sweep", *args, "--quiet"])


def table(out: Path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    try:
        frame: pd.DataFrame = con.execute(sql).df()
    finally:
        con.close()
    return frame


def metrics(out: Path) -> pd.DataFrame:
    frame = table(out, 'SELECT * FROM metrics ORDER BY run_id, step, "group"')
    frame["group"] = frame["group"].astype(str)
    return frame.reset_index(drop=True)


def test_grid_sweep_records_every_run_and_each_run_repeats_from_its_seed(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    res = sweep(str(write(tmp_path, GRID)), "--out", str(out), "--workers", "2")
    assert res.exit_code == 0, res.output
    assert f"{RUNS} runs: 0 already finished, {RUNS} done now, 0 failed" in res.output
    runs = table(out, "SELECT * FROM runs ORDER BY run_id")
    assert list(runs.columns[:8]) == [
        "run_id", "point", "replicate", "seed_entropy", "status", "error", "seconds", "version",
    ]  # fmt: skip
    assert runs["status"].eq("done").all() and runs["error"].isna().all()
    assert runs["version"].eq(scoresim.__version__).all()
    assert runs["run_id"].tolist() == list(range(RUNS))
    assert runs["seed_entropy"].tolist() == [run_seed(5, p, r) for p in range(6) for r in range(2)]
    # Common random numbers: replicate r of every point shares its seed.
    assert runs["seed_entropy"].nunique() == 2
    assert sorted(set(runs["scoring.points.criticise_government"])) == [-100, -20, 0]
    m = metrics(out)
    assert m.groupby("run_id").size().eq(STEPS * ROWS_PER_STEP).all()
    # Any run repeats exactly from its row: the scenario, its parameters and seed_entropy.
    row = runs.iloc[7]
    overrides = {
        "sources.street_cameras.coverage": float(row["sources.street_cameras.coverage"]),
        "scoring.points.criticise_government": int(row["scoring.points.criticise_government"]),
    }
    again = scoresim.simulate(
        "seed", agents=1500, steps=STEPS, seed=int(row["seed_entropy"]), overrides=overrides
    ).metrics
    mine = m[m["run_id"] == 7].drop(columns="run_id").reset_index(drop=True)
    again["group"] = again["group"].astype(str)
    again = again.sort_values(["step", "group"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(mine[again.columns], again, check_dtype=False)
    # The regime works through the sweep: criticism costs points, so less is voiced.
    last = m[(m["step"] == STEPS - 1) & (m["group"] == "all")].merge(runs, on="run_id")
    by_points = last.groupby("scoring.points.criticise_government")["rate.criticise_government"]
    assert by_points.mean()[-100] < by_points.mean()[0]
    # Rerunning skips everything and changes nothing.
    res = sweep(str(write(tmp_path, GRID)), "--out", str(out), "--workers", "1")
    assert res.exit_code == 0 and f"{RUNS} already finished, 0 done now" in res.output
    pd.testing.assert_frame_equal(metrics(out), m)


def test_query_prints_tables_and_csv_and_names_bad_sql(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert sweep(str(write(tmp_path, GRID)), "--out", str(out)).exit_code == 0
    sql = "SELECT count(DISTINCT run_id) AS runs, count(*) AS agents FROM agents"
    res = runner.invoke(app, ["query", str(out), sql, "--csv"])
    assert res.exit_code == 0
    assert pd.read_csv(io.StringIO(res.output)).to_dict("records") == [
        {"runs": RUNS, "agents": RUNS * 1500}
    ]
    res = runner.invoke(app, ["query", str(out), "SELECT status, count(*) n FROM runs GROUP BY 1"])
    assert res.exit_code == 0 and "done" in res.output and "12" in res.output
    res = runner.invoke(app, ["query", str(out), "SELECT nope FROM runs"])
    assert res.exit_code == 2 and res.output.count("\n") == 1
    assert 'query: Binder Error: Referenced column "nope" not found' in res.output
    assert "check the SQL (tables: runs, metrics, agents, design, sweep_info)" in res.output
    res = runner.invoke(app, ["query", str(tmp_path / "nothing"), "SELECT 1"])
    assert res.exit_code == 2
    assert "nothing: no results.duckdb here; give the --out folder of a sweep" in res.output


def test_a_folder_holding_another_sweep_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert sweep(str(write(tmp_path, GRID)), "--out", str(out)).exit_code == 0
    other = write(tmp_path, GRID.replace("seed: 5", "seed: 6"), "other.yaml")
    res = sweep(str(other), "--out", str(out))
    assert res.exit_code == 2
    assert "holds the results of a different sweep" in res.output
    assert table(out, "SELECT count(*) n FROM runs")["n"][0] == RUNS


def test_failed_runs_are_recorded_and_the_exit_code_counts_them(tmp_path: Path) -> None:
    """start 300 with min 500 is refused; each value alone is fine, so the sweep starts."""
    text = GRID.replace(
        """  sources.street_cameras.coverage: [0.1, 0.9]
  scoring.points.criticise_government: [-100, -20, 0]""",
        """  scoring.start: [300, 1000]
  scoring.min: [0, 500]""",
    ).replace("replicates: 2", "replicates: 3")
    out = tmp_path / "out"
    res = sweep(str(write(tmp_path, text)), "--out", str(out))
    assert res.exit_code == 3, res.output  # the point (300, 500) fails in all 3 replicates
    runs = table(out, "SELECT * FROM runs ORDER BY run_id")
    failed = runs[runs["status"] == "failed"]
    assert failed["point"].unique().tolist() == [1]
    assert failed["error"].str.contains("failed while applying the parameters").all()
    assert failed["error"].str.contains("scoring.start: 300 is not inside").all()
    assert set(metrics(out)["run_id"]) == set(runs.loc[runs["status"] == "done", "run_id"])
    assert "first failure: run " in res.output and "failed while applying" in res.output


def _parts(out: Path) -> int:
    return len(list((out / "metrics").glob("*/part.parquet"))) if (out / "metrics").is_dir() else 0


@pytest.mark.parametrize("kill_after_parts", [0, 5])
def test_sigkill_mid_sweep_loses_nothing_finished_and_the_rerun_completes_it(
    tmp_path: Path, kill_after_parts: int
) -> None:
    text = GRID.replace("agents: 1500", "agents: 3000").replace("steps: 12", "steps: 25")
    file = write(tmp_path, text)
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    assert sweep(str(file), "--out", str(whole), "--workers", "2").exit_code == 0
    cmd = [sys.executable, "-m", "scoresim.cli", "sweep", str(file), "--out", str(broken), "-q"]
    proc = subprocess.Popen(
        [*cmd, "--workers", "2"], start_new_session=True, stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    wait_for = max(kill_after_parts, 0)
    while time.monotonic() < deadline and proc.poll() is None:
        if (kill_after_parts == 0 and (broken / "results.duckdb").exists()) or (
            kill_after_parts and _parts(broken) >= wait_for
        ):
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the sweep ended before it could be killed; make it longer"
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its workers, at once
    proc.wait()
    assert _parts(broken) < RUNS
    res = sweep(str(file), "--out", str(broken), "--workers", "2")
    assert res.exit_code == 0, res.output
    runs = table(broken, "SELECT run_id, point, replicate, status FROM runs ORDER BY run_id")
    assert runs["status"].eq("done").all() and len(runs) == RUNS
    assert runs[["point", "replicate"]].drop_duplicates().shape[0] == RUNS
    got, want = metrics(broken), metrics(whole)
    assert got.groupby("run_id").size().eq(STEPS * 0 + 25 * ROWS_PER_STEP).all()
    pd.testing.assert_frame_equal(got, want)


def test_dask_cluster_gives_the_same_results_as_the_local_pool(
    tmp_path: Path, dask_scheduler: str
) -> None:
    file = write(tmp_path, GRID)
    local, dask = tmp_path / "local", tmp_path / "dask"
    assert sweep(str(file), "--out", str(local), "--workers", "1").exit_code == 0
    res = sweep(str(file), "--out", str(dask), "--scheduler", dask_scheduler)
    assert res.exit_code == 0, res.output
    pd.testing.assert_frame_equal(metrics(dask), metrics(local))
    cols = "run_id, seed_entropy, status"
    pd.testing.assert_frame_equal(
        table(dask, f"SELECT {cols} FROM runs ORDER BY run_id"),
        table(local, f"SELECT {cols} FROM runs ORDER BY run_id"),
    )


def test_an_unreachable_scheduler_is_one_line(tmp_path: Path) -> None:
    res = sweep(str(write(tmp_path, GRID)), "--out", str(tmp_path / "o"), "--scheduler",
                "tcp://127.0.0.1:9")  # fmt: skip
    assert res.exit_code == 2 and res.output.count("\n") == 1
    assert "--scheduler tcp://127.0.0.1:9: cannot connect" in res.output


SOBOL = """\
scenario: baseline
agents: 2000
steps: 3
seed: 3
design: sobol
samples: 64
parameters:
  behaviours.jaywalk.base_rate.urban: {low: 0.01, high: 0.2}
  behaviours.flashy_purchase.base_rate.urban: {low: 0.01, high: 0.2}
outputs: [rate.jaywalk]
"""


def test_sobol_indices_find_the_parameter_without_effect(tmp_path: Path) -> None:
    """Jaywalking does not depend on the flashy-purchase rate: its total index is near 0.

    Tolerance: even with common random numbers across design points, draws meet
    different acts once behaviour responds, so sampling noise shows as a small index
    on every parameter at 2000 agents.
    """
    out = tmp_path / "out"
    assert sweep(str(write(tmp_path, SOBOL)), "--out", str(out)).exit_code == 0
    from scoresim.sweep.sensitivity import analyse

    (res,) = analyse(out)
    st = res.table.set_index("parameter")["ST"].to_dict()
    s1 = res.table.set_index("parameter")["S1"].to_dict()
    none, some = "behaviours.flashy_purchase.base_rate.urban", "behaviours.jaywalk.base_rate.urban"
    assert st[none] < 0.06 and abs(s1[none]) < 0.1
    assert st[some] > 0.8 and s1[some] > 0.6
    cli = runner.invoke(app, ["sensitivity", str(out), "--figure", str(tmp_path / "s.png")])
    assert cli.exit_code == 0 and "rate.jaywalk: sobol indices" in cli.output
    png = (tmp_path / "s.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_morris_screening_ranks_the_parameters(tmp_path: Path) -> None:
    text = SOBOL.replace("design: sobol", "design: morris").replace("samples: 64", "samples: 12")
    out = tmp_path / "out"
    assert sweep(str(write(tmp_path, text)), "--out", str(out)).exit_code == 0
    from scoresim.sweep.sensitivity import analyse

    (res,) = analyse(out)
    mu = res.table.set_index("parameter")["mu_star"]
    none, some = (
        mu["behaviours.flashy_purchase.base_rate.urban"],
        mu["behaviours.jaywalk.base_rate.urban"],
    )
    # Tolerance: an elementary effect of pure noise is about 0.014 here (rate sd 0.0067
    # at 2000 agents, twice, over a step of 2/3 of the range).
    assert none < 0.03 and some > 4 * none and some > 0.08


def test_sensitivity_needs_a_sampled_design_and_a_known_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert sweep(str(write(tmp_path, GRID)), "--out", str(out)).exit_code == 0
    res = runner.invoke(app, ["sensitivity", str(out)])
    assert res.exit_code == 2
    assert "the sweep's design is grid; sensitivity indices need a sweep with design: sobol" in (
        res.output
    )


def test_same_seed_same_design_points() -> None:
    from scoresim.sweep.design import build_design
    from scoresim.sweep.spec import sweep_from_text

    a = build_design(sweep_from_text(SOBOL, "a.yaml"))
    b = build_design(sweep_from_text(SOBOL, "b.yaml"))
    c = build_design(sweep_from_text(SOBOL.replace("seed: 3", "seed: 4"), "c.yaml"))
    assert a.matrix is not None and b.matrix is not None and c.matrix is not None
    assert a.matrix.shape == (64 * 4, 2)
    assert np.array_equal(a.matrix, b.matrix) and not np.array_equal(a.matrix, c.matrix)


BAD = [
    ("design: grid", "design: lhs", "line 6: design: lhs needs samples; add samples: 64"),
    ("[0.1, 0.9]", "[0.1, 1.9]",
     "parameters['sources.street_cameras.coverage']: 1.9 does not fit seed: 1.9 is not allowed; "
     "it should be less than or equal to 1"),
    ("rate.jaywalk]", "rate.jaywalkk]",
     "line 10: outputs[2]: 'rate.jaywalkk' is not a metric of seed; did you mean 'rate.jaywalk'?"),
    ("replicates: 2", "replicatess: 2", "line 5: replicatess: unknown field; did you mean 'replicates'?"),
    ("sources.street_cameras", "sources.street_camera",
     "parameters['sources.street_camera.coverage']: 0.1 does not fit seed: no such field in "
     "seed.yaml; did you mean 'sources.street_cameras.coverage'?"),
    ("agents: 1500", "agents: -5", "line 2: agents: -5 is not allowed; it should be greater than or equal to 1"),
    ("scenario: seed", "scenario: nope", "line 1: scenario: 'nope' cannot be loaded"),
    ("design: grid", "design: sobol\nsamples: 48",
     "samples: 48 is not a power of 2; Sobol sampling needs one, for example 64 or 128"),
    ("[-100, -20, 0]", "{low: 5, high: 1}",
     "parameters['scoring.points.criticise_government']: {'low': 5, 'high': 1} is not allowed; "
     "low (5.0) must be below high (1.0)"),
    ("[-100, -20, 0]", "{low: -100, high: 0}",
     "parameters['scoring.points.criticise_government']: a range needs a sampled design"),
    ("[-100, -20, 0]", "[-100, -20.5]",
     "-20.5 does not fit seed: -20.5 is not allowed; it should be a valid integer"),
    ("[-100, -20, 0]", "[]", "[] has no values; list at least one"),
    ("seed: 5", "seed: [5]", "line 4: seed: [5] is not allowed; it should be a valid integer"),
    ("design: grid", "design: grid\nsamples: 8",
     "samples: a grid takes every combination; remove samples or use design: lhs, sobol or morris"),
    ("replicates: 2", "replicates: 200000",
     "replicates: 200000 is not allowed; it should be less than or equal to 10000"),
    ("parameters:", "parameters: {}\nx:", "parameters: {} is not allowed"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "message"), BAD)
def test_bad_sweep_files_are_one_line_and_write_nothing(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in GRID
    out = tmp_path / "out"
    res = sweep(str(write(tmp_path, GRID.replace(old, new, 1))), "--out", str(out))
    assert res.exit_code == 2, res.output
    assert res.output.count("\n") == 1 and res.output.startswith("error: ")
    assert str(tmp_path / "sweep.yaml") in res.output
    assert message in res.output
    assert not out.exists()


def test_a_missing_or_malformed_sweep_file(tmp_path: Path) -> None:
    res = sweep(str(tmp_path / "none.yaml"), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2 and "none.yaml: no such file; give the path" in res.output
    res = sweep(str(write(tmp_path, "scenario: [seed\n")), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2 and "malformed YAML" in res.output
    res = sweep(str(write(tmp_path, "- a\n- b\n")), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2 and "(top level): list is not a mapping" in res.output


@pytest.mark.parametrize("name", ["cameras-and-criticism", "seed-sobol"])
def test_the_example_sweeps_in_the_docs_validate(name: str) -> None:
    from scoresim.sweep.design import build_design
    from scoresim.sweep.spec import load_sweep

    sweep = load_sweep(Path(__file__).parent.parent / "examples" / name / "sweep.yaml")
    runs = len(build_design(sweep).points) * sweep.config.replicates
    assert runs == {"cameras-and-criticism": 27, "seed-sobol": 384}[name]


def test_an_out_path_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("x")
    res = sweep(str(write(tmp_path, GRID)), "--out", str(blocker))
    assert res.exit_code == 2 and res.output.count("\n") == 1
    assert f"--out {blocker}: exists and is a file; give a new folder" in res.output


def test_common_random_numbers_across_points_by_default_and_off_on_request() -> None:
    """Replicate r of every point shares its seed, unless the sweep file says otherwise."""
    assert run_seed(5, 0, 1) == run_seed(5, 3, 1) != run_seed(5, 3, 0)
    assert run_seed(5, 0, 1, common=False) != run_seed(5, 3, 1, common=False)
    # Two grid points in one sweep: the same people, the same demand on every day.
    a = scoresim.simulate("seed", agents=3000, steps=30, seed=run_seed(5, 0, 0))
    b = scoresim.simulate(
        "seed",
        agents=3000,
        steps=30,
        seed=run_seed(5, 1, 0),
        overrides={"scoring.points.criticise_government": -100},
    )
    assert a.agents["stance"].equals(b.agents["stance"])
    assert a.metrics["wanted.travel"].equals(b.metrics["wanted.travel"])


def test_a_log_gets_a_line_per_tenth_of_the_runs(tmp_path: Path) -> None:
    """Without a terminal there is no live bar; progress is written as plain lines."""
    res = runner.invoke(app, ["sweep", str(write(tmp_path, GRID)), "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.output.splitlines() if "runs done" in ln]
    assert [ln.split(" of ")[0] for ln in lines] == [str(k) for k in range(1, RUNS + 1)]
    assert lines[-1] == f"{RUNS} of {RUNS} runs done, 0 failed"


def test_a_rebuild_writes_no_part_through_a_symbolic_link(tmp_path: Path) -> None:
    out = tmp_path / "out"
    file = write(tmp_path, GRID)
    assert sweep(str(file), "--out", str(out)).exit_code == 0
    part = out / "metrics" / "run_id=1" / "part.parquet"
    victim, other = tmp_path / "victim", tmp_path / "other"
    victim.write_text("the user's\n")
    other.write_text("the user's\n")
    part.unlink()
    part.with_name("part.parquet.tmp").symlink_to(victim)
    (out / "metrics" / "run_id=2" / "part.parquet").unlink()
    (out / "metrics" / "run_id=2" / "part.parquet").symlink_to(other)
    res = sweep(str(file), "--out", str(out), "--rebuild")
    assert res.exit_code == 0, res.output
    assert victim.read_text() == other.read_text() == "the user's\n"
    assert not (out / "metrics" / "run_id=2" / "part.parquet").is_symlink()
    assert len(metrics(out)) == RUNS * STEPS * ROWS_PER_STEP


@pytest.mark.parametrize("rebuild", [False, True])
def test_a_folder_with_someone_elses_duckdb_is_refused(tmp_path: Path, rebuild: bool) -> None:
    out = tmp_path / "proj"
    out.mkdir()
    con = duckdb.connect(str(out / "results.duckdb"))
    con.execute("CREATE TABLE runs (x INTEGER)")
    con.close()
    res = sweep(str(write(tmp_path, GRID)), "--out", str(out), *(["--rebuild"] if rebuild else []))
    assert res.exit_code == 2
    assert "is not a sweep's or a calibration's catalogue" in res.output
    assert sorted(p.name for p in out.iterdir()) == ["results.duckdb"]
    assert table(out, "SELECT table_name FROM duckdb_tables()")["table_name"].tolist() == ["runs"]


def test_a_folder_path_duckdb_would_rewrite_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    file = write(tmp_path, GRID)
    for folder in ("p\\q", "md:some-db"):
        res = sweep(str(file), "--out", folder)
        assert res.exit_code == 2, res.output
        assert res.output.count("\n") == 1 and f"--out {folder}: DuckDB reads" in res.output
        res = runner.invoke(app, ["query", folder, "SELECT 1"])
        assert res.exit_code == 2, res.output
        assert f"folder {folder}: DuckDB reads" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.yaml"]


SMALL_SOBOL = SOBOL.replace("agents: 2000", "agents: 300").replace("samples: 64", "samples: 8")


def test_sensitivity_writes_its_figure_only_over_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert sweep(str(write(tmp_path, SMALL_SOBOL)), "--out", str(out)).exit_code == 0
    default, victim = out / "sensitivity.png", tmp_path / "victim"
    default.write_text("the user's\n")
    res = runner.invoke(app, ["sensitivity", str(out)])
    assert res.exit_code == 2 and res.output.count("\n") == 1, res.output
    assert default.read_text() == "the user's\n"
    default.unlink()
    victim.write_text("the user's\n")
    default.symlink_to(victim)
    res = runner.invoke(app, ["sensitivity", str(out)])
    assert res.exit_code == 2 and victim.read_text() == "the user's\n"
    default.unlink()
    # A file that appears while the indices are computed is found at write time.
    from scoresim.sweep import sensitivity as sa

    analyse, mine = sa.analyse, tmp_path / "mine.png"

    def planting(*args: Any) -> Any:
        found = analyse(*args)
        mine.write_text("the user's\n")
        return found

    monkeypatch.setattr(sa, "analyse", planting)
    res = runner.invoke(app, ["sensitivity", str(out), "--figure", str(mine)])
    assert res.exit_code == 2 and mine.read_text() == "the user's\n", res.output
    monkeypatch.undo()
    res = runner.invoke(app, ["sensitivity", str(out)])
    assert res.exit_code == 0, res.output
    assert default.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and not default.is_symlink()
    assert runner.invoke(app, ["sensitivity", str(out)]).exit_code == 0  # over its own


@pytest.mark.parametrize(
    ("design", "samples", "need"), [("sobol", 4, "8 samples"), ("morris", 1, "2 trajectories")]
)
def test_sensitivity_refuses_a_design_too_small_for_an_interval(
    tmp_path: Path, design: str, samples: int, need: str
) -> None:
    text = SMALL_SOBOL.replace("design: sobol", f"design: {design}")
    out = tmp_path / "out"
    file = write(tmp_path, text.replace("samples: 8", f"samples: {samples}"))
    assert sweep(str(file), "--out", str(out)).exit_code == 0
    res = runner.invoke(app, ["sensitivity", str(out)])
    assert res.exit_code == 2 and res.output.count("\n") == 1, res.output
    assert f"need at least {need}" in res.output
    assert not (out / "sensitivity.png").exists()


def test_sensitivity_at_the_minimum_warns_nothing(tmp_path: Path) -> None:
    import warnings

    from scoresim.sweep.sensitivity import analyse

    text = SMALL_SOBOL.replace("design: sobol", "design: morris").replace(
        "samples: 8", "samples: 2"
    )
    out = tmp_path / "out"
    assert sweep(str(write(tmp_path, text)), "--out", str(out)).exit_code == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (res,) = analyse(out)
    assert len(res.table) == 2
