"""One list of metric columns for every consumer (issue 24, item 4).

A run's metrics table, a sweep's outputs and a calibration's targets accept exactly the
columns of ``Compiled.columns``: the core's and the mechanisms'.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import scoresim
from scoresim.calibrate.statistics import Statistic, check_statistic
from scoresim.engine.compile import compile_scenario
from scoresim.errors import ScoresimError
from scoresim.sweep.spec import sweep_from_text
from tests import tiny

SWEEP = tiny.SWEEP + "outputs: [{column}]\n"


@pytest.mark.parametrize("name", ["seed", "court-blacklist", "baseline"])
def test_a_runs_metrics_have_exactly_the_compiled_columns(name: str) -> None:
    scenario = scoresim.load_scenario(name)
    columns = compile_scenario(scenario.config).columns
    metrics = scoresim.simulate(name, agents=300, steps=2, seed=1).metrics
    assert tuple(metrics.columns) == ("step", "group", *columns)


def test_mechanism_columns_are_sweep_outputs_and_calibration_targets(tmp_path: Path) -> None:
    compiled = compile_scenario(scoresim.load_scenario("seed").config)
    assert "approval.mean" in compiled.extra_columns  # a mechanism's column
    for column in ("approval.mean", "listed", compiled.extra_columns[-1]):
        sweep_from_text(SWEEP.format(column=column), str(tmp_path / "s.yaml"))
        stat = Statistic(metric=column, day=1)
        assert check_statistic(stat, compiled, 2) is None, column
    with pytest.raises(ScoresimError, match="is not a metric of seed"):
        sweep_from_text(SWEEP.format(column="approval.meen"), str(tmp_path / "s.yaml"))
    assert check_statistic(Statistic(metric="approval.meen", day=1), compiled, 2) is not None
