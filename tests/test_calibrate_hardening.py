"""Calibration hardening (issue 23, items 3 to 7): no result that was not obtained.

A statistic that cannot be computed stops the calibration in one line; every JSON
scoresim writes is strict; a calibration without a predictive check finishes; a poor
fit says so against a measured noise floor; names that are the catalogue's columns are
refused; damaged, killed, truncated and shortened folders get advice that works.
Each test failed on c99c8c3. Calibrations here are tiny (hundreds of agents, tens of
days, a dozen particles), so the module runs in well under a minute.
"""

from __future__ import annotations

import ast
import hashlib
import itertools
import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import scoresim
from scoresim.calibrate.model import Distance
from scoresim.calibrate.spec import calibration_from_text
from scoresim.cli.app import app

runner = CliRunner()
SRC = Path(__file__).resolve().parents[1] / "src" / "scoresim"

# A calibration whose first target no parameter reaches (listed on day 39 is at most
# a few per cent, the target says 50% +- 1%): a poor fit, and no predictive check.
POOR = """\
scenario: court-blacklist
seed: 5
run: {agents: 300, steps: 40, replicates: 1}
parameters:
  behaviours.refuse_to_perform.base_rate: {prior: log-uniform, low: 1.0e-5, high: 1.0e-3}
  sources.courts.coverage: {prior: uniform, low: 0.2, high: 1.0}
targets:
  - {name: listed_day39, value: 0.5, sd: 0.01, day: 39, metric: listed, source: unreachable}
  - {name: denials, value: 0.0005, sd: 0.0005, day: 39, metric: denied.travel,
     aggregate: sum, per_person: true, source: made up}
forecasts:
  - {name: listed_later, metric: listed, day: 59}
abc: {population: 10, generations: 2, min_epsilon: 0.1, predictive: 0, noise: 4}
"""

# The paid share divides by the listings summed to day 0, which are always 0.
NEVER = """\
scenario: court-blacklist
seed: 3
run: {agents: 200, steps: 20, replicates: 1}
parameters:
  behaviours.refuse_to_perform.base_rate: {prior: log-uniform, low: 1.0e-5, high: 1.0e-3}
targets:
  - {name: listed_day19, value: 0.004, sd: 0.002, day: 19, metric: listed, source: made up}
  - name: paid_share
    value: 0.2
    sd: 0.05
    day: 19
    metric: list_paid
    aggregate: sum
    divide_by: {metric: list_entries, day: 0, aggregate: sum}
    source: made up
abc: {population: 10, generations: 2, min_epsilon: 0.1, predictive: 2, noise: 2}
"""


def write(folder: Path, text: str, name: str = "cal.yaml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def refused(res: Any, *fragments: str) -> None:
    """Exit 2, one line, no traceback, and every fragment in it."""
    assert res.exit_code == 2, res.output
    assert res.output.count("\n") == 1 and "Traceback" not in res.output, res.output
    for fragment in fragments:
        assert fragment in res.output, res.output


def digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def strict(text: str) -> Any:
    """Parse JSON as RFC 8259 does: NaN and Infinity are errors."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def poor(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The POOR calibration, run once on two local workers; (folder, CLI result)."""
    tmp = tmp_path_factory.mktemp("poor")
    out = tmp / "out"
    res = invoke("calibrate", str(write(tmp, POOR)), "--out", str(out), "--workers", "2")
    assert res.exit_code == 0, res.output
    return out, res


# --- 3: a statistic that cannot be computed -------------------------------------------


def test_a_target_never_computable_stops_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = invoke(
        "calibrate", str(write(tmp_path, NEVER)), "--out", str(out), "--workers", "2", "-q"
    )
    refused(
        res,
        "cal.yaml: targets[1] (paid_share) cannot be computed in 10 of 10 simulations of the "
        "prior sample, so generation 0 has no finite epsilon",
        "its divisor, sum of list_entries over days 0-0, is 0 at 200 agents",
        "use more agents (run.agents)",
    )
    for name in ("calibration.json", "posterior.csv", "predictive.csv", "fit.csv"):
        assert not (out / name).exists(), name  # no posterior is passed off
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    try:
        accepted = con.execute("SELECT count(*) FROM generations WHERE generation >= 0").fetchone()
    finally:
        con.close()
    assert accepted == (0,)


def test_an_infinite_distance_is_never_accepted() -> None:
    from scoresim.calibrate.runner import FiniteAcceptor

    acceptor = FiniteAcceptor()

    def inf_eps(t: int) -> float:
        return math.inf

    def at(d: float) -> Any:
        return lambda x, x0, t, par: d

    assert not acceptor(at(math.inf), inf_eps, {}, {}, 0, {}).accept
    assert acceptor(at(1e300), inf_eps, {}, {}, 0, {}).accept  # finite, under any epsilon
    assert not acceptor(at(2.0), lambda t: 1.0, {}, {}, 0, {}).accept


def test_the_distance_survives_squares_that_overflow() -> None:
    d = Distance({"a": 1.0, "b": 1.0})
    # Each error is 1e200, finite; their squares overflow, the RMS is still 1e200.
    assert d({"a": 1e200, "b": -1e200}, {"a": 0.0, "b": 0.0}) == pytest.approx(1e200, rel=1e-12)
    assert d({"a": 1e308, "b": 0.0}, {"a": -1e308, "b": 0.0}) == math.inf  # the error itself


def test_standardised_errors_that_overflow_are_refused_on_reading(tmp_path: Path) -> None:
    text = POOR.replace("value: 0.5, sd: 0.01", "value: 0.5, sd: 1.0e-160")
    res = invoke("calibrate", str(write(tmp_path, text)), "--out", str(tmp_path / "o"))
    refused(res, "cal.yaml: line 8: targets[0].sd: 1e-160 is too small beside value 0.5",
            "would overflow")  # fmt: skip
    assert not (tmp_path / "o").exists()


def test_every_json_writer_is_strict() -> None:
    """Each json.dump(s) in src/ refuses NaN (allow_nan=False) or goes through strictjson.

    The explorer's event stream included: a NaN there would break the page's JSON.parse.
    """
    loose = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "strictjson.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("dump", "dumps")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "json"
            ):
                ok = any(
                    k.arg == "allow_nan"
                    and isinstance(k.value, ast.Constant)
                    and k.value.value is False
                    for k in node.keywords
                )
                if not ok:
                    loose.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not loose, loose


def test_strictjson_writes_missing_figures_as_null() -> None:
    from scoresim import strictjson

    doc = {"a": math.nan, "b": [1.0, math.inf, {"c": -math.inf}], "d": np.float64("nan")}
    assert strict(strictjson.dumps(doc, missing_as_null=True)) == {
        "a": None,
        "b": [1.0, None, {"c": None}],
        "d": None,
    }
    with pytest.raises(ValueError, match="not JSON compliant"):
        strictjson.dumps(doc)


# --- 4 and 5: no predictive check; the fit against the noise floor --------------------


def test_a_calibration_without_a_predictive_check_finishes(poor: tuple[Path, Any]) -> None:
    out, res = poor
    assert "posterior predictive check: not run (abc.predictive: 0)" in res.output
    pred = pd.read_csv(out / "predictive.csv")
    assert list(pred["target"]) == ["listed_day39", "denials"]
    assert (pred["simulations"] == 0).all()
    assert pred[["simulated_median", "observed_inside"]].isna().all().all()
    fore = pd.read_csv(out / "forecasts.csv")
    assert fore["simulations"].tolist() == [0] and fore["median"].isna().all()
    doc = strict((out / "calibration.json").read_text())  # strict JSON: null, not NaN
    assert doc["predictive"][0]["simulated_median"] is None
    assert doc["predictive"][0]["observed_inside"] is None


def test_a_poor_fit_says_so(poor: tuple[Path, Any]) -> None:
    out, res = poor
    warnings = [line for line in res.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, res.output
    assert "warning: poor fit: 1 of 2 targets miss by more than" in warnings[0]
    assert "listed_day39" in warnings[0] and "no parameter is marked identified" in warnings[0]
    doc = strict((out / "calibration.json").read_text())
    fit = doc["fit"]
    assert fit["within_noise"] is False and fit["epsilon"] > fit["allowed"]
    post = pd.read_csv(out / "posterior.csv")
    assert not post["identified"].any()
    by_target = pd.read_csv(out / "fit.csv").set_index("target")
    assert not bool(by_target.loc["listed_day39", "within_noise"])
    assert by_target["error"].to_numpy()[0] > 20  # listed_day39: 0.5 wanted, a few % reachable


def test_the_noise_floor_and_the_errors_match_a_hand_computation(poor: tuple[Path, Any]) -> None:
    out, _ = poor
    doc = strict((out / "calibration.json").read_text())
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    try:
        noise = con.execute("SELECT * FROM noise WHERE replicate < 4 ORDER BY replicate").df()
        sims = con.execute("SELECT * FROM simulations").df()
    finally:
        con.close()
    last = doc["generations"] - 1
    part = pd.read_parquet(out / "particles" / f"generation={last}" / "part.parquet")
    final = part.merge(sims[sims["generation"] == last], on="proposal", suffixes=("", "_sim"))
    assert len(noise) == 4 and len(final) == 10
    # Every evaluation was made at the posterior median (the weighted median).
    for name, value in doc["fit"]["point"].items():
        assert (noise[name] == value).all()
    targets = {"listed_day39": (0.5, 0.01), "denials": (0.0005, 0.0005)}
    squares = []
    for row in doc["fit_by_target"]:
        value, sd = targets[row["target"]]
        x = noise[row["target"]].tolist()
        pairs = [((a - b) / sd) ** 2 for a, b in itertools.combinations(x, 2)]
        floor = math.sqrt(sum(pairs) / len(pairs))
        error = math.sqrt(
            sum(w * ((s - value) / sd) ** 2
                for w, s in zip(final["weight"], final[row["target"]], strict=True))
        )  # fmt: skip
        assert row["noise_floor"] == pytest.approx(floor, rel=1e-12, abs=1e-12)
        assert row["error"] == pytest.approx(error, rel=1e-12)
        assert row["allowed"] == pytest.approx(2 * math.sqrt(1 + floor**2), rel=1e-12)
        assert row["within_noise"] is (error <= 2 * math.sqrt(1 + floor**2))
        squares.append(floor**2)
    overall = math.sqrt(sum(squares) / len(squares))
    assert doc["fit"]["noise_floor"] == pytest.approx(overall, rel=1e-12, abs=1e-12)
    assert doc["fit"]["allowed"] == pytest.approx(2 * math.sqrt(1 + overall**2), rel=1e-12)
    assert doc["fit"]["epsilon"] == doc["epsilon"]


def test_the_report_shows_the_fit_and_the_missing_check(
    poor: tuple[Path, Any], tmp_path: Path
) -> None:
    out, _ = poor
    html = tmp_path / "r.html"
    res = invoke("report", str(out), "--out", str(html))
    assert res.exit_code == 0, res.output
    text = html.read_text()
    assert 'id="fit"' in text and "Not run: abc.predictive is 0." in text
    assert "Warning: poor fit" in text and "no: the fit is poor" in text


def test_fit_definitions_by_hand() -> None:
    from scoresim.calibrate import noise

    x = np.array([1.0, 2.0, 4.0, math.nan])  # pairs of the finite: 1, 3, 2
    assert noise.pairwise_rms(x) == pytest.approx(math.sqrt(14 / 3), rel=1e-15)
    assert noise.pairwise_rms(x) == pytest.approx(math.sqrt(2) * np.std(x[:3], ddof=1))
    assert math.isnan(noise.pairwise_rms(np.array([1.0, math.nan])))
    cal = calibration_from_text(POOR, "cal.yaml")
    evaluations = pd.DataFrame({"listed_day39": [0.02, 0.04], "denials": [0.0, 0.001]})
    final = pd.DataFrame({"listed_day39": [0.49, 0.53], "denials": [0.0005, 0.0005]})
    table = noise.fit_table(cal, evaluations, final, np.array([3.0, 1.0])).set_index("target")
    listed = table.loc["listed_day39"]
    assert listed["noise_floor"] == pytest.approx(2.0)  # |0.02 - 0.04| / 0.01
    assert listed["error"] == pytest.approx(math.sqrt(0.75 * 1.0 + 0.25 * 9.0))
    assert listed["allowed"] == pytest.approx(2 * math.sqrt(5.0))
    assert bool(listed["within_noise"]) is True
    assert table.loc["denials", "noise_floor"] == pytest.approx(2.0)  # 0.001 / 0.0005
    assert table.loc["denials", "error"] == 0.0
    fit = noise.overall(4.0, table.reset_index())
    assert fit["noise_floor"] == pytest.approx(2.0)
    assert fit["allowed"] == pytest.approx(2 * math.sqrt(5.0)) and fit["within_noise"] is True
    assert noise.warning(fit, table.reset_index()) is None
    # The verdict is every target's own, not epsilon against the calibration's floor.
    assert noise.overall(4.5, table.reset_index())["within_noise"] is True
    worse = table.reset_index().assign(within_noise=[True, False])
    assert noise.overall(1.0, worse)["within_noise"] is False
    assert (noise.warning(noise.overall(1.0, worse), worse) or "").startswith("poor fit")


def test_a_noisy_target_does_not_excuse_another_targets_miss() -> None:
    """One target 419 sd off (allowed 5.6) beside a noisy one: a poor fit, not identified."""
    from scoresim.calibrate import noise
    from scoresim.calibrate.results import posterior_table

    cal = calibration_from_text(POOR, "cal.yaml")
    # listed_day39 (sd 0.01): floor 2.5, allowed 2 sqrt(1 + 6.25) = 5.39; error 419.
    # denials (sd 0.0005): floor 2000, so the RMS floor (1414) would allow anything.
    evaluations = pd.DataFrame({"listed_day39": [0.0, 0.025], "denials": [0.0, 1.0]})
    final = pd.DataFrame({"listed_day39": [0.5 - 4.19] * 2, "denials": [0.0005, 0.0005]})
    table = noise.fit_table(cal, evaluations, final, np.array([1.0, 1.0]))
    assert table["within_noise"].tolist() == [False, True]
    fit = noise.overall(296.0, table)  # epsilon below the RMS floor's allowance (2828)
    assert fit["epsilon"] < fit["allowed"]
    assert fit["within_noise"] is False
    text = noise.warning(fit, table) or ""
    assert text.startswith("poor fit: 1 of 2 targets miss by more than their noise floor")
    assert "worst: listed_day39 (419 sd, allowed 5.39)" in text and "denials" not in text
    pop = pd.DataFrame({"behaviours.refuse_to_perform.base_rate": [1e-4] * 10,
                        "sources.courts.coverage": [0.5] * 10, "weight": [0.1] * 10})  # fmt: skip
    assert not posterior_table(cal, pop, fit["within_noise"])["identified"].any()


def test_a_noise_floor_that_cannot_be_measured_leaves_the_fit_unknown() -> None:
    from scoresim.calibrate import noise

    cal = calibration_from_text(POOR, "cal.yaml")
    evaluations = pd.DataFrame({"listed_day39": [0.02, math.nan], "denials": [0.0, 0.001]})
    final = pd.DataFrame({"listed_day39": [0.49], "denials": [0.0005]})
    table = noise.fit_table(cal, evaluations, final, np.array([1.0]))
    assert table["within_noise"].tolist() == [None, True]
    assert table["noise_evaluations"].tolist() == [1, 2]
    fit = noise.overall(0.5, table)
    assert fit["within_noise"] is None and math.isnan(fit["noise_floor"])
    text = noise.warning(fit, table) or ""
    assert text.startswith("the fit cannot be judged: the noise floor of listed_day39")


def test_identified_needs_a_narrow_posterior_and_a_good_fit() -> None:
    from scoresim.calibrate.results import posterior_table

    cal = calibration_from_text(POOR, "cal.yaml")
    pop = pd.DataFrame({"behaviours.refuse_to_perform.base_rate": [1e-4] * 10,
                        "sources.courts.coverage": [0.5] * 10, "weight": [0.1] * 10})  # fmt: skip
    for fit, identified in ((True, True), (False, False), (None, False)):
        t = posterior_table(cal, pop, fit)
        assert t["narrower"].all() and (t["identified"] == identified).all()


# --- 6: names that are the catalogue's columns -----------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("name: listed_day39", "name: distance", "targets[0].name: 'distance' is taken by the "
         "catalogue's column 'distance'"),
        ("name: listed_day39", "name: Generation", "targets[0].name: 'Generation' differs only "
         "in case from the catalogue's column 'generation'"),
        ("name: denials", "name: WEIGHT", "targets[1].name: 'WEIGHT' differs only in case"),
        ("name: denials", "name: seed_entropy", "'seed_entropy' is taken by"),
        ("name: listed_later", "name: draw", "forecasts[0].name: 'draw' is taken by the "
         "catalogue's column 'draw'"),
        ("name: listed_later", "name: replicate", "forecasts[0].name: 'replicate' is taken"),
        ("name: denials", "name: Listed_Day39", "targets[1].name: 'Listed_Day39' differs only "
         "in case from target 'listed_day39'"),
        ("name: listed_later", "name: DENIALS", "forecasts[0].name: 'DENIALS' differs only in "
         "case from target 'denials'"),
    ],
)  # fmt: skip
def test_names_of_the_catalogues_columns_are_refused(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = POOR.replace(old, new)
    assert text != POOR
    res = invoke("calibrate", str(write(tmp_path, text)), "--out", str(tmp_path / "o"))
    refused(res, "cal.yaml: line ", message, "; rename it")
    assert not (tmp_path / "o").exists()


def test_the_reserved_names_are_the_catalogues_own_columns(poor: tuple[Path, Any], tmp_path: Path) -> None:  # fmt: skip
    import shutil

    from scoresim.calibrate.checks import RESERVED
    from scoresim.calibrate.store import CalibrationStore

    cal = calibration_from_text(POOR, "cal.yaml")
    out = tmp_path / "copy"
    shutil.copytree(poor[0], out)
    CalibrationStore.open(out, cal, coverage=True).close()  # the coverage check's table too
    names = {*cal.names, *(t.name for t in cal.config.targets),
             *(f.name for f in cal.config.forecasts)}  # fmt: skip
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    try:
        columns = {
            r[0]
            for table in ("simulations", "predictive", "noise", "coverage")
            for r in con.execute(f"DESCRIBE {table}").fetchall()
        }
    finally:
        con.close()
    columns |= {*pd.read_parquet(out / "particles" / "generation=0" / "part.parquet").columns}
    columns.add("generation")  # the particles' hive partition
    columns |= {"usable", "outside_prior"}  # coverage_ranks.csv's
    assert columns - names == set(RESERVED)


# --- 7: damaged, killed, shortened folders -----------------------------------------------


@pytest.mark.parametrize(
    ("change", "held"),
    [("generations: 2", "generations: 1"), ("min_epsilon: 0.1", "min_epsilon: 1000")],
    ids=["fewer generations", "an earlier stop"],
)
def test_a_rerun_that_stops_earlier_is_refused(
    poor: tuple[Path, Any], tmp_path: Path, change: str, held: str
) -> None:
    out = tmp_path / "out"
    shutil.copytree(poor[0], out)
    before = digests(out)
    text = POOR.replace(change, held)
    assert text != POOR
    res = invoke("calibrate", str(write(tmp_path, text)), "--out", str(out), "-q", "--workers", "1")
    refused(res, f"{out}: holds generations 0 to 1, and", "stops after generation 0",
            "rerun with generations: 2", "the folder is left as it was")  # fmt: skip
    after = digests(out)
    assert {k: v for k, v in after.items() if k != "results.duckdb"} == {
        k: v for k, v in before.items() if k != "results.duckdb"
    }
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT max(generation) FROM generations").fetchone() == (1,)
    finally:
        con.close()


def test_a_truncated_catalogue_is_one_line_on_rerun(poor: tuple[Path, Any], tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(poor[0], out)
    db = out / "results.duckdb"
    os.truncate(db, db.stat().st_size // 2)
    before = digests(out)
    res = invoke("calibrate", str(write(tmp_path, POOR)), "--out", str(out), "-q")
    refused(res, f"{db}: damaged (", "a calibration's catalogue cannot be rebuilt",
            f"move the folder {out} aside")  # fmt: skip
    assert digests(out) == before


def test_sensitivity_on_a_calibration_folder_is_one_line(poor: tuple[Path, Any]) -> None:
    res = invoke("sensitivity", str(poor[0]))
    refused(res, "holds a calibration, not a sweep")


def test_a_killed_calibration_is_not_called_damaged(poor: tuple[Path, Any], tmp_path: Path) -> None:
    """What a kill before the results leaves: the catalogue and the particles."""
    out = tmp_path / "out"
    shutil.copytree(poor[0], out)
    for name in ("calibration.json", "posterior.csv", "predictive.csv", "fit.csv",
                 "forecasts.csv"):  # fmt: skip
        (out / name).unlink()
    shutil.rmtree(out / "figures")
    res = invoke("report", str(out), "--out", str(tmp_path / "r.html"))
    refused(res, f"{out}: a calibration without results", f"scoresim calibrate FILE --out {out}")
    assert "damaged" not in res.output and "--rebuild" not in res.output


def test_a_damaged_calibration_catalogue_is_not_rebuilt_as_a_sweep(
    poor: tuple[Path, Any], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(poor[0], out)
    (out / "results.duckdb").write_bytes(b"not a database" * 100)
    before = digests(out)
    sweep = write(tmp_path, "scenario: seed\nagents: 300\nsteps: 3\nparameters:\n"
                  "  sources.street_cameras.coverage: [0.1]\n", "sweep.yaml")  # fmt: skip
    res = invoke("sweep", str(sweep), "--out", str(out), "--rebuild", "-q")
    refused(res, "holds a calibration, not a sweep")
    assert digests(out) == before  # not set aside, no sweep parts beside the particles
    res = invoke("query", str(out), "SELECT 1")
    refused(res, "damaged (", "a calibration's catalogue cannot be rebuilt", "scoresim calibrate")
    assert "--rebuild" not in res.output


def test_a_deep_calibration_json_is_one_line(poor: tuple[Path, Any], tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(poor[0], out)
    (out / "calibration.json").write_text("[" * 100_000 + "]" * 100_000)
    res = invoke("report", str(out), "--out", str(tmp_path / "r.html"))
    refused(res, "calibration.json: damaged (nested more than 64 levels)")
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        ({"posterior": [], "predictive": []}, "field 'per_generation' is missing"),
        ({"posterior": [{}], "predictive": [], "per_generation": []}, "damaged (KeyError"),
        ([1, 2], "holds a list, not an object"),
    ],
)
def test_a_calibration_json_that_is_not_a_calibrations_is_one_line(
    poor: tuple[Path, Any], tmp_path: Path, doc: Any, fragment: str
) -> None:
    out = tmp_path / "out"
    shutil.copytree(poor[0], out)
    (out / "calibration.json").write_text(json.dumps(doc))
    res = invoke("report", str(out), "--out", str(tmp_path / "r.html"))
    refused(res, "calibration.json: ", fragment, "rerun scoresim calibrate")


def test_a_damaged_run_json_advises_what_works(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    scoresim.simulate("seed", agents=200, steps=3, seed=1).save(folder)
    info = folder / "run.json"
    info.write_bytes(info.read_bytes()[:20])
    res = invoke("report", str(folder), "--out", str(tmp_path / "r.html"))
    refused(res, "run.json: damaged, not JSON", "run it again into a new folder (--out NEW)")
    # The advice is true: a rerun into the folder is refused, into a new one it works.
    again = ("run", "seed", "--agents", "200", "--steps", "3", "--seed", "1", "-q", "--out")
    refused(invoke(*again, str(folder)), "scoresim did not write")
    assert invoke(*again, str(tmp_path / "new")).exit_code == 0


# --- per_person in a group with no people ------------------------------------------------


def test_per_person_in_a_group_with_no_people_is_nan_and_named(tmp_path: Path) -> None:
    """A group of share 0.001 has no one at 200 agents: NaN, then the one-line refusal."""
    from scoresim.calibrate.statistics import Statistic, compute, why_missing

    metrics = pd.DataFrame({"group": ["rural"], "step": [19], "population": [0],
                            "denied.travel": [0.0]})  # fmt: skip
    stat = Statistic(metric="denied.travel", group="rural", day=19, per_person=True)
    assert math.isnan(compute(stat, metrics, {}))
    assert why_missing(stat, metrics, {}) == "its group rural has no people on day 19"
    scenario = (SRC / "scenarios" / "court-blacklist.yaml").read_text()
    scenario = scenario.replace("share: 0.6 ", "share: 0.999 ", 1)
    scenario = scenario.replace("share: 0.4 ", "share: 0.001 ", 1)
    write(tmp_path, scenario, "tiny.yaml")
    text = (
        NEVER.replace("court-blacklist", "tiny.yaml")
        .replace("abc: {population: 10, generations: 2, min_epsilon: 0.1, predictive: 2, noise: 2}",
                 "abc: {population: 10, generations: 1, predictive: 0, noise: 2}")
    )  # fmt: skip
    paid = text[text.index("  - name: paid_share") : text.index("abc:")]
    text = text.replace(
        paid,
        "  - {name: rural_denials, value: 0.001, sd: 0.001, day: 19, metric: denied.travel,\n"
        "     group: rural, aggregate: sum, per_person: true, source: made up}\n",
    )
    out = tmp_path / "out"
    res = invoke("calibrate", str(write(tmp_path, text)), "--out", str(out), "--workers", "1", "-q")
    refused(
        res,
        "cal.yaml: targets[1] (rural_denials) cannot be computed in 10 of 10 simulations",
        "its group rural has no people on day 19 at 200 agents",
        "use more agents (run.agents)",
    )
    assert "ZeroDivisionError" not in res.output and "rerun to resume" not in res.output


# --- a prior whose inside the field refuses ----------------------------------------------


def test_a_prior_that_would_propose_a_refused_value_is_refused_on_reading(tmp_path: Path) -> None:
    """mean_degree must be even: 4 and 20 fit, 5 does not; refused when the file is read."""
    text = POOR.replace(
        "  sources.courts.coverage: {prior: uniform, low: 0.2, high: 1.0}\n",
        "  network.mean_degree: {prior: uniform, low: 4, high: 20}\n",
    )
    out = tmp_path / "out"
    res = invoke("calibrate", str(write(tmp_path, text)), "--out", str(out), "-q")
    refused(
        res,
        "parameters['network.mean_degree']: the prior accepts both ends but would propose 5",
        "it should be a multiple of 2",
        "a prior proposes every whole number from 4 to 20",
        "set this one under fixed: (e.g. fixed: {network.mean_degree: 4})",
    )
    assert not out.exists()
    from scoresim.calibrate.checks import inside
    from scoresim.calibrate.fields import PriorConfig

    assert inside(PriorConfig(prior="uniform", low=4, high=20), True) == [5, 8, 12, 16, 19]
    assert inside(PriorConfig(prior="uniform", low=4, high=5), True) == []
    assert inside(PriorConfig(prior="log-uniform", low=1, high=100), False) == pytest.approx(
        [10**0.5, 10.0, 10**1.5]
    )


def test_a_worker_error_that_a_rerun_repeats_does_not_advise_a_rerun() -> None:
    from concurrent.futures import Future

    from scoresim.calibrate.model import finished_or_fail
    from scoresim.errors import CalibrationError, ScenarioValueError

    same: Future[int] = Future()
    same.set_exception(ScenarioValueError("network.mean_degree: 17 is not allowed", "x"))
    with pytest.raises(CalibrationError) as caught:
        finished_or_fail(same, "generation 1, proposal 3", "rerun to resume")
    assert "rerun to resume" not in str(caught.value)
    assert "a rerun fails the same way" in str(caught.value)
    machine: Future[int] = Future()
    machine.set_exception(MemoryError())
    with pytest.raises(CalibrationError, match="rerun to resume"):
        finished_or_fail(machine, "generation 1, proposal 3", "rerun to resume")


# --- figures that cannot be computed are empty in every CSV ------------------------------


def test_an_overflowing_figure_is_empty_in_the_csv_and_warns_nothing() -> None:
    import warnings

    from scoresim.calibrate import noise
    from scoresim.calibrate.predictive import forecast_table, predictive_table

    text = POOR.replace("metric: listed, day: 59}", "metric: listed, day: 59, scale: 1.0e308}")
    cal = calibration_from_text(text, "cal.yaml")
    sims = pd.DataFrame({"listed_day39": [0.02, 1e308], "denials": [0.0, -1e308],
                         "listed_later": [10.0, 20.0]})  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy RuntimeWarning fails the test
        fore = forecast_table(cal, sims)
        pred = predictive_table(cal, sims)
        evaluations = pd.DataFrame({"listed_day39": [0.0, 1e308], "denials": [0.0, 0.001]})
        final = pd.DataFrame({"listed_day39": [1e308, 0.5], "denials": [0.0005, 0.0005]})
        fits = noise.fit_table(cal, evaluations, final, np.array([1.0, 1.0]))
        noise.overall(1.0, fits)
    for table in (fore, pred, fits):
        csv = table.to_csv(index=False)
        assert "inf" not in csv, csv
    assert fore[["low", "median", "high"]].isna().all().all()
    assert fits.set_index("target").loc["listed_day39", ["error", "noise_floor"]].isna().all()
    assert fits["within_noise"].tolist() == [None, True]


def test_collapsed_weights_are_said_and_identify_nothing() -> None:
    """Kish's effective sample size by hand; below a tenth of the population, a warning."""
    from scoresim.calibrate import noise
    from scoresim.calibrate.results import posterior_table

    assert noise.effective_size(np.array([1.0, 1.0, 1.0, 1.0])) == pytest.approx(4.0)
    assert noise.effective_size(np.array([3.0, 1.0])) == pytest.approx(16 / 10)
    assert math.isnan(noise.effective_size(np.zeros(3)))
    cal = calibration_from_text(POOR, "cal.yaml")
    evaluations = pd.DataFrame({"listed_day39": [0.02, 0.04], "denials": [0.0, 0.001]})
    final = pd.DataFrame({"listed_day39": [0.5] * 20, "denials": [0.0005] * 20})
    even, lopsided = np.ones(20), np.array([1.0] + [1e-9] * 19)
    table = noise.fit_table(cal, evaluations, final, even)
    fine = noise.overall(1.0, table, even)
    assert fine["effective_size"] == pytest.approx(20.0) and not fine["weights_collapsed"]
    assert noise.warning(fine, table) is None and noise.trusted(fine) is True
    bad = noise.overall(1.0, table, lopsided)
    assert bad["weights_collapsed"] and bad["effective_size"] == pytest.approx(1.0, rel=1e-6)
    text = noise.warning(bad, table) or ""
    assert text.startswith("the last population's weights collapsed: an effective sample size")
    assert "of 20 particles" in text and "\n" not in text and noise.trusted(bad) is False
    pop = pd.DataFrame({"behaviours.refuse_to_perform.base_rate": [1e-4] * 20,
                        "sources.courts.coverage": [0.5] * 20, "weight": lopsided})  # fmt: skip
    assert not posterior_table(cal, pop, noise.trusted(bad))["identified"].any()
    both = noise.warning(bad | {"within_noise": False}, table.assign(within_noise=[False, True]))
    assert (both or "").startswith("poor fit: 1 of 2") and "; and the last population's" in (
        both or ""
    )


def test_a_file_with_its_parameters_reordered_is_refused_in_one_line(tmp_path: Path) -> None:
    from scoresim.calibrate.store import CalibrationStore
    from scoresim.errors import CalibrationError

    cal = calibration_from_text(POOR, "cal.yaml")
    CalibrationStore.open(tmp_path / "f", cal).close()
    lines = POOR.splitlines()
    at = [i for i, line in enumerate(lines) if line.startswith("  ") and "prior:" in line]
    assert len(at) >= 2  # two parameters to swap
    lines[at[0]], lines[at[1]] = lines[at[1]], lines[at[0]]
    swapped = calibration_from_text("\n".join(lines) + "\n", "swapped.yaml")
    assert swapped.fingerprint == cal.fingerprint and swapped.names != cal.names
    with pytest.raises(CalibrationError, match="fitted in the order") as info:
        CalibrationStore.open(tmp_path / "f", swapped)
    assert "\n" not in str(info.value)
    CalibrationStore.open(tmp_path / "f", cal).close()  # the folder is as it was
