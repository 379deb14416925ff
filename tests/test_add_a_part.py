"""Adding a part to a regime, end to end (issue 24; docs/architecture.md walks through it).

A small part, ``rumour`` (people the sources recorded today tell their neighbours), is
written in a temporary package with an entry point, as a third party would ship it,
and goes the road every part goes: its scenario section (validated and overridable),
its compiled parameters, its keyed draws (``rumour/...``), its act at its place in the
step, its column in the metrics, a sweep output and a calibration target.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import scoresim
from tests import faulty_plugins

RUMOUR = '''
"""A part of a regime: the recorded tell their neighbours."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from scoresim.mechanisms import Mechanism


class RumourSection(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    tell: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5  # chance a recorded person tells


class RumourHook:
    name = "rumour"
    after = "observe"  # records are known once observe has run
    columns = ("rumour.tellers",)

    def __init__(self, tell: float, groups: int) -> None:
        self.tell, self.groups = tell, groups
        self.today = np.zeros(0, dtype=np.bool_)

    def act(self, state: Any, net: Any, d: Any, ev: Any) -> None:
        u = d.dense("rumour/tell", state.n)  # its own purpose: no other draw moves
        self.today = ev.recorded.any(axis=0) & (u < self.tell)

    def measure(self, state: Any, ev: Any, out: Any) -> None:
        counts = np.bincount(state.group[self.today], minlength=self.groups)
        row = out["rumour.tellers"]
        row[: self.groups] = counts
        row[self.groups] = counts.sum()


class Rumour(Mechanism):
    name = "rumour"
    section = RumourSection

    def compile(self, config: RumourSection, labels: Any) -> float:
        return float(config.tell)

    def columns(self, config: RumourSection, labels: Any) -> tuple[str, ...]:
        return ("rumour.tellers",)

    def start(self, params: float, labels: Any, regime: Any, state: Any, net: Any,
              keys: Any) -> RumourHook:
        return RumourHook(params, len(labels.groups))
'''
ENTRY = "[scoresim.mechanisms]\nrumour = scoresim_rumour:Rumour\n"
SEED = (Path(scoresim.__file__).parent / "scenarios" / "seed.yaml").read_text()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = faulty_plugins.install_package(
        tmp_path / "site", "scoresim-rumour", ENTRY, {"scoresim_rumour": RUMOUR}
    )
    monkeypatch.syspath_prepend(str(folder))
    faulty_plugins.forget_entry_points()
    try:
        yield folder
    finally:
        faulty_plugins.forget_entry_points()
        sys.modules.pop("scoresim_rumour", None)


def scenario(tell: float) -> scoresim.Scenario:
    text = SEED + f"\nmechanisms:\n  rumour: {{tell: {tell}}}\n"
    return scoresim.Scenario.from_yaml_text(text, origin="seed-rumour.yaml")


def test_the_part_acts_in_its_place_and_fills_its_column(site: Path) -> None:
    importlib.invalidate_caches()
    everyone = scoresim.Simulation(scenario(1.0), agents=3000, seed=5)
    tellers = []
    for _ in range(30):
        everyone.step()
        assert everyone.events is not None
        tellers.append(int(everyone.events.recorded.any(axis=0).sum()))  # tell = 1: all
    table = everyone.metrics
    column = table[table["group"] == "all"]["rumour.tellers"].to_numpy()
    np.testing.assert_array_equal(column, np.array(tellers, dtype=np.float64))
    assert column.sum() > 0

    half = scoresim.Simulation(scenario(0.5), agents=3000, seed=5)
    half.run(30)
    told = half.metrics[half.metrics["group"] == "all"]["rumour.tellers"].to_numpy()
    assert (told <= column).all() and 0 < told.sum() < column.sum()


def test_adding_the_part_moves_no_other_draw(site: Path) -> None:
    plain = scoresim.simulate("seed", agents=3000, steps=30, seed=5).metrics
    with_part = scoresim.Simulation(scenario(0.5), agents=3000, seed=5)
    with_part.run(30)
    theirs = with_part.metrics.drop(columns=["rumour.tellers"])
    assert list(theirs.columns) == list(plain.columns)
    assert theirs.equals(plain)


def test_its_section_is_checked_and_overridable(site: Path) -> None:
    with pytest.raises(scoresim.ScoresimError, match=r"mechanisms\.rumour\.tell"):
        scenario(1.5)
    sc = scenario(0.5).with_overrides({"mechanisms.rumour.tell": 0.0})
    run = scoresim.Simulation(sc, agents=2000, seed=5)
    run.run(10)
    assert run.metrics["rumour.tellers"].sum() == 0


def command(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    src = Path(scoresim.__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(site)])}
    exe = str(Path(sys.executable).with_name("scoresim"))
    return subprocess.run([exe, *args], env=env, capture_output=True, text=True, timeout=600)


def test_its_column_is_a_sweep_output_and_a_calibration_target(site: Path, tmp_path: Path) -> None:
    (tmp_path / "seed-rumour.yaml").write_text(SEED + "\nmechanisms:\n  rumour: {tell: 0.5}\n")
    (tmp_path / "sweep.yaml").write_text(
        "scenario: seed-rumour.yaml\nagents: 2000\nsteps: 20\n"
        "parameters:\n  mechanisms.rumour.tell: [0.0, 1.0]\noutputs: [rumour.tellers]\n"
    )
    res = command(site, "sweep", str(tmp_path / "sweep.yaml"), "--out", str(tmp_path / "s"))
    assert res.returncode == 0, res.stderr
    res = command(site, "query", str(tmp_path / "s"),
                  'SELECT r.point, sum(m."rumour.tellers") AS n FROM metrics m '
                  "JOIN runs r USING (run_id) WHERE m.\"group\" = 'all' "
                  "GROUP BY r.point ORDER BY r.point", "--csv")  # fmt: skip
    assert res.returncode == 0, res.stderr
    rows = [line.split(",") for line in res.stdout.split()[1:]]
    assert float(rows[0][1]) == 0.0 and float(rows[1][1]) > 0.0  # tell 0, then tell 1

    (tmp_path / "cal.yaml").write_text(
        "scenario: seed-rumour.yaml\nseed: 3\nrun: {agents: 2000, steps: 20, replicates: 1}\n"
        "parameters:\n  mechanisms.rumour.tell: {prior: uniform, low: 0.0, high: 1.0}\n"
        "targets:\n  - {name: tellers, value: 5.0, sd: 2.0, day: 19, metric: rumour.tellers,"
        " aggregate: sum, source: made up for the test}\n"
        "abc: {population: 10, generations: 1, predictive: 2}\n"
    )
    res = command(site, "calibrate", str(tmp_path / "cal.yaml"), "--out", str(tmp_path / "c"))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "c" / "posterior.csv").is_file()
