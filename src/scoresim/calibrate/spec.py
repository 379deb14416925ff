"""Calibration files: which regime, which parameters to fit with what priors, which targets.

A calibration file is YAML, read and checked like a sweep file (one line per mistake,
naming the file, the line, the field, the value and the fix). The format is
documented in docs/calibration.md; in short::

    scenario: court-blacklist
    seed: 0
    run: {agents: 5000, steps: 1540, replicates: 1}
    parameters:
      blacklist.payment_exit: {prior: log-uniform, low: 1.0e-4, high: 3.0e-3}
    targets:
      - name: listed_2017
        value: 0.00864
        sd: 0.0009
        day: 1539
        metric: listed.entries
        aggregate: sum
        per_person: true
        source: SPC via Xinhua, 13 Jan 2018 (docs/calibration.md)
    abc: {population: 100, generations: 6, min_epsilon: 1.0}
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scoresim.calibrate.fields import (
    AbcConfig,
    CalibrationConfig,
    ForecastConfig,
    PriorConfig,
    RunConfig,
    TargetConfig,
)
from scoresim.config.loading import Scenario
from scoresim.errors import CalibrationError
from scoresim.experiment.reading import fingerprint, read_file, validate
from scoresim.experiment.scenario import applied, referenced_scenario

__all__ = [
    "AbcConfig",
    "Calibration",
    "CalibrationConfig",
    "ForecastConfig",
    "PriorConfig",
    "RunConfig",
    "TargetConfig",
    "calibration_from_text",
    "load_calibration",
    "with_method",
]

STOPPING = ("generations", "min_epsilon", "max_simulations", "predictive", "noise")


@dataclass(frozen=True)
class Calibration:
    """A validated calibration.

    Attributes:
        config: The file as written, validated.
        origin: The file it came from, for messages.
        scenario: The regime, loaded.
        integer: Parameter paths whose scenario field holds whole numbers (rounded).
    """

    config: CalibrationConfig
    origin: str
    scenario: Scenario
    integer: frozenset[str]

    @property
    def fingerprint(self) -> str:
        """SHA-256 of what determines the simulations: the file and the resolved scenario.

        When to stop (``abc.generations``, ``min_epsilon``, ``max_simulations``) and
        the sizes of the predictive check and of the noise floor are left out: they
        change no proposal of the generations both runs reach, so a calibration can be
        rerun with more generations in its folder (it goes on). A rerun that would stop
        before a generation the folder holds is refused (:mod:`scoresim.calibrate.runner`).
        """
        dump = self.config.model_dump(mode="json")
        for key in STOPPING:
            dump["abc"].pop(key)
        # What the other method would use changes no simulation of this one. ABC's
        # folders from before the neural method keep their fingerprint; a neural run's
        # simulations depend on no setting of ``neural``: more of them extend the folder.
        if dump["method"] == "abc":
            del dump["method"], dump["neural"]
        else:
            del dump["abc"], dump["neural"]
        for stat in [*dump.get("targets", []), *dump.get("forecasts", [])]:
            _without_later_defaults(stat)
        return fingerprint({"calibration": dump, "scenario": self.scenario.content_hash})

    @property
    def names(self) -> list[str]:
        """The fitted parameter paths, in file order."""
        return list(self.config.parameters)

    @property
    def predictive_steps(self) -> int:
        """Steps of a predictive simulation: the run's, or as many as the latest forecast needs."""
        days = [f.day for f in self.config.forecasts if f.day is not None]
        return max([self.config.run.steps, *[d + 1 for d in days]])

    def overrides(self, values: dict[str, float]) -> dict[str, float | int]:
        """Scenario overrides for parameter values (integer fields rounded)."""
        return {p: round(v) if p in self.integer else v for p, v in values.items()}


def _without_later_defaults(stat: dict[str, Any] | None) -> None:
    """Drop a statistic's fields added since 0.3 where they hold their defaults.

    That is a poll's ``field: estimate``, in the statistic and in what it nests, so
    that folders started before the field existed still resume.
    """
    if not isinstance(stat, dict):
        return
    if stat.get("field") == "estimate":
        del stat["field"]
    for key in ("minus", "divide_by"):
        _without_later_defaults(stat.get(key))


def with_method(cal: Calibration, method: str) -> Calibration:
    """``cal`` fitted by ``method`` (``abc`` or ``neural``) whatever its file says.

    Raises:
        CalibrationError: another method, in one line.
    """
    if method not in ("abc", "neural"):
        raise CalibrationError(f"--method {method}: not a method; use abc or neural")
    config = cal.config.model_copy(update={"method": method})
    return dataclasses.replace(cal, config=config, origin=f"{cal.origin} (--method {method})")


def load_calibration(path: str | Path) -> Calibration:
    """Read and validate a calibration file.

    Raises:
        CalibrationError: One line naming the file, line, field, value and fix.
    """
    text = read_file(path, CalibrationError, "a calibration")
    return calibration_from_text(text, str(path), base=Path(path).parent)


def calibration_from_text(text: str, origin: str, base: Path | None = None) -> Calibration:
    """Validate calibration YAML; a relative scenario path is looked up beside the file.

    Raises:
        CalibrationError: One line naming the file, line, field, value and fix.
    """
    what = (
        "a calibration file maps scenario, parameters, targets and the like to values "
        "(docs/calibration.md)"
    )
    cfg, fail = validate(text, origin, CalibrationError, what, CalibrationConfig)
    scenario = referenced_scenario(cfg.scenario, base, fail)
    for path, value in cfg.fixed.items():
        scenario = applied(scenario, path, value, fail, ["fixed", path], label="fixed")
    from scoresim.calibrate.checks import check_names, check_parameters, check_targets

    integer = check_parameters(cfg, scenario, fail)
    check_targets(cfg, scenario, fail)
    check_names(cfg, fail)
    return Calibration(cfg, origin, scenario, frozenset(integer))
