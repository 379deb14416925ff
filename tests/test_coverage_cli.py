"""``scoresim calibrate FILE --check-coverage N`` on the tiny calibration, real workers.

Each rank is recomputed here from the data set's own folder (its last population, read
from the Parquet parts) and its truth (drawn again from the seed as docs/calibration.md
says), and the coverage table from those ranks; a rerun after a kill gives the same
files; a larger N keeps the first data sets.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from scoresim.experiment.seeds import child_seed
from tests.test_calibrate import TINY, calibrate, write

N = 4
PATHS = ("behaviours.refuse_to_perform.base_rate", "sources.courts.coverage")
BOUNDS = ((-5.0, -3.0), (0.2, 1.0))  # the priors' supports on the sampler scale


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("cov")
    out = tmp / "out"
    res = calibrate(str(write(tmp)), "--out", str(out), "--workers", "2", "--check-coverage", str(N))  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "coverage on 4 data sets" in res.output
    return out


def last_population(folder: Path) -> pd.DataFrame:
    parts = sorted((folder / "particles").glob("generation=*/part.parquet"),
                   key=lambda p: int(p.parent.name.split("=")[1]))  # fmt: skip
    return pd.read_parquet(parts[-1])


def test_each_rank_is_the_posterior_mass_below_the_truth(checked: Path) -> None:
    ranks = pd.read_csv(checked / "coverage_ranks.csv")
    assert list(ranks["dataset"]) == list(range(N)) and ranks["usable"].all()
    for k in range(N):
        # The truth: uniform on each prior's sampler scale, from the child (5, k + 1, 0).
        rng = np.random.default_rng(child_seed(3, 5, k + 1, 0))
        truth = [rng.uniform(lo, hi) for lo, hi in BOUNDS]
        assert ranks.loc[k, PATHS[0]] == pytest.approx(10 ** truth[0], rel=1e-12)
        assert ranks.loc[k, PATHS[1]] == pytest.approx(truth[1], rel=1e-12)
        (folder,) = (checked / "coverage").glob(f"{k:04d}-*")  # one folder per data set
        pop = last_population(folder)
        w = pop["weight"].to_numpy() / pop["weight"].sum()
        for path, x, log in zip(PATHS, truth, (True, False), strict=True):
            draws = np.log10(pop[path].to_numpy()) if log else pop[path].to_numpy()
            below = w[draws < x].sum() + 0.5 * w[draws == x].sum()
            assert ranks.loc[k, f"rank {path}"] == pytest.approx(below, abs=1e-12)


def test_the_table_counts_truths_inside_the_central_intervals(checked: Path) -> None:
    ranks = pd.read_csv(checked / "coverage_ranks.csv")
    table = pd.read_csv(checked / "coverage.csv")
    assert len(table) == 2 * 4
    for _, row in table.iterrows():
        u = ranks[f"rank {row['parameter']}"]
        c = row["level"]
        inside = int(((u >= (1 - c) / 2) & (u <= (1 + c) / 2)).sum())
        assert row["inside"] == inside and row["coverage"] == pytest.approx(inside / N)
        assert row["low"] <= row["coverage"] <= row["high"]
    doc = json.loads((checked / "coverage.json").read_text())
    assert doc["datasets"] == N and doc["usable"] == N and doc["excluded"] == 0
    assert doc["passed"] == bool((table["verdict"] == "consistent").all())
    con = duckdb.connect(str(checked / "results.duckdb"), read_only=True)
    try:
        evals = con.execute("SELECT sum(evaluations) FROM coverage").fetchone()
    finally:
        con.close()
    assert evals is not None and doc["simulations"] == evals[0] > 0
    assert (checked / "figures" / "coverage.png").stat().st_size > 10_000


def test_a_killed_check_resumes_to_the_same_files(checked: Path, tmp_path: Path) -> None:
    file = write(tmp_path)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "scoresim.cli", "calibrate", str(file), "--out", str(out),
           "--workers", "2", "--quiet", "--check-coverage", str(N)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any((out / "coverage").glob("0001-*/particles/generation=0")):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # during the second data set's posterior
    proc.wait()
    res = calibrate(str(file), "--out", str(out), "--workers", "2", "--check-coverage", str(N))
    assert res.exit_code == 0, res.output
    for name in ("coverage.csv", "coverage_ranks.csv", "coverage_histogram.csv"):
        got, want = pd.read_csv(out / name), pd.read_csv(checked / name)
        pd.testing.assert_frame_equal(got.drop(columns=["seconds"], errors="ignore"),
                                      want.drop(columns=["seconds"], errors="ignore"))  # fmt: skip


def test_more_data_sets_keep_the_first(checked: Path, tmp_path: Path) -> None:
    file = write(tmp_path)
    out = tmp_path / "more"
    assert calibrate(str(file), "--out", str(out), "--workers", "2", "--check-coverage", "2").exit_code == 0  # fmt: skip
    res = calibrate(str(file), "--out", str(out), "--workers", "2", "--check-coverage", "5")
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out / "coverage_ranks.csv").drop(columns=["seconds"])
    want = pd.read_csv(checked / "coverage_ranks.csv").drop(columns=["seconds"])
    assert len(got) == 5
    pd.testing.assert_frame_equal(got.head(N), want)


@pytest.mark.parametrize("n", ["1", "0", "-3"])
def test_too_few_data_sets_is_one_line(tmp_path: Path, n: str) -> None:
    res = calibrate(str(write(tmp_path)), "--out", str(tmp_path / "o"), "--check-coverage", n)
    assert res.exit_code == 2
    assert res.output.strip().count("\n") == 0 and "--check-coverage" in res.output
    assert not (tmp_path / "o").exists()


def test_the_fit_and_the_check_share_the_folder(checked: Path, tmp_path: Path) -> None:
    """The check is stored beside the fit: the same folder then fits without refusing."""
    file = write(tmp_path)
    out = tmp_path / "both"
    assert calibrate(str(file), "--out", str(out), "--workers", "2", "--check-coverage", "2").exit_code == 0  # fmt: skip
    res = calibrate(str(file), "--out", str(out), "--workers", "2")
    assert res.exit_code == 0, res.output
    assert (out / "calibration.json").is_file() and (out / "coverage.json").is_file()
    assert TINY  # the file both used


def test_the_report_shows_the_check(checked: Path, tmp_path: Path) -> None:
    from scoresim.cli.app import app
    from tests.test_calibrate import runner

    page = tmp_path / "r.html"
    res = runner.invoke(app, ["report", str(checked), "--out", str(page)])
    assert res.exit_code == 0, res.output
    text = page.read_text()
    doc = json.loads((checked / "coverage.json").read_text())
    assert 'id="coverage"' in text and 'id="coverage-figure"' in text
    assert ("passed:" if doc["passed"] else "did not pass:") in text
    for row in doc["coverage"]:
        assert f"{row['inside']} of {row['datasets']}" in text


def test_a_target_named_like_a_coverage_column_is_one_line(tmp_path: Path) -> None:
    text = TINY.replace("name: listed_day39", "name: settings")
    res = calibrate(str(write(tmp_path, text)), "--out", str(tmp_path / "o"), "--check-coverage", "2")  # fmt: skip
    assert res.exit_code == 2 and res.output.strip().count("\n") == 0 and "settings" in res.output
    assert not (tmp_path / "o").exists()


def test_too_many_data_sets_is_one_line(tmp_path: Path) -> None:
    res = calibrate(str(write(tmp_path)), "--out", str(tmp_path / "o"), "--check-coverage", "100001")  # fmt: skip
    assert res.exit_code == 2 and "100,000" in res.output and not (tmp_path / "o").exists()


def test_a_plain_fit_makes_no_coverage_table(tmp_path: Path) -> None:
    from scoresim.calibrate.spec import calibration_from_text
    from scoresim.calibrate.store import CalibrationStore

    cal = calibration_from_text(TINY, "tiny.yaml")
    CalibrationStore.open(tmp_path / "f", cal).close()
    con = duckdb.connect(str(tmp_path / "f" / "results.duckdb"), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}  # fmt: skip
    finally:
        con.close()
    assert "coverage" not in tables and "simulations" in tables


def test_other_settings_start_new_folders_and_sizes_that_shape_no_posterior_keep_the_ranks(
    tmp_path: Path,
) -> None:
    """Fewer generations: new data-set folders beside the old, which stay as they were.

    Another predictive size: the ranks stored are reused (their seconds unchanged).
    """
    out = tmp_path / "o"
    args = ("--out", str(out), "--workers", "2", "--check-coverage", "2")
    assert calibrate(str(write(tmp_path)), *args).exit_code == 0
    first = pd.read_csv(out / "coverage_ranks.csv")
    before = sorted(p.name for p in (out / "coverage").iterdir())
    other = TINY.replace("predictive: 6", "predictive: 9")
    assert calibrate(str(write(tmp_path, other)), *args).exit_code == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "coverage_ranks.csv"), first)
    shorter = TINY.replace("generations: 2", "generations: 1")
    res = calibrate(str(write(tmp_path, shorter)), *args)
    assert res.exit_code == 0, res.output
    after = sorted(p.name for p in (out / "coverage").iterdir())
    assert len(after) == 4 and set(before) < set(after)
    assert not pd.read_csv(out / "coverage_ranks.csv")["seconds"].equals(first["seconds"])


def test_a_linked_coverage_folder_is_refused_in_one_line(tmp_path: Path) -> None:
    """A check's folder whose ``coverage`` was replaced by a link: nothing written through it."""
    out, elsewhere = tmp_path / "o", tmp_path / "elsewhere"
    args = ("--out", str(out), "--workers", "2", "--check-coverage")
    assert calibrate(str(write(tmp_path)), *args, "2").exit_code == 0
    (out / "coverage").rename(elsewhere)
    (out / "coverage").symlink_to(elsewhere, target_is_directory=True)
    before = sorted(str(p) for p in elsewhere.rglob("*"))
    res = calibrate(str(write(tmp_path)), *args, "3")
    assert res.exit_code == 2 and res.output.strip().count("\n") == 0, res.output
    assert "symbolic link" in res.output
    assert sorted(str(p) for p in elsewhere.rglob("*")) == before


def test_a_failed_data_set_keeps_every_other_and_a_rerun_simulates_only_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Data set 2's simulation fails at once, the others later: the check stops in one
    line naming data set 2, after recording all the others (as they finish), and a
    rerun simulates data set 2 alone. A thread pool, so that the stand-in reaches it."""
    from concurrent.futures import ThreadPoolExecutor

    from scoresim.calibrate import coverage_run
    from scoresim.calibrate.model import Simulator
    from scoresim.calibrate.spec import calibration_from_text
    from scoresim.calibrate.store import CalibrationStore
    from scoresim.errors import CalibrationError
    from scoresim.experiment.executors import Engine

    cal = calibration_from_text(TINY, "tiny.yaml")
    bad = coverage_run.data_seeds(cal, 2)
    ran: list[int] = []

    def stand_in(self: Simulator, values: dict[str, float], seeds: list[int]) -> dict[str, float]:
        if seeds == bad and not ran.count(-1):
            raise ValueError("planted")
        ran.append(next(k for k in range(6) if coverage_run.data_seeds(cal, k) == seeds))
        time.sleep(0.05)
        return {t.name: t.value for t in cal.config.targets}

    monkeypatch.setattr(Simulator, "statistics", stand_in)
    store = CalibrationStore.open(tmp_path / "o", cal, coverage=True)
    try:
        with ThreadPoolExecutor(2) as pool:
            with pytest.raises(
                CalibrationError, match="coverage data set 2: the simulation failed"
            ):
                coverage_run._data(cal, store, 6, Engine(pool, 2, "2 threads"))
            assert sorted(store.coverage()["dataset"]) == [0, 1, 3, 4, 5]
            ran[:] = [-1]  # the planted failure is gone
            rows = coverage_run._data(cal, store, 6, Engine(pool, 2, "2 threads"))
    finally:
        store.close()
    assert ran == [-1, 2] and list(rows["dataset"]) == list(range(6))
