"""Calibration (issue 17): files, statistics, the ordered sampler, the store, resume, Dask."""

from __future__ import annotations

import math
import os
import re
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

from scoresim.calibrate.model import Distance, proposal_words
from scoresim.calibrate.results import posterior_table, predictive_table
from scoresim.calibrate.runner import weighted_quantiles
from scoresim.calibrate.spec import calibration_from_text
from scoresim.calibrate.statistics import Statistic, compute
from scoresim.cli.app import app
from scoresim.experiment.seeds import child_seed

runner = CliRunner()

TINY = """\
scenario: court-blacklist
seed: 3
run: {agents: 400, steps: 40, replicates: 1}
parameters:
  behaviours.refuse_to_perform.base_rate: {prior: log-uniform, low: 1.0e-5, high: 1.0e-3}
  sources.courts.coverage: {prior: uniform, low: 0.2, high: 1.0}
targets:
  - name: listed_day39
    value: 0.004
    sd: 0.002
    day: 39
    metric: listed
    source: a made-up figure for the tests
  - name: denials_per_person
    value: 0.0005
    sd: 0.0005
    day: 39
    metric: denied.travel
    aggregate: sum
    per_person: true
    source: a made-up figure for the tests
fixed: {blacklist.payment_exit: 0.001}
forecasts:
  - {name: listed_again, metric: listed, day: 39, scale: 1000, unit: per thousand}
  - {name: listed_later, metric: listed, day: 59}
abc: {population: 12, generations: 2, min_epsilon: 0.1, predictive: 6}
"""


def write(tmp_path: Path, text: str = TINY, name: str = "cal.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def calibrate(*args: str) -> Any:
    return runner.invoke(app, ["calibrate", *args, "--quiet"])


def particles(out: Path) -> pd.DataFrame:
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    try:
        frame: pd.DataFrame = con.execute(
            "SELECT * FROM read_parquet(?, hive_partitioning = true) ORDER BY generation, proposal",
            [str(out / "particles" / "*" / "part.parquet")],
        ).df()
    finally:
        con.close()
    return frame


# --- the file -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("abc: {population", "abc: {popultion"),
            "abc.popultion: unknown field; did you mean 'population'?",
        ),
        (
            ("metric: listed\n", "metric: lsited\n"),
            "targets[0].metric: 'lsited' is not a metric of this regime; did you mean 'listed'?",
        ),
        (
            ("day: 39\n    metric: listed", "day: 40\n    metric: listed"),
            "targets[0].day: 40 is not reached by a run of 40 steps; raise run.steps to 41",
        ),
        (
            ("low: 0.2, high: 1.0", "low: 0.2, high: 1.5"),
            "parameters['sources.courts.coverage']: 1.5 does not fit court-blacklist",
        ),
        (("low: 1.0e-5, high", "low: 0.0, high"), "a log-uniform prior needs low > 0"),
        (
            ("name: denials_per_person", "name: listed_day39"),
            "targets[1].name: 'listed_day39' is used twice",
        ),
        (("sources.courts.coverage:", "name:"), "parameters.name: a prior needs a numeric field"),
        (("    metric: denied.travel", "    poll: no_such"), "targets[1]: "),
        (
            ("payment_exit: 0.001}", "payment_exit: 2.0}"),
            "fixed['blacklist.payment_exit']: 2.0 does not fit court-blacklist",
        ),
        (
            ("metric: listed, day: 59}", "metric: listd, day: 59}"),
            "forecasts[1].metric: 'listd' is not a metric",
        ),
        (
            ("name: listed_later", "name: listed_again"),
            "forecasts[1].name: 'listed_again' is used twice",
        ),
    ],
)
def test_a_bad_file_is_one_line_with_exit_2(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    text = TINY.replace(*change)
    assert text != TINY
    res = calibrate(str(write(tmp_path, text)), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert res.output.startswith("error: ") and res.output.count("\n") == 1, res.output
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_a_file_that_loads_names_its_line(tmp_path: Path) -> None:
    res = calibrate(
        str(write(tmp_path, TINY.replace("sd: 0.002", "sd: 0"))), "--out", str(tmp_path / "o")
    )
    assert res.exit_code == 2
    assert "line 10: targets[0].sd: 0 is not allowed; it should be greater than 0" in res.output


# --- statistics, distance, quantiles against hand computations ------------------------


def metrics_table() -> pd.DataFrame:
    rows = []
    for step in range(5):
        for group, pop in (("urban", 60), ("all", 100)):
            rows.append({"step": step, "group": group, "population": pop,
                         "listed": 0.01 * step + (0.005 if group == "urban" else 0),
                         "denied.travel": float(step * (2 if group == "all" else 1)),
                         "poll.p.estimate": 0.7 if step == 3 else math.nan})  # fmt: skip
    return pd.DataFrame(rows)


def test_statistics_match_a_hand_computation() -> None:
    m = metrics_table()

    def s(**kw: Any) -> float:
        return compute(Statistic.model_validate(kw), m, {"p": 3})

    assert s(metric="listed", day=2) == pytest.approx(0.02)
    assert s(metric="listed", day=2, group="urban") == pytest.approx(0.025)
    assert s(metric="denied.travel", day=4, aggregate="sum") == pytest.approx(
        2 * (0 + 1 + 2 + 3 + 4)
    )
    assert s(metric="denied.travel", day=4, start=2, aggregate="mean") == pytest.approx(2 * 3)
    assert s(metric="denied.travel", day=4, aggregate="sum", per_person=True) == pytest.approx(0.2)
    assert s(poll="p") == pytest.approx(0.7)
    assert s(poll="p", minus={"metric": "listed", "day": 1}) == pytest.approx(0.69)
    assert s(metric="listed", day=4, divide_by={"metric": "listed", "day": 2}) == pytest.approx(2.0)
    assert math.isnan(s(metric="listed", day=4, divide_by={"metric": "listed", "day": 0}))
    assert math.isnan(s(metric="listed", day=9))  # a day the run did not reach


def test_the_distance_is_the_rms_of_standardised_errors() -> None:
    d = Distance({"a": 0.5, "b": 2.0})
    assert d({"a": 1.0, "b": 5.0}, {"a": 0.0, "b": 1.0}) == pytest.approx(math.sqrt((4 + 4) / 2))
    assert d({"a": math.nan, "b": 1.0}, {"a": 0.0, "b": 1.0}) == math.inf


def test_weighted_quantiles_by_hand() -> None:
    x = np.array([3.0, 1.0, 2.0, 4.0])
    w = np.array([0.1, 0.4, 0.2, 0.3])  # sorted: 1 (0.4), 2 (0.6), 3 (0.7), 4 (1.0)
    assert weighted_quantiles(x, w, (0.05, 0.4, 0.41, 0.65, 0.95)) == [1.0, 1.0, 2.0, 3.0, 4.0]


def test_the_posterior_table_against_the_prior(tmp_path: Path) -> None:
    cal = calibration_from_text(TINY, "cal.yaml")
    pop = pd.DataFrame({"behaviours.refuse_to_perform.base_rate": [1e-4] * 10,
                        "sources.courts.coverage": np.linspace(0.2, 1.0, 10),
                        "weight": [0.1] * 10})  # fmt: skip
    t = posterior_table(cal, pop, fit=True).set_index("parameter")
    rate = t.loc["behaviours.refuse_to_perform.base_rate"]
    assert rate["prior_median"] == pytest.approx(1e-4)  # 10^-4, the middle of -5..-3
    assert rate["prior_low"] == pytest.approx(10 ** (-5 + 0.1))
    assert rate["posterior_median"] == pytest.approx(1e-4)
    assert rate["width_ratio"] == 0.0 and rate["identified"]
    cov = t.loc["sources.courts.coverage"]
    # 5% and 95% of ten equal weights: the 1st and the 10th value
    assert cov["posterior_low"] == pytest.approx(0.2) and cov["posterior_high"] == pytest.approx(
        1.0
    )
    assert cov["width_ratio"] == pytest.approx(0.8 / (0.9 * 0.8)) and not cov["identified"]


def test_the_predictive_table_by_hand() -> None:
    cal = calibration_from_text(TINY, "cal.yaml")
    sims = pd.DataFrame({"listed_day39": np.arange(1, 21) / 1000, "denials_per_person": [5.0] * 20})
    t = predictive_table(cal, sims).set_index("target")
    assert t.loc["listed_day39", "simulated_median"] == pytest.approx(0.0105)
    assert t.loc["listed_day39", "simulated_low"] == pytest.approx(
        np.quantile(sims["listed_day39"], 0.05)
    )
    assert bool(t.loc["listed_day39", "observed_inside"])
    assert not bool(t.loc["denials_per_person", "observed_inside"])


def test_seeds_depend_only_on_the_root_and_the_proposal() -> None:
    assert (proposal_words(3, 0, 5) == proposal_words(3, 0, 5)).all()
    words = {tuple(proposal_words(r, t, i)) for r in (3, 4) for t in (-1, 0, 1) for i in (0, 1)}
    assert len(words) == 12
    assert child_seed(3, 2, 1, 0, 0) != child_seed(3, 2, 1, 1, 0) < 2**63


# --- the real thing: local pool, resume after SIGKILL, Dask ---------------------------


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny calibration run once, uninterrupted, on 2 local workers."""
    tmp = tmp_path_factory.mktemp("ref")
    out = tmp / "out"
    res = calibrate(str(write(tmp)), "--out", str(out), "--workers", "2")
    assert res.exit_code == 0, res.output
    return out


def test_a_calibration_writes_its_results(reference: Path) -> None:
    for name in ("posterior.csv", "predictive.csv", "calibration.json", "figures/pairs.png",
                 "figures/predictive.png"):  # fmt: skip
        assert (reference / name).is_file(), name
    p = particles(reference)
    gens = sorted(p["generation"].unique())
    assert gens == [-1, 0, 1]
    for _, g in p.groupby("generation"):
        assert len(g) == 12 and g["weight"].sum() == pytest.approx(1.0)
    con = duckdb.connect(str(reference / "results.duckdb"), read_only=True)
    try:
        sims = con.execute("SELECT * FROM simulations").df()
        gen = con.execute("SELECT * FROM generations ORDER BY generation").df()
        pred = con.execute("SELECT * FROM predictive").df()
    finally:
        con.close()
    # Every accepted particle is a stored simulation with the same values and distance.
    merged = p.merge(sims, on=["generation", "proposal"], suffixes=("", "_sim"))
    assert len(merged) == len(p) and merged["accepted"].all()
    assert (merged["distance"] == merged["distance_sim"]).all()
    # The acceptance rate is the population over the proposals it took.
    assert (gen["acceptance_rate"] == gen["population"] / gen["evaluations"]).all()
    # A later generation's epsilon is the median distance of the one before (quantile 0.5).
    d0 = p[p["generation"] == 0]
    eps1 = float(gen.loc[gen["generation"] == 1, "epsilon"].iloc[0])
    assert eps1 == pytest.approx(
        weighted_quantile_pyabc(d0["distance"].to_numpy(), d0["weight"].to_numpy())
    )
    # Accepted particles are within their generation's epsilon.
    for t, eps in zip(gen["generation"], gen["epsilon"], strict=True):
        if t >= 0:
            assert (p.loc[p["generation"] == t, "distance"] <= eps).all()
    assert len(pred) == 6
    # Predictive runs last as long as the latest forecast (60 steps), and their first 40
    # days are the 40-step run's: a forecast of a target's statistic is that target.
    np.testing.assert_array_equal(pred["listed_again"], pred["listed_day39"])
    assert pred["listed_later"].notna().all()
    fore = pd.read_csv(reference / "forecasts.csv").set_index("forecast")
    assert fore.loc["listed_again", "median"] == pytest.approx(1000 * pred["listed_day39"].median())
    assert fore.loc["listed_again", "unit"] == "per thousand"
    # The fixed override reached every simulation: the catalogue's scenario has it.
    con = duckdb.connect(str(reference / "results.duckdb"), read_only=True)
    try:
        (resolved,) = con.execute(
            "SELECT value FROM calibration_info WHERE key = 'parameters'"
        ).fetchone() or ("",)
    finally:
        con.close()
    assert '"payment_exit": 0.001' in resolved


def weighted_quantile_pyabc(d: np.ndarray, w: np.ndarray, alpha: float = 0.5) -> float:
    """pyabc's weighted quantile (linear interpolation of the midpoints of cumulative weight)."""
    order = np.argsort(d)
    d, w = d[order], w[order] / w.sum()
    cum = np.cumsum(w) - 0.5 * w
    return float(np.interp(alpha, cum, d))


def test_query_and_report_read_the_folder(reference: Path, tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["query", str(reference), "SELECT count(*) AS n FROM particles", "--csv"]
    )
    assert res.exit_code == 0 and res.output.splitlines()[1] == "36"
    html = tmp_path / "r.html"
    res = runner.invoke(app, ["report", str(reference), "--out", str(html)])
    assert res.exit_code == 0, res.output
    text = html.read_text()
    post = pd.read_csv(reference / "posterior.csv")
    assert 'id="posterior"' in text and 'id="predictive"' in text and 'id="pairs"' in text
    assert f"{post['posterior_median'].iloc[0]:.4g}" in text


def test_the_same_file_gives_the_same_posterior_on_one_worker(
    reference: Path, tmp_path: Path
) -> None:
    out = tmp_path / "one"
    res = calibrate(str(write(tmp_path)), "--out", str(out), "--workers", "1")
    assert res.exit_code == 0, res.output
    pd.testing.assert_frame_equal(particles(out), particles(reference))
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "predictive.csv"), pd.read_csv(reference / "predictive.csv")
    )


def test_a_calibration_killed_at_any_moment_resumes_to_the_same_posterior(
    reference: Path, tmp_path: Path
) -> None:
    file = write(tmp_path)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "scoresim.cli", "calibrate", str(file), "--out", str(out),
           "--workers", "2", "--quiet"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (out / "particles" / "generation=0").exists():
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # in the middle of generation 1
    proc.wait()
    res = calibrate(str(file), "--out", str(out), "--workers", "2")
    assert res.exit_code == 0, res.output
    assert "replayed from the folder" in res.output
    found = re.search(r"simulated now, ([\d,]+)\s+replayed", res.output)
    assert found is not None, res.output
    replayed = int(found.group(1).replace(",", ""))
    assert replayed >= 24  # at least the prior sample and generation 0
    pd.testing.assert_frame_equal(particles(out), particles(reference))


def test_another_file_in_the_same_folder_is_refused(reference: Path, tmp_path: Path) -> None:
    res = calibrate(
        str(write(tmp_path, TINY.replace("seed: 3", "seed: 4"))), "--out", str(reference)
    )
    assert res.exit_code == 2
    assert "holds the results of a different calibration" in res.output


def test_dask_gives_the_same_posterior_as_the_local_pool(
    reference: Path, tmp_path: Path, dask_scheduler: str
) -> None:
    out = tmp_path / "dask"
    res = calibrate(str(write(tmp_path)), "--out", str(out), "--scheduler", dask_scheduler)
    assert res.exit_code == 0, res.output
    pd.testing.assert_frame_equal(particles(out), particles(reference))


def test_a_damaged_catalogue_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.duckdb").write_bytes(b"not a database" * 100)
    res = calibrate(str(write(tmp_path)), "--out", str(out))
    assert res.exit_code == 2
    assert res.output.startswith("error: ") and res.output.count("\n") == 1, res.output
    assert "results.duckdb: damaged (" in res.output and "move the folder" in res.output


def test_more_generations_go_on_from_the_folder(reference: Path, tmp_path: Path) -> None:
    """Stopping rules are not in the fingerprint: 1 generation, then 2, equals 2 at once."""
    out = tmp_path / "grow"
    short = TINY.replace("generations: 2", "generations: 1")
    res = calibrate(str(write(tmp_path, short, "short.yaml")), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert sorted(particles(out)["generation"].unique()) == [-1, 0]
    res = calibrate(str(write(tmp_path)), "--out", str(out))
    assert res.exit_code == 0, res.output
    pd.testing.assert_frame_equal(particles(out), particles(reference))
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "predictive.csv"), pd.read_csv(reference / "predictive.csv")
    )


def test_a_log_gets_one_line_per_generation(reference: Path, tmp_path: Path) -> None:
    """Without a terminal there is no live bar; each generation ends with one line."""
    res = runner.invoke(app, ["calibrate", str(write(tmp_path)), "--out", str(reference)])
    assert res.exit_code == 0, res.output
    assert "prior sample: 12 accepted of 12 proposals" in res.output
    for t in (0, 1):
        assert re.search(
            rf"generation {t}: 12 accepted of \d+ proposals, epsilon [\d.]+", res.output
        )


@pytest.mark.parametrize("rebuild", [[], ["--rebuild"]], ids=["plain", "rebuild"])
def test_a_sweep_into_a_calibration_folder_is_refused(
    reference: Path, tmp_path: Path, rebuild: list[str]
) -> None:
    sweep_file = tmp_path / "sweep.yaml"
    sweep_file.write_text(
        "scenario: seed\nagents: 300\nsteps: 3\nparameters:\n  sources.street_cameras.coverage: [0.1]\n"
    )
    res = runner.invoke(app, ["sweep", str(sweep_file), "--out", str(reference), "-q", *rebuild])
    assert res.exit_code == 2
    assert "holds a calibration, not a sweep" in res.output
    assert (reference / "results.duckdb").is_file()  # not set aside
    assert not list(reference.glob("results.duckdb.damaged*"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"],
            "--workers and --scheduler: pick one",
        ),
        (["--workers", "0"], "--workers: 0 is out of range; use 1 to 256"),
    ],
)
def test_bad_engine_options_are_one_line(tmp_path: Path, options: list[str], message: str) -> None:
    res = calibrate(str(write(tmp_path)), "--out", str(tmp_path / "o"), *options)
    assert res.exit_code == 2 and message in res.output and res.output.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_a_rerun_writes_through_no_symbolic_link_in_the_folder(tmp_path: Path) -> None:
    """Every file goes to a fresh temporary renamed into place; a link is replaced."""
    file, out = write(tmp_path), tmp_path / "out"
    assert calibrate(str(file), "--out", str(out)).exit_code == 0
    victims = {}
    for name in ("posterior.csv.tmp", "calibration.json.tmp", "figures/pairs.png", "fit.csv"):
        victim = tmp_path / ("victim-" + name.replace("/", "-"))
        victim.write_text("the user's\n")
        (out / name).unlink(missing_ok=True)
        (out / name).symlink_to(victim)
        victims[name] = victim
    res = calibrate(str(file), "--out", str(out))
    assert res.exit_code == 0, res.output
    for victim in victims.values():
        assert victim.read_text() == "the user's\n"
    for name in ("figures/pairs.png", "fit.csv"):
        assert not (out / name).is_symlink() and (out / name).stat().st_size > 100


def test_a_folder_with_someone_elses_duckdb_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    import duckdb

    proj = tmp_path / "proj"
    (proj / "figures").mkdir(parents=True)
    duckdb.connect(str(proj / "results.duckdb")).close()
    (proj / "posterior.csv").write_text("mine\n")
    (proj / "figures" / "pairs.png").write_text("mine\n")
    res = calibrate(str(write(tmp_path)), "--out", str(proj))
    assert res.exit_code == 2
    assert res.output.count("\n") == 1
    assert "is not a sweep's or a calibration's catalogue" in res.output
    assert (proj / "posterior.csv").read_text() == (proj / "figures/pairs.png").read_text()
    con = duckdb.connect(str(proj / "results.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchone() == (0,)
    con.close()
    assert sorted(p.name for p in proj.iterdir()) == ["figures", "posterior.csv", "results.duckdb"]


def test_an_out_path_duckdb_would_rewrite_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    file = write(tmp_path)
    res = calibrate(str(file), "--out", "p\\q")
    assert res.exit_code == 2, res.output
    assert res.output.count("\n") == 1 and "--out p\\q: DuckDB reads" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cal.yaml"]
