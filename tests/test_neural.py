"""``method: neural``: sbi's NPE on the tiny calibration, real workers, real training.

The simulations' parameters and seeds are recomputed here from docs/calibration.md's
words; a kill and rerun gives the same posterior, bit for bit; more simulations keep
the first; the neural coverage check counts truths as the table says.
"""

from __future__ import annotations

import json
import os
import shutil
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

from scoresim.calibrate.spec import calibration_from_text
from scoresim.experiment.seeds import child_seed
from tests.test_calibrate import TINY, calibrate, write

S = 120
NEURAL = TINY.replace("abc: {population: 12, generations: 2, min_epsilon: 0.1, predictive: 6}",
                      f"method: neural\nneural: {{simulations: {S}, draws: 400}}\nabc: {{predictive: 6, noise: 3}}")  # fmt: skip
BOUNDS = ((-5.0, -3.0), (0.2, 1.0))


def simulations(out: Path) -> pd.DataFrame:
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    try:
        frame: pd.DataFrame = con.execute("SELECT * FROM simulations ORDER BY proposal").df()
    finally:
        con.close()
    return frame


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("neural")
    out = tmp / "out"
    res = calibrate(str(write(tmp, NEURAL)), "--out", str(out), "--workers", "2")
    assert res.exit_code == 0, res.output
    assert "neural posterior estimation: 120 simulations from the prior" in " ".join(res.output.split())  # fmt: skip
    return out


def test_the_file_takes_the_method_and_abc_files_keep_their_fingerprint() -> None:
    abc = calibration_from_text(TINY, "tiny.yaml")
    explicit = calibration_from_text(TINY + "method: abc\nneural: {simulations: 99}\n", "t.yaml")
    assert abc.config.method == "abc" and explicit.fingerprint == abc.fingerprint
    neural = calibration_from_text(NEURAL, "n.yaml")
    more = calibration_from_text(NEURAL.replace(f"simulations: {S}", "simulations: 500"), "m.yaml")
    assert neural.fingerprint != abc.fingerprint and more.fingerprint == neural.fingerprint


def test_each_simulation_is_the_prior_draw_and_seed_the_docs_give(fitted: Path) -> None:
    sims = simulations(fitted)
    assert list(sims["proposal"]) == list(range(S)) and (sims["generation"] == -1).all()
    for i in (0, 1, S - 1):
        rng = np.random.default_rng(child_seed(3, 1, 0, i))  # (PROPOSE, 0, i)
        x = [rng.uniform(lo, hi) for lo, hi in BOUNDS]
        row = sims.iloc[i]
        assert list(row["sampler_values"]) == x
        assert row["behaviours.refuse_to_perform.base_rate"] == pytest.approx(10 ** x[0], rel=1e-12)
        assert row["seed_entropy"] == child_seed(3, 2, 0, i, 0)  # (SIMULATE, 0, i, 0)
    assert sims["accepted"].all() and (sims["weight"] == 1.0).all()


def test_the_posterior_is_written_like_abcs(fitted: Path) -> None:
    for name in ("posterior.csv", "predictive.csv", "fit.csv", "calibration.json",
                 "figures/pairs.png", "figures/predictive.png"):  # fmt: skip
        assert (fitted / name).is_file(), name
    doc = json.loads((fitted / "calibration.json").read_text())
    assert doc["method"] == "neural" and doc["neural"]["draws"] == 400
    assert doc["training"]["simulations"] == S and doc["training"]["epochs"] > 0
    parts = pd.read_parquet(fitted / "particles" / "generation=0" / "part.parquet")
    assert len(parts) == 400 and parts["weight"].sum() == pytest.approx(1.0)
    post = pd.read_csv(fitted / "posterior.csv").set_index("parameter")
    rate = parts["behaviours.refuse_to_perform.base_rate"].to_numpy()
    assert post.loc["behaviours.refuse_to_perform.base_rate", "posterior_median"] == pytest.approx(
        np.sort(rate)[int(np.ceil(0.5 * 400)) - 1], rel=1e-12
    )
    assert (rate >= 1e-5).all() and (rate <= 1e-3).all()  # the flow is kept inside the prior


def test_a_killed_fit_resumes_to_the_same_posterior(fitted: Path, tmp_path: Path) -> None:
    file = write(tmp_path, NEURAL)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "scoresim.cli", "calibrate", str(file), "--out", str(out),
           "--workers", "2", "--quiet"]  # fmt: skip
    # The writer holds the catalogue, so how far it got is read after the kill; the
    # kill comes sooner until it lands in the middle of the simulations.
    for delay in (1.0, 0.5, 0.25, 0.1, 2.0, 4.0):
        shutil.rmtree(out, ignore_errors=True)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)  # fmt: skip
        deadline = time.monotonic() + 120
        while not (out / "results.duckdb").exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if 0 < len(_stored(out)) < S:
            break
    else:
        pytest.fail("no kill landed in the middle of the simulations")
    res = calibrate(str(file), "--out", str(out), "--workers", "2")
    assert res.exit_code == 0, res.output
    # scoresim writes only into --out: sbi's default training logs (./sbi-logs) are off.
    assert not (tmp_path / "sbi-logs").exists() and not Path("sbi-logs").exists()
    for name in ("posterior.csv", "predictive.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(out / name), pd.read_csv(fitted / name))
    got = pd.read_parquet(out / "particles" / "generation=0" / "part.parquet")
    want = pd.read_parquet(fitted / "particles" / "generation=0" / "part.parquet")
    pd.testing.assert_frame_equal(got, want)


def _stored(out: Path) -> list[int]:
    """Proposals stored in the folder (none if its catalogue is not written yet)."""
    try:
        con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    except duckdb.Error:
        return []
    try:
        return [int(r[0]) for r in con.execute("SELECT proposal FROM simulations").fetchall()]
    except duckdb.Error:
        return []
    finally:
        con.close()


def test_the_neural_coverage_check_counts_as_its_table_says(fitted: Path, tmp_path: Path) -> None:
    file = write(tmp_path, NEURAL)
    out = tmp_path / "cov"
    res = calibrate(str(file), "--out", str(out), "--workers", "2", "--check-coverage", "30")
    assert res.exit_code == 0, res.output
    ranks = pd.read_csv(out / "coverage_ranks.csv")
    table = pd.read_csv(out / "coverage.csv")
    assert len(ranks) == 30 and (ranks["evaluations"] == 0).all()
    for _, row in table.iterrows():
        u = ranks[f"rank {row['parameter']}"]
        c = row["level"]
        assert row["inside"] == int(((u >= (1 - c) / 2) & (u <= (1 + c) / 2)).sum())
    doc = json.loads((out / "coverage.json").read_text())
    assert doc["method"] == "neural" and doc["simulations"] == S
    # The network is the fit's: the same training set as the fitted folder's.
    pd.testing.assert_frame_equal(
        simulations(out).drop(columns=["seconds"]), simulations(fitted).drop(columns=["seconds"])
    )
    again = calibrate(str(file), "--out", str(out), "--workers", "2", "--check-coverage", "30")
    assert again.exit_code == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "coverage.csv"), table)


def test_the_report_says_how_the_posterior_was_made(fitted: Path, tmp_path: Path) -> None:
    from scoresim.cli.app import app
    from tests.test_calibrate import runner

    page = tmp_path / "r.html"
    res = runner.invoke(app, ["report", str(fitted), "--out", str(page)])
    assert res.exit_code == 0, res.output
    text = page.read_text()
    assert "neural posterior estimation" in text and "120 simulations from the prior" in text
    assert "calibration-epsilon" not in text  # no generations, no epsilon chart
    assert "predictive simulations' (the network's draws" in text


def test_the_report_compares_an_abc_and_a_neural_fit_of_the_same_targets(
    fitted: Path, tmp_path: Path
) -> None:
    from scoresim.cli.app import app
    from tests.test_calibrate import runner

    abc = tmp_path / "abc"
    assert calibrate(str(write(tmp_path, TINY)), "--out", str(abc), "--workers", "2").exit_code == 0  # fmt: skip
    page = tmp_path / "cmp.html"
    res = runner.invoke(app, ["report", str(abc), str(fitted), "--out", str(page)])
    assert res.exit_code == 0, res.output
    text = page.read_text()
    assert 'id="comparison"' in text and "listed_day39" in text
    assert "predicts the targets better" in text or "do not tell" in text
    other = tmp_path / "other"
    changed = TINY.replace("value: 0.004", "value: 0.005")
    assert calibrate(str(write(tmp_path, changed, "o.yaml")), "--out", str(other), "--workers", "2").exit_code == 0  # fmt: skip
    res = runner.invoke(app, ["report", str(abc), str(other), "--out", str(tmp_path / "x.html")])
    assert res.exit_code == 2 and "not the same targets" in res.output
    assert res.output.strip().count("\n") == 0


def test_method_on_the_command_line_fits_an_abc_file_neurally(fitted: Path, tmp_path: Path) -> None:
    text = TINY + f"neural: {{simulations: {S}, draws: 400}}\n"  # ABC's fingerprint ignores it
    file = write(tmp_path, text)
    out = tmp_path / "by-flag"
    res = calibrate(str(file), "--out", str(out), "--workers", "2", "--method", "neural")
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "calibration.json").read_text())
    assert doc["method"] == "neural" and "--method neural" in doc["origin"]
    pd.testing.assert_frame_equal(pd.read_csv(out / "posterior.csv"), pd.read_csv(fitted / "posterior.csv"))  # fmt: skip
    bad = calibrate(str(file), "--out", str(tmp_path / "bad"), "--method", "mcmc")
    assert (
        bad.exit_code == 2 and bad.output.strip().count("\n") == 0 and "--method mcmc" in bad.output
    )
    assert not (tmp_path / "bad").exists()


def test_dask_gives_the_same_posterior_as_the_local_pool(
    fitted: Path, tmp_path: Path, dask_scheduler: str
) -> None:
    out = tmp_path / "dask"
    res = calibrate(str(write(tmp_path, NEURAL)), "--out", str(out), "--scheduler", dask_scheduler)
    assert res.exit_code == 0, res.output
    for name in ("posterior.csv", "predictive.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(out / name), pd.read_csv(fitted / name))
    pd.testing.assert_frame_equal(
        simulations(out).drop(columns=["seconds"]), simulations(fitted).drop(columns=["seconds"])
    )


def test_a_posterior_outside_the_prior_stops_in_one_line_not_forever(
    fitted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sbi's rejection sampling keeps drawing until enough land inside the prior; past the
    pilot, its time limit is the last guard (here below zero, so that it is past before
    the first batch and the test needs no network gone wrong): it ends the fit in a
    one-line error, and the fit writes no posterior."""
    from scoresim.calibrate import neural

    monkeypatch.setattr(neural, "SAMPLING_SECONDS", -1.0)
    out = tmp_path / "o"
    shutil.copytree(fitted, out, ignore=shutil.ignore_patterns("*.csv", "*.json", "figures"))
    res = calibrate(str(write(tmp_path, NEURAL)), "--out", str(out), "--workers", "2")
    assert res.exit_code == 2 and res.output.strip().count("\n") == 0, res.output
    assert "outside the prior" in res.output and not (out / "posterior.csv").exists()


def test_sbis_low_acceptance_warning_is_dropped_and_nothing_else(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The time limit reports that case in one line; sbi's root-logger warning would
    print beside it. Other records pass, and the filter goes when sampling ends."""
    import logging

    from scoresim.calibrate import neural

    with caplog.at_level(logging.WARNING):
        with neural._silent():
            logging.warning("Only 0.000% proposal samples are\n accepted.")
            logging.warning("something else")
        logging.warning("Only 1% proposal samples are accepted, after")
    said = [r.getMessage() for r in caplog.records]
    assert said == ["something else", "Only 1% proposal samples are accepted, after"]


def test_the_comparison_says_when_a_fit_misses_its_noise_floor(
    fitted: Path, tmp_path: Path
) -> None:
    """The score is of each model as fitted: a poor fit's warning is carried into the page."""
    from scoresim.cli.app import app
    from tests.test_calibrate import runner

    a, b = tmp_path / "a", tmp_path / "b"
    for folder, warning in ((a, "poor fit: 1 of 2 targets miss"), (b, None)):
        shutil.copytree(fitted, folder)
        doc = json.loads((folder / "calibration.json").read_text())
        doc["fit"]["warning"] = warning
        (folder / "calibration.json").write_text(json.dumps(doc))
    page = tmp_path / "cmp.html"
    assert runner.invoke(app, ["report", str(a), str(b), "--out", str(page)]).exit_code == 0
    text = page.read_text()
    assert "poor fit: 1 of 2 targets miss" in text
    assert 'id="comparison-caveat"' in text and "a does not reach its noise floor" in text
    (b / "calibration.json").write_text((a / "calibration.json").read_text().replace("poor fit: 1 of 2", "poor fit: 2 of 2"))  # fmt: skip
    assert runner.invoke(app, ["report", str(a), str(b), "--out", str(page)]).exit_code == 0
    assert "a and b do not reach their noise floor" in page.read_text()
    doc = json.loads((a / "calibration.json").read_text())
    doc["fit"]["warning"] = None
    for folder in (a, b):
        (folder / "calibration.json").write_text(json.dumps(doc))
    assert runner.invoke(app, ["report", str(a), str(b), "--out", str(page)]).exit_code == 0
    assert 'id="comparison-caveat"' not in page.read_text()


def test_a_simulations_seconds_are_its_own_not_its_wait_in_the_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``seconds`` is timed in the worker: with one slot and two in flight, the second
    waits a whole simulation before it starts, and that wait is not its time. Each
    simulation here sleeps 0.1 s (a thread pool, so that the stand-in reaches it); a
    wait counted in would make the typical one 0.2 s."""
    from concurrent.futures import ThreadPoolExecutor

    from scoresim.calibrate import neural
    from scoresim.calibrate.model import Simulator
    from scoresim.calibrate.store import CalibrationStore
    from scoresim.experiment.executors import Engine

    def slow(self: Simulator, values: dict[str, float], seeds: list[int]) -> dict[str, float]:
        time.sleep(0.1)
        return {t.name: t.value for t in self.calibration.config.targets}

    monkeypatch.setattr(Simulator, "statistics", slow)
    cal = calibration_from_text(NEURAL.replace(f"simulations: {S}", "simulations: 50"), "n.yaml")
    store = CalibrationStore.open(tmp_path / "o", cal)
    try:
        with ThreadPoolExecutor(1) as pool:
            assert neural.simulate(cal, store, Engine(pool, 1, "1 thread"), None) == (50, 0)
    finally:
        store.close()
    seconds = simulations(tmp_path / "o")["seconds"]
    assert len(seconds) == 50 and (seconds >= 0.1).all(), list(seconds)
    assert seconds.median() < 0.15, list(seconds)


def test_where_the_data_lie_among_the_training_simulations_is_recorded(fitted: Path) -> None:
    """``training.share_below``: per target, the share of the training simulations whose
    statistic is below the observed value, recomputed here from the catalogue."""
    doc = json.loads((fitted / "calibration.json").read_text())
    sims = simulations(fitted)
    for name, observed in (("listed_day39", 0.004), ("denials_per_person", 0.0005)):
        want = float((sims[name] < observed).mean())
        assert doc["training"]["share_below"][name] == pytest.approx(want, abs=1e-12)
    # No simulation of the tiny court list blocks a flight by day 39: every one is below 0.0005.
    assert doc["training"]["unreached_targets"] == [
        f"denials_per_person (0.0005) is above all {S} simulations from the prior (highest 0)"
    ]


def test_a_target_beyond_every_simulation_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Far beyond: the sampling gives up (its limit below zero here, as above) and the
    one-line error says which target and where the simulations stop. Just beyond: the
    fit is made, and a warning says that the network extrapolates for that target."""
    from scoresim.calibrate import neural

    far = NEURAL.replace("value: 0.004", "value: 5.0")
    with monkeypatch.context() as m:
        m.setattr(neural, "LEAST_INSIDE", 2.0)  # more than every draw: the pilot fails
        res = calibrate(str(write(tmp_path, far, "far.yaml")), "--out", str(tmp_path / "far"))
    assert res.exit_code == 2 and res.output.strip().count("\n") == 0, res.output
    highest = float(simulations(tmp_path / "far")["listed_day39"].max())
    said = " ".join(res.output.split())
    assert f"listed_day39 (5) is above all {S} simulations from the prior (highest {highest:.4g})" in said  # fmt: skip
    edge = NEURAL.replace("value: 0.004", f"value: {highest * 1.001!r}")
    res = calibrate(str(write(tmp_path, edge, "edge.yaml")), "--out", str(tmp_path / "edge"))
    assert res.exit_code == 0, res.output
    assert "warning: listed_day39" in res.output and "extrapolates" in res.output
    doc = json.loads((tmp_path / "edge" / "calibration.json").read_text())
    assert doc["training"]["share_below"]["listed_day39"] == 1.0
    unreached = [w.split(" (")[0] for w in doc["training"]["unreached_targets"]]
    assert unreached == ["listed_day39", "denials_per_person"]


def test_a_leak_with_every_target_in_range_names_the_rarest(
    fitted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every target inside the simulations' range (no simulation blocks a flight by day
    39, so a target of 0 ties with all of them: the middle), and the pilot fails (its
    threshold above 1): the error names the target in the thinnest tail, with its count.
    The simulations are the fitted folder's: the same parameters and seeds."""
    from scoresim.calibrate import neural

    monkeypatch.setattr(neural, "LEAST_INSIDE", 2.0)
    listed = simulations(fitted)["listed_day39"].to_numpy()
    value = float(np.sort(listed)[-3])  # near the top, inside the range
    top = NEURAL.replace("value: 0.0005", "value: 0.0").replace("value: 0.004", f"value: {value!r}")
    res = calibrate(str(write(tmp_path, top, "top.yaml")), "--out", str(tmp_path / "top"))
    assert res.exit_code == 2 and res.output.strip().count("\n") == 0, res.output
    above = np.sum(listed > value) + 0.5 * np.sum(listed == value)
    said = " ".join(res.output.split())
    assert f"of 10,000 draws fell inside it); listed_day39 ({value:.4g}) has {above:g} of the {S} simulations from the prior above it (ties counted half)" in said  # fmt: skip


def test_a_coverage_data_set_whose_posterior_leaks_fails_the_check_without_ending_it(
    fitted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Data sets 1, 3, 5, ... leak (their pilot's threshold above 1): each is recorded
    without ranks, the rest are ranked, the check does not pass, and a rerun asks the
    network again for none of them."""
    from scoresim.calibrate import neural

    real = neural.Posterior.sample
    asked: list[int] = []

    def odd_ones_leak(self: Any, stats: dict[str, float], n: int, *key: int) -> Any:
        asked.append(key[-1] - 1)
        monkeypatch.setattr(neural, "LEAST_INSIDE", 2.0 if key[-1] % 2 == 0 else 1e-3)
        return real(self, stats, n, *key)

    monkeypatch.setattr(neural.Posterior, "sample", odd_ones_leak)
    file = write(tmp_path, NEURAL)
    out = tmp_path / "cov"
    res = calibrate(str(file), "--out", str(out), "--workers", "2", "--check-coverage", "12")
    assert res.exit_code == 0, res.output
    assert "posterior of 6 data sets lay almost wholly outside the prior" in " ".join(res.output.split())  # fmt: skip
    doc = json.loads((out / "coverage.json").read_text())
    assert (doc["outside_prior"], doc["usable"], doc["excluded"], doc["passed"]) == (6, 6, 0, False)
    assert doc["simulations_per_dataset"] == S / 12
    ranks = pd.read_csv(out / "coverage_ranks.csv")
    leaked = ranks["dataset"] % 2 == 1
    assert (ranks["outside_prior"] == leaked).all() and (ranks["usable"] == ~leaked).all()
    assert ranks.loc[leaked, "rank behaviours.refuse_to_perform.base_rate"].isna().all()
    table = pd.read_csv(out / "coverage.csv")
    for _, row in table.iterrows():
        u = ranks.loc[~leaked, f"rank {row['parameter']}"]
        c = row["level"]
        assert row["inside"] == int(((u >= (1 - c) / 2) & (u <= (1 + c) / 2)).sum())
    assert sorted(asked) == list(range(12))
    asked.clear()
    again = calibrate(str(file), "--out", str(out), "--workers", "2", "--check-coverage", "12")
    assert again.exit_code == 0 and asked == []
    from scoresim.report.coverage import verdict_words

    assert verdict_words(doc) == (
        "did not pass: some posteriors lay outside the prior"
        + (
            ""
            if doc["intervals_consistent"]
            else ", and an interval holds the truth more or less often than it claims"
        )
        + " (6 data sets, 6 more whose posterior lay outside the prior)"
    )
    # With every posterior outside the prior there is nothing to check: one line, counted.
    monkeypatch.setattr(neural.Posterior, "sample", real)
    monkeypatch.setattr(neural, "LEAST_INSIDE", 2.0)
    res = calibrate(str(file), "--out", str(tmp_path / "all"), "--check-coverage", "4")
    assert res.exit_code == 2 and res.output.strip().count("\n") == 0, res.output
    assert "of 4 coverage data sets, 0 have a posterior, 4 a posterior outside the prior and 0 a target missing at their truth" in " ".join(res.output.split())  # fmt: skip
