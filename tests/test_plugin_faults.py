"""Plug-ins that go wrong: named in one line, and harmless to everything that does not use them.

The plug-ins are a real package installed into a temporary folder with its entry
points (tests/faulty_plugins.py): found by ``importlib.metadata`` in this process, and
by the real ``scoresim`` command through ``PYTHONPATH``. Each test failed on c99c8c3.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

import scoresim
from scoresim.errors import ExtensionError, ScenarioValueError, SimulationError
from scoresim.parts import registry
from tests import faulty_plugins

SOURCE = "entry point scoresim_faulty:Jolt of scoresim-faulty 0.1"
RAISES = faulty_plugins.line(faulty_plugins.FAULTY, "raise ZeroDivisionError")
AT = f"(at scoresim_faulty.py:{RAISES})"
WRITES = faulty_plugins.line(faulty_plugins.FAULTY, 'out["population"]')


@pytest.fixture
def faulty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The faulty package installed and on ``sys.path``; yields its main module."""
    monkeypatch.syspath_prepend(str(faulty_plugins.install(tmp_path / "site")))
    faulty_plugins.forget_entry_points()
    try:
        yield importlib.import_module("scoresim_faulty")
    finally:
        faulty_plugins.forget_entry_points()
        for name in ("scoresim_faulty", "scoresim_broken"):
            sys.modules.pop(name, None)


def mine(section: str) -> scoresim.Scenario:
    return scoresim.Scenario.from_yaml_text(
        faulty_plugins.SCENARIO + f"\nmechanisms:\n{section}\n", origin="mine.yaml"
    )


def test_a_plugin_that_fails_to_import_is_named_only_where_it_is_used(faulty: ModuleType) -> None:
    mine("  jolt: {}")  # another plug-in of the same package loads
    assert "jolt" in registry.installed() and "broken" not in registry.installed()
    typo = faulty_plugins.SCENARIO.replace("\nsources:", "\nsoruces:")
    with pytest.raises(ScenarioValueError) as err:
        scoresim.Scenario.from_yaml_text(typo, origin="mine.yaml")
    assert str(err.value).startswith("mine.yaml: line 68: soruces: unknown field; remove it")
    assert "installed: broken, garbled, greedy, jolt, notmech, strings, wrong_phase" in str(
        err.value
    )
    with pytest.raises(ExtensionError) as broken:
        mine("  broken: {}")
    line = str(broken.value)
    assert line == (
        "mine.yaml: line 192: mechanisms.broken: the plug-in (entry point "
        "scoresim_broken:Broken of scoresim-faulty 0.1) cannot be imported: "
        "ModuleNotFoundError: No module named 'no_such_dependency' (at scoresim_broken.py:"
        f"{faulty_plugins.line(faulty_plugins.BROKEN, 'import no_such')}); fix or reinstall "
        "that package, or remove the section"
    )
    with pytest.raises(
        ExtensionError,
        match=r"mechanisms\.notmech: .* is the function scoresim_faulty\.helper, not a subclass",
    ):
        mine("  notmech: {}")
    with pytest.raises(ExtensionError) as garbled:
        mine("  garbled: {}")
    assert str(garbled.value) == (
        "mine.yaml: line 192: mechanisms.garbled: the plug-in (entry point not a module path! "
        "of scoresim-faulty 0.1) has the value 'not a module path!', which is not of the form "
        "module:Class; fix or reinstall that package, or remove the section"
    )


def test_a_broken_plugin_is_one_line_from_the_command_line(tmp_path: Path) -> None:
    site = faulty_plugins.install(tmp_path / "site")
    env = faulty_plugins.env(site)
    used = faulty_plugins.scenario(tmp_path, "  broken: {}")
    typo = tmp_path / "typo.yaml"
    typo.write_text(faulty_plugins.SCENARIO.replace("\nsources:", "\nsoruces:"))
    for path, start in ((used, f"error: {used}: line 192: mechanisms.broken: the plug-in"),
                        (typo, f"error: {typo}: line 68: soruces: unknown field")):  # fmt: skip
        res = subprocess.run([faulty_plugins.command(), "run", str(path), "--agents", "200",
                              "--steps", "2", "--out", str(tmp_path / "out"), "-q"],
                             capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
        assert res.returncode == 2, res.stderr
        assert res.stderr.startswith(start) and res.stderr.count("\n") == 1, res.stderr
        assert not (tmp_path / "out").exists()


def test_a_plugin_that_raises_in_its_step_is_one_line_from_run_and_compare(tmp_path: Path) -> None:
    env = faulty_plugins.env(faulty_plugins.install(tmp_path / "site"))
    path = faulty_plugins.scenario(tmp_path, "  jolt: {fail_at: [1]}")
    expected = (
        f"error: seed: mechanisms.jolt: the plug-in ({SOURCE}) failed in step 1, acting after "
        f"'adapt': ZeroDivisionError: jolt failed on purpose {AT}; fix the plug-in or remove "
        "its section\n"
    )
    size = ["--agents", "300", "--steps", "4", "--seed", "1"]
    for args in (["run", str(path), "--out", str(tmp_path / "run"), "-q"],
                 ["compare", "baseline", str(path), "-q"]):  # fmt: skip
        res = subprocess.run([faulty_plugins.command(), *args, *size],
                             capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
        assert (res.returncode, res.stderr) == (2, expected)
    assert not (tmp_path / "run").exists()
    # With the progress bar too: the bar, then the line; never a traceback.
    res = subprocess.run([faulty_plugins.command(), "run", str(path), "--out", str(tmp_path / "r2"),
                          *size], capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert res.returncode == 2 and res.stderr.endswith(expected), res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "r2").exists()


def test_a_plugin_writes_only_the_columns_it_declares(faulty: ModuleType) -> None:
    with pytest.raises(ExtensionError) as err:
        scoresim.simulate(mine("  greedy: {}"), agents=200, steps=2)
    assert str(err.value) == (
        "seed: mechanisms.greedy: the plug-in (entry point scoresim_faulty:Greedy of "
        "scoresim-faulty 0.1) wrote the metrics column 'population' (at scoresim_faulty.py:"
        f"{WRITES}), which is not "
        "one of its columns (greedy.share); a plug-in writes only the columns its columns() "
        "declares"
    )
    with pytest.raises(ExtensionError, match=r"mechanisms\.wrong_phase: .* acts after 'lunch'"):
        scoresim.Simulation(mine("  wrong_phase: {}"), agents=200)
    with pytest.raises(ExtensionError, match=r"gives 'strings.share' as its columns; columns\(\)"):
        scoresim.Simulation(mine("  strings: {}"), agents=200)
    # The plug-in that keeps to its own column writes it, and nothing else changes.
    jolted = scoresim.simulate(mine("  jolt: {}"), agents=500, steps=3).metrics
    assert jolted["jolt.draw"].between(0, 1).all() and jolted["jolt.draw"].nunique() == 3
    assert (jolted["population"] > 0).all()


def states_equal(a: scoresim.Simulation, b: scoresim.Simulation) -> None:
    pd.testing.assert_frame_equal(a.metrics, b.metrics, check_exact=True)
    pd.testing.assert_frame_equal(a.agents(), b.agents(), check_exact=True)
    for name in ("score", "perceived_risk", "wealth", "listed_until", "stance", "seen"):
        assert np.array_equal(getattr(a.state, name), getattr(b.state, name)), name
    assert np.array_equal(a.net.active, b.net.active)
    assert a.state.traits.keys() == b.state.traits.keys()
    for name in a.state.traits:
        assert np.array_equal(a.state.traits[name], b.state.traits[name]), name


@pytest.mark.parametrize(("after", "interrupt"),
                         [("observe", False), ("adapt", False), ("adapt", True)])  # fmt: skip
def test_a_failed_plugin_step_is_undone_and_the_run_goes_on_bit_for_bit(
    faulty: ModuleType, after: str, interrupt: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """State, metrics, step count and the plug-in's own random stream are put back."""
    scenario = mine(f"  jolt: {{after: {after}}}")
    monkeypatch.setattr(faulty, "INTERRUPT", interrupt)
    faulty.FAIL_ONCE.update({4, 9})
    failed = scoresim.Simulation(scenario, agents=3000, seed=2)
    failed.step(2)
    expected: type[BaseException] = KeyboardInterrupt if interrupt else ExtensionError
    with pytest.raises(expected) as err:
        failed.run(10)  # steps 2 and 3 are done, then step 4 fails
    if not interrupt:
        assert str(err.value).startswith(
            f"seed: mechanisms.jolt: the plug-in ({SOURCE}) failed in step 4, acting after "
            f"'{after}': ZeroDivisionError: jolt failed on purpose {AT}; fix the plug-in "
            "or remove its section; the step was undone: 4 steps done, as before it"
        )
    assert failed.steps == 4 and len(failed.metrics) == 4 * 3
    with pytest.raises(expected):
        failed.step(10)  # steps 4 to 8, then 9 fails
    failed.run(3)
    assert failed.steps == 12 and not faulty.FAIL_ONCE
    never = scoresim.Simulation(scenario, agents=3000, seed=2)
    never.run(12)
    states_equal(failed, never)


def test_a_step_stopped_half_way_without_a_save_stops_the_simulation(
    faulty: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(faulty, "INTERRUPT", True)
    faulty.FAIL_ONCE.add(3)
    sim = scoresim.Simulation(mine("  jolt: {}"), agents=500, _undo=False)
    with pytest.raises(KeyboardInterrupt):
        sim.run(5)
    assert len(sim.metrics) == 3 * 3  # the steps that completed still read
    for go_on in (lambda: sim.step(), lambda: sim.run(1), sim.result):
        with pytest.raises(SimulationError, match=r"^simulation: step 3 stopped half-way \("):
            go_on()


def test_a_plugin_that_exits_does_not_end_the_process(
    faulty: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(faulty, "EXIT", True)
    faulty.FAIL_ONCE.add(1)
    with pytest.raises(
        ExtensionError, match=r"failed in step 1, acting after 'adapt': SystemExit: 3"
    ):
        scoresim.simulate(mine("  jolt: {}"), agents=200, steps=3)


def test_a_garbled_entry_point_value_is_read_as_no_module_by_either_metadata_library() -> None:
    # Which library's EntryPoint a scan returns depends on the environment (the fresh
    # clone's came from the importlib_metadata backport, which raises ValueError).
    import importlib.metadata

    import importlib_metadata

    for kind in (importlib.metadata.EntryPoint, importlib_metadata.EntryPoint):
        ep = kind(name="garbled", value="not a module path!", group="scoresim.mechanisms")
        assert registry._module(ep) == ""  # type: ignore[arg-type]
