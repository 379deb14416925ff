"""A reporter that raises or returns nonsense: the step is undone, and nothing is kept of it.

On c99c8c3 the reporters before the failing one kept their number for the failed
step, the step itself stayed done, and reading ``metrics`` then failed for good.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import scoresim
from scoresim import Simulation
from scoresim.errors import ExtensionError
from scoresim.society.events import StepEvents
from scoresim.society.state import CitizenState


def listed(state: CitizenState, _: StepEvents) -> float:
    return float(np.mean(state.listed_until > 0))


def fails_in(steps: set[int]) -> Callable[[CitizenState, StepEvents], float]:
    """A reporter that raises once in each of ``steps`` (the steps it sees, 0-based)."""

    def acts(state: CitizenState, events: StepEvents) -> float:
        if state.step - 1 in steps:  # the view is of the finished step
            steps.discard(state.step - 1)
            raise RuntimeError("my reporter's bug")
        return float(events.acts.sum())

    return acts


def test_a_reporter_that_raises_undoes_its_step_and_the_run_goes_on_bit_for_bit() -> None:
    failing = fails_in({3, 7})
    sim = Simulation("seed", agents=2000, seed=4, reporters={"my_listed": listed, "acts": failing})
    with pytest.raises(ExtensionError) as err:
        sim.run(10)
    assert str(err.value) == (
        "reporters.acts: in step 3, raised RuntimeError: my reporter's bug; the step was "
        "undone: 3 steps done, as before it"
    )
    assert isinstance(err.value.__cause__, RuntimeError)  # your traceback is kept
    assert sim.steps == 3 and len(sim.metrics) == 3 * 3
    before = sim.metrics
    with pytest.raises(ExtensionError, match="in step 7"):
        sim.step(5)
    assert sim.steps == 7
    pd.testing.assert_frame_equal(sim.metrics.head(9), before, check_exact=True)
    sim.run(5)
    never = Simulation("seed", agents=2000, seed=4,
                       reporters={"my_listed": listed, "acts": fails_in(set())})  # fmt: skip
    never.run(12)
    pd.testing.assert_frame_equal(sim.metrics, never.metrics, check_exact=True)
    pd.testing.assert_frame_equal(sim.agents(), never.agents(), check_exact=True)
    for name in ("score", "perceived_risk", "wealth", "stance", "seen", "listed_until"):
        assert np.array_equal(getattr(sim.state, name), getattr(never.state, name)), name
    assert np.array_equal(sim.state.traits["approval"], never.state.traits["approval"])
    all_rows = sim.metrics[sim.metrics["group"] == "all"]
    assert np.allclose(all_rows["my_listed"], all_rows["listed"], rtol=0, atol=1e-12)
    assert all_rows["acts"].notna().all() and (all_rows["acts"] > 0).all()


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("0.5", "'0.5'"),
        (None, "None"),
        (True, "True"),
        (np.ones(2), "array([1., 1.])"),
        (10**400, "1" + "0" * 56 + "..."),
        (1j, "1j"),
    ],
)
def test_a_reporter_returns_a_number(value: Any, shown: str) -> None:
    sim = Simulation("seed", agents=300, seed=1, reporters={"odd": lambda s, e: value})
    with pytest.raises(ExtensionError) as err:
        sim.step()
    assert str(err.value) == (
        f"reporters.odd: in step 0, returned {shown}; a reporter returns a number (an int "
        "or a float); the step was undone: 0 steps done, as before it"
    )
    assert sim.steps == 0 and sim.metrics.empty and sim.events is None


def test_numbers_of_any_kind_are_numbers() -> None:
    kinds: dict[str, Any] = {"int": lambda s, e: 3, "numpy": lambda s, e: np.float32(0.25),
                             "nan": lambda s, e: float("nan")}  # fmt: skip
    m = scoresim.Simulation("seed", agents=300, reporters=kinds)
    m.run(2)
    rows = m.metrics[m.metrics["group"] == "all"]
    assert rows["int"].tolist() == [3.0, 3.0] and rows["numpy"].tolist() == [0.25, 0.25]
    assert rows["nan"].isna().all()


def test_a_reporter_or_a_progress_function_cannot_step_the_simulation() -> None:
    """The steps being made were drawn for; a nested step would take their place."""
    held: list[Simulation] = []

    def nested(state: CitizenState, events: StepEvents) -> float:
        held[0].step()
        return 0.0

    sim = Simulation("seed", agents=300, seed=1, reporters={"nested": nested})
    held.append(sim)
    with pytest.raises(ExtensionError, match=r"^reporters\.nested: in step 0, raised SimulationError: "
                       r"simulation: step\(\) or run\(\) was called while it is stepping"):  # fmt: skip
        sim.run(3)
    assert sim.steps == 0
    plain = Simulation("seed", agents=300, seed=1)
    with pytest.raises(scoresim.errors.SimulationError, match="while it is stepping"):
        plain.run(3, progress=lambda done, total: plain.step())
    assert plain.steps == 1
    plain.run(2)
    pd.testing.assert_frame_equal(
        plain.metrics, scoresim.simulate("seed", agents=300, steps=3, seed=1).metrics
    )
