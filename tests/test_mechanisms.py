"""Mechanisms as plug-ins: the registry, sections checked like any field, a plug-in from the CLI.

The plug-in is the example under examples/mechanisms (a neighbourhood watch), written
only against scoresim's public mechanism API.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import scoresim
from scoresim.errors import ScenarioValueError
from scoresim.parts import registry

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "mechanisms"
WATCH = EXAMPLE / "seed-watch.yaml"


@pytest.fixture
def watch() -> Iterator[None]:
    sys.path.insert(0, str(EXAMPLE))
    from scoresim_watch import NeighbourhoodWatch

    registry.register(NeighbourhoodWatch)
    try:
        yield
    finally:
        registry._registered.pop("neighbourhood_watch", None)
        sys.path.remove(str(EXAMPLE))


def test_an_unknown_mechanism_names_the_installed_ones() -> None:
    text = WATCH.read_text()
    with pytest.raises(ScenarioValueError) as err:
        scoresim.Scenario.from_yaml_text(text, origin="mine.yaml")
    message = str(err.value)
    assert message.startswith("mine.yaml: line 192: mechanisms.neighbourhood_watch: no such")
    assert "installed:" in message and "scoresim.mechanisms" in message


def test_a_mechanism_section_at_the_top_level_says_where_it_goes(watch: None) -> None:
    text = (Path(scoresim.__file__).parent / "scenarios" / "seed.yaml").read_text()
    text += "\nneighbourhood_watch: {}\n"
    with pytest.raises(ScenarioValueError) as err:
        scoresim.Scenario.from_yaml_text(text, origin="mine.yaml")
    assert "neighbourhood_watch: unknown field" in str(err.value)
    assert "'neighbourhood_watch' is a mechanism: put its section under 'mechanisms:'" in str(
        err.value
    )
    text = text.replace("neighbourhood_watch: {}", "committee: {}")
    with pytest.raises(ScenarioValueError, match=r"goes under 'mechanisms:'; installed: .*neig"):
        scoresim.Scenario.from_yaml_text(text, origin="mine.yaml")


def test_a_section_is_checked_like_any_field(watch: None) -> None:
    bad = WATCH.read_text().replace("report_probability: 0.2", "report_probability: 1.5")
    with pytest.raises(ScenarioValueError, match=r"mechanisms\.neighbourhood_watch\.report_prob"):
        scoresim.Scenario.from_yaml_text(bad, origin="mine.yaml")
    typo = WATCH.read_text().replace(
        "behaviours: [jaywalk]    # assumed: the watch",
        "behaviours: [jaywalkk]    # assumed: the watch",
    )
    with pytest.raises(ScenarioValueError, match=r"behaviours\[0\]: 'jaywalkk' is not a defined"):
        scoresim.Scenario.from_yaml_text(typo, origin="mine.yaml")


def test_adding_a_mechanism_moves_no_other_draw(watch: None) -> None:
    """With nobody reporting, the watch's run is the seed run bit for bit, plus its column."""
    silent = scoresim.load_scenario(str(WATCH)).with_overrides(
        {"mechanisms.neighbourhood_watch.report_probability": 0.0}
    )
    with_watch = scoresim.simulate(silent, agents=3000, steps=40, seed=3).metrics
    plain = scoresim.simulate("seed", agents=3000, steps=40, seed=3).metrics
    assert (with_watch["neighbourhood_watch.reports"] == 0).all()
    pd.testing.assert_frame_equal(with_watch.drop(columns="neighbourhood_watch.reports"), plain)


def test_the_watch_reports_and_deters(watch: None) -> None:
    w = scoresim.simulate(str(WATCH), agents=20_000, steps=120, seed=1).metrics
    s = scoresim.simulate("seed", agents=20_000, steps=120, seed=1).metrics
    wa, sa = (m[m["group"] == "all"].tail(30) for m in (w, s))
    assert wa["neighbourhood_watch.reports"].mean() > 0.003
    assert wa["recorded.jaywalk"].mean() > 1.2 * sa["recorded.jaywalk"].mean()
    assert wa["rate.jaywalk"].mean() < sa["rate.jaywalk"].mean()


def test_a_plug_in_found_by_its_entry_point_runs_from_the_cli(tmp_path: Path) -> None:
    site = tmp_path / "site"
    info = site / "scoresim_watch-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: scoresim-watch\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(
        "[scoresim.mechanisms]\nneighbourhood_watch = scoresim_watch:NeighbourhoodWatch\n"
    )
    src = Path(scoresim.__file__).resolve().parents[1]  # this scoresim, wherever it is
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(site), str(EXAMPLE)])}
    scoresim_cli = str(Path(sys.executable).with_name("scoresim"))
    out = tmp_path / "run"
    res = subprocess.run([scoresim_cli, "run", str(WATCH), "--agents", "3000", "--steps", "30",
                          "--out", str(out), "-q", "--set",
                          "mechanisms.neighbourhood_watch.report_probability=0.5"],
                         capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert res.returncode == 0, res.stderr
    metrics = pd.read_parquet(out / "metrics.parquet")
    assert metrics["neighbourhood_watch.reports"].max() > 0


def test_a_mechanism_cannot_take_another_column(watch: None) -> None:
    from scoresim_watch import NeighbourhoodWatch, WatchHook

    class Greedy(NeighbourhoodWatch):  # type: ignore[misc]  # the example is untyped here
        name = "neighbourhood_watch"

        def columns(self, config: object, labels: object) -> tuple[str, ...]:
            return ("listed",)

    registry.register(Greedy)
    try:
        with pytest.raises(ScenarioValueError, match="its column 'listed' is already a metrics"):
            scoresim.simulate(str(WATCH), agents=200, steps=2)
    finally:
        registry.register(NeighbourhoodWatch)
    assert WatchHook.columns == ("neighbourhood_watch.reports",)


def test_shaming_and_stance_drift_are_mechanisms_on_the_protocol() -> None:
    """Configured by their own top-level sections; they act as hooks after their phase.

    Their results are those of the code they replace bit for bit: checked against the
    per-agent reference (tests/test_phases_reference.py, whose worlds have channels
    and drift), and against the previous commit by hashing runs of six regimes and
    variants (see the issue note).
    """
    from scoresim.engine.compile import compile_scenario

    drifting = scoresim.load_scenario("seed").with_overrides(
        {"stance_drift": {"resentment": 0.2, "pressure": 0.05}}
    )
    names = [a.mechanism.name for a in compile_scenario(drifting.config).mechanisms]
    assert names == ["shaming", "stance_drift", "approval", "polls"]  # seed shows on screens
    seed = compile_scenario(scoresim.load_scenario("seed").config)
    assert [a.mechanism.name for a in seed.mechanisms] == ["shaming", "approval", "polls"]
    assert compile_scenario(scoresim.load_scenario("baseline").config).mechanisms == ()
    sim = scoresim.Simulation(drifting, agents=2000, seed=1)
    before = sim.state.stance.copy()
    sim.run(30)
    assert (sim.state.stance != before).mean() > 0.5  # the hook ran: stances moved
