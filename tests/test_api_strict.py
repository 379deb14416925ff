"""The Python API is as strict as the command line: every number argument of every entry point.

A bool is not a number, a float is not an integer, a string is not a number; each
refusal is one line naming the argument, the value and what it should be, and ranges
are docs/robustness.md's, in the command line's words. On c99c8c3 ``seed=True`` ran
with seed 1 and ``agents=100.5`` gave NumPy's TypeError.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import scoresim
from scoresim import Simulation, limits
from scoresim.cli.app import app
from scoresim.errors import RunOptionError

NOT_INTEGERS = [
    (True, "True", "a bool"),
    (np.True_, "np.True_", "a bool"),
    (100.5, "100.5", "a float"),
    (100.0, "100.0", "a float"),
    (np.float64(100.0), "np.float64(100.0)", "a float64"),
    ("100", "'100'", "a str"),
    (None, "None", "None"),
    ([100], "[100]", "a list"),
]


def odd(value: object) -> Any:
    """``value``, typed as anything: these tests pass what the annotations do not allow."""
    return value


def simulate_with(**kw: Any) -> None:
    scoresim.simulate("seed", **{"agents": 50, "steps": 1, **kw})


def simulation_with(**kw: Any) -> None:
    Simulation("seed", **{"agents": 50, **kw})


def step_with(n: Any) -> None:
    Simulation("seed", agents=50).step(n)


def run_with(steps: Any) -> None:
    Simulation("seed", agents=50).run(steps)


ENTRY_POINTS: list[tuple[str, str, Callable[[Any], None]]] = [
    ("simulate", "agents", lambda v: simulate_with(agents=v)),
    ("simulate", "steps", lambda v: simulate_with(steps=v)),
    ("simulate", "seed", lambda v: simulate_with(seed=v)),
    ("Simulation", "agents", lambda v: simulation_with(agents=v)),
    ("Simulation", "seed", lambda v: simulation_with(seed=v)),
    ("Simulation.step", "n", step_with),
    ("Simulation.run", "steps", run_with),
]


@pytest.mark.parametrize(("where", "name", "call"), ENTRY_POINTS)
@pytest.mark.parametrize(("value", "shown", "kind"), NOT_INTEGERS)
def test_every_number_argument_takes_integers_only(
    where: str, name: str, call: Callable[[Any], None], value: Any, shown: str, kind: str
) -> None:
    with pytest.raises(RunOptionError) as err:
        call(value)
    assert str(err.value) == f"{name}: {shown} is not allowed; it should be an integer, not {kind}"


RANGES = [
    ("agents", 0, f"agents: 0 is out of range; use 1 to {limits.RUN_AGENTS:,}"),
    ("agents", limits.RUN_AGENTS + 1,
     f"agents: {limits.RUN_AGENTS + 1} is out of range; use 1 to {limits.RUN_AGENTS:,}"),
    ("steps", 0, f"steps: 0 is out of range; use 1 to {limits.RUN_STEPS:,}"),
    ("steps", limits.RUN_STEPS + 1,
     f"steps: {limits.RUN_STEPS + 1} is out of range; use 1 to {limits.RUN_STEPS:,}"),
    ("seed", -1, "seed: -1 is out of range; use 0 to 2^63 - 1"),
    ("seed", 2**63, f"seed: {2**63} is out of range; use 0 to 2^63 - 1"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "value", "message"), RANGES)
def test_ranges_are_the_command_lines_in_its_words(
    name: str, value: int, message: str, tmp_path: Path
) -> None:
    with pytest.raises(RunOptionError) as err:
        simulate_with(**{name: value})
    assert str(err.value) == message
    if name != "steps":
        with pytest.raises(RunOptionError) as again:
            simulation_with(**{name: value})
        assert str(again.value) == message
    out = str(tmp_path / "run")
    res = CliRunner().invoke(app, ["run", "seed", f"--{name}", str(value), "--out", out, "-q"])
    assert res.exit_code == 2 and res.output == f"error: {message}\n"


def test_steps_past_the_limit_and_negative_steps_are_refused() -> None:
    sim = Simulation("seed", agents=50)
    with pytest.raises(RunOptionError, match=r"^n: -1 is negative; give 0 or more$"):
        sim.step(-1)
    with pytest.raises(RunOptionError, match=r"^steps: -1 is negative; give 0 or more$"):
        sim.run(-1)
    with pytest.raises(RunOptionError, match=r"^steps: 60001 is out of range; use 1 to 60,000$"):
        sim.run(limits.RUN_STEPS + 1)
    sim.step(0)
    assert sim.steps == 0


def test_numpy_integers_are_integers_and_are_saved_as_plain_ones(tmp_path: Path) -> None:
    result = scoresim.simulate(
        "seed", agents=odd(np.int64(80)), steps=odd(np.int32(2)), seed=odd(np.uint64(9))
    )
    sim = Simulation("seed", agents=odd(np.int16(80)), seed=odd(np.int64(9)))
    sim.run(odd(np.int64(2)))
    assert sim.metrics.equals(result.metrics)
    info = json.loads((sim.save(tmp_path / "run") / "run.json").read_text())
    assert (info["agents"], info["steps"], info["seed"]) == (80, 2, 9)
    assert type(result.info["seed"]) is int and type(result.info["agents"]) is int


@pytest.mark.parametrize(
    ("call", "message"),
    [(lambda: scoresim.simulate("seed", agents=50, steps=1, overrides=odd("blacklist.term=3")),
      "overrides: 'blacklist.term=3' is not allowed; it should be a mapping of field paths to "
      "values, such as {'blacklist.term': 30}"),
     (lambda: Simulation("seed", agents=50, overrides=odd({3: 1})),
      "overrides: the key 3 is not allowed; it should be a field path such as 'blacklist.term'"),
     (lambda: scoresim.simulate("seed", agents=50, steps=1, progress=odd(5)),
      "progress: 5 is not allowed; it should be a function progress(done, total), or None"),
     (lambda: Simulation("seed", agents=50).run(1, progress=odd("bar")),
      "progress: 'bar' is not allowed; it should be a function progress(done, total), or None"),
     (lambda: Simulation("seed", agents=50, reporters=odd([len])),
      "reporters: [<built-in function len>] is not allowed; it should be a mapping of names "
      "to functions fn(state, events)"),
     (lambda: Simulation("seed", agents=50, reporters=odd({"mine": 5})),
      "reporters.mine: 5 is not allowed; it should be a function fn(state, events) returning "
      "a number"),
     (lambda: Simulation("seed", agents=50, reporters=odd({7: len})),
      "reporters: the name 7 is not allowed; it should be a non-empty string (it becomes a "
      "metrics column)")],
)  # fmt: skip
def test_the_other_arguments_are_named_when_wrong(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(RunOptionError) as err:
        call()
    assert str(err.value) == message


def test_overrides_in_python_are_called_overrides() -> None:
    with pytest.raises(scoresim.ScoresimError) as err:
        scoresim.simulate("seed", agents=50, steps=1, overrides={"blacklist.term": True})
    assert str(err.value).startswith("seed.yaml with overrides blacklist.term: blacklist.term: ")
    with pytest.raises(scoresim.ScoresimError, match=r"^overrides sources\.nope: no such field"):
        Simulation("seed", agents=50, overrides={"sources.nope": 1})
