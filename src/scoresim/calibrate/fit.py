"""A calibration by the method its file names: ABC-SMC (pyabc) or neural posterior estimation (sbi)."""

from __future__ import annotations

from pathlib import Path

from scoresim.calibrate.runner import CalibrationSummary, ProgressFn, run_calibration
from scoresim.calibrate.spec import Calibration
from scoresim.experiment.executors import Engine


def fit(cal: Calibration, out: Path, engine: Engine, progress: ProgressFn | None = None) -> CalibrationSummary:  # fmt: skip
    """Run (or resume) ``cal`` into ``out`` by ``method``: ``abc`` (the default) or ``neural``.

    Raises:
        CalibrationError: as :func:`scoresim.calibrate.runner.run_calibration` and
            :func:`scoresim.calibrate.neural.run_neural` say.
    """
    if cal.config.method == "neural":
        from scoresim.calibrate.neural import run_neural

        return run_neural(cal, out, engine, progress)[0]
    return run_calibration(cal, out, engine, progress)
