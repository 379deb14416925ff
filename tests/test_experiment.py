"""The base of experiments (issue 24.5): seeds, the stored kind, folders written before it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from scoresim.calibrate.spec import calibration_from_text
from scoresim.calibrate.store import CalibrationStore
from scoresim.cli.app import app
from scoresim.errors import CalibrationError, SweepError
from scoresim.experiment.catalogue import DB_NAME, KIND_TABLE, folder_kind
from scoresim.experiment.kinds import CALIBRATION, SWEEP
from scoresim.experiment.seeds import child_seed, child_words
from scoresim.sweep.design import build_design
from scoresim.sweep.query import open_folder
from scoresim.sweep.spec import sweep_from_text
from scoresim.sweep.store import Store

runner = CliRunner()

SWEEP_FILE = """\
scenario: seed
agents: 300
steps: 3
seed: 5
parameters:
  sources.street_cameras.coverage: [0.1, 0.9]
"""

CALIBRATION_FILE = """\
scenario: court-blacklist
seed: 3
run: {agents: 400, steps: 40}
parameters:
  sources.courts.coverage: {prior: uniform, low: 0.2, high: 1.0}
targets:
  - {name: listed_day39, value: 0.004, sd: 0.002, day: 39, metric: listed, source: made up}
abc: {population: 10, generations: 1}
"""


def test_the_seeds_are_the_ones_sweeps_and_calibrations_always_had() -> None:
    """Pinned: a sweep or calibration with the same seed gives the same numbers as before."""
    assert child_seed(3, 2, 0, 5, 0) == 4456498013677838442  # a calibration's simulation
    assert child_seed(5, 1) == 3462322709277726755  # a sweep's run, common random numbers
    assert child_seed(11, 2, 1) == 2878638955818707240  # without them
    words = [268613937, 348129030, 2381071282, 3403784587, 1172668406, 3315797813, 1270891054]
    assert child_words(3, 1, 0, 7).tolist() == [*words, 2110656244]  # a proposal's draws
    assert int(child_words(11, 2**32 - 1, count=1)[0]) == 3319141510  # a design's sampler


def make_sweep(out: Path) -> None:
    sweep = sweep_from_text(SWEEP_FILE, "sweep.yaml")
    Store.open(out, sweep, build_design(sweep)).close()


def make_calibration(out: Path) -> None:
    CalibrationStore.open(out, calibration_from_text(CALIBRATION_FILE, "cal.yaml")).close()


def kind_row(out: Path) -> list[tuple[str]]:
    con = duckdb.connect(str(out / DB_NAME), read_only=True)
    try:
        return [tuple(r) for r in con.execute(f"SELECT * FROM {KIND_TABLE}").fetchall()]
    finally:
        con.close()


def to_old_layout(out: Path) -> None:
    """What a folder written before the stored kind looks like: no experiment_info, no marks."""
    con = duckdb.connect(str(out / DB_NAME))
    con.execute(f"DROP TABLE {KIND_TABLE}")
    con.close()
    if (out / "particles").is_dir():
        (out / "particles").rmdir()  # empty: the calibration never ran


def test_each_catalogue_stores_its_kind_and_query_reads_it(tmp_path: Path) -> None:
    make_sweep(tmp_path / "s")
    make_calibration(tmp_path / "c")
    assert kind_row(tmp_path / "s") == [("sweep",)]
    assert kind_row(tmp_path / "c") == [("calibration",)]
    for name, kind in (("s", SWEEP), ("c", CALIBRATION)):
        assert folder_kind(tmp_path / name) is kind
        con, found = open_folder(tmp_path / name)
        con.close()
        assert found is kind


@pytest.mark.parametrize("old", [False, True], ids=["new", "old-layout"])
def test_a_folder_opens_again_and_refuses_the_other_kind(tmp_path: Path, old: bool) -> None:
    s, c = tmp_path / "s", tmp_path / "c"
    make_sweep(s)
    make_calibration(c)
    if old:
        to_old_layout(s)
        to_old_layout(c)
        assert not (c / "particles").exists()  # nothing but the catalogue says calibration
    assert folder_kind(s) is SWEEP and folder_kind(c) is CALIBRATION
    make_sweep(s)  # the same sweep: resumes
    make_calibration(c)  # the same calibration: resumes
    for name, kind in (("s", SWEEP), ("c", CALIBRATION)):
        con, found = open_folder(tmp_path / name)
        con.close()
        assert found is kind
    with pytest.raises(SweepError, match="holds a calibration, not a sweep"):
        make_sweep(c)
    with pytest.raises(CalibrationError, match="holds a sweep, not a calibration"):
        make_calibration(s)
    res = runner.invoke(app, ["query", str(s), "SELECT count(*) AS n FROM runs", "--csv"])
    assert res.exit_code == 0 and res.output.splitlines() == ["n", "2"], res.output


def test_a_kind_the_catalogue_states_wins_over_its_tables(tmp_path: Path) -> None:
    """The stored kind is read, not guessed from which tables exist."""
    s = tmp_path / "s"
    make_sweep(s)
    con = duckdb.connect(str(s / DB_NAME))
    con.execute(f"UPDATE {KIND_TABLE} SET kind = 'calibration'")
    con.close()
    assert folder_kind(s) is CALIBRATION
    with pytest.raises(SweepError, match="holds a calibration, not a sweep"):
        make_sweep(s)
    res = runner.invoke(app, ["query", str(s), "SELECT 1"])
    assert res.exit_code == 2 and "damaged (its tables are missing)" in res.output, res.output
