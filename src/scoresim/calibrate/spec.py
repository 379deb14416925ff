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

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scoresim import limits
from scoresim.calibrate.statistics import Statistic, check_statistic
from scoresim.config.loading import Scenario, _short
from scoresim.errors import CalibrationError, ScoresimError
from scoresim.sweep.spec import _lookup, _scenario, explain, read_file, read_mapping

MAX_SIMULATIONS = 10_000_000
STOPPING = ("generations", "min_epsilon", "max_simulations", "predictive")


class Strict(BaseModel):
    """Forbid unknown fields, coercion and NaN, as scenario files do."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class PriorConfig(Strict):
    """A prior over one scenario field: ``uniform`` or ``log-uniform`` on [low, high]."""

    prior: Literal["uniform", "log-uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> PriorConfig:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.prior == "log-uniform" and self.low <= 0:
            raise ValueError(f"a log-uniform prior needs low > 0, not {self.low}")
        return self

    def to_internal(self, value: float) -> float:
        """The value on the scale the sampler works in (log10 for log-uniform)."""
        return math.log10(value) if self.prior == "log-uniform" else value

    def to_value(self, internal: float) -> float:
        """The scenario value of a sampler's number."""
        return float(10.0**internal) if self.prior == "log-uniform" else internal

    @property
    def bounds(self) -> tuple[float, float]:
        """The prior's support on the sampler's scale."""
        return self.to_internal(self.low), self.to_internal(self.high)

    def quantile(self, q: float) -> float:
        """The prior's q-quantile, as a scenario value."""
        a, b = self.bounds
        return self.to_value(a + q * (b - a))


class RunConfig(Strict):
    """How big each simulation is."""

    agents: Annotated[int, Field(ge=100, le=limits.RUN_AGENTS)] = 5_000
    steps: Annotated[int, Field(ge=1, le=limits.RUN_STEPS)] = 365
    replicates: Annotated[int, Field(ge=1, le=100)] = 1


class TargetConfig(Statistic):
    """An observed statistic: its value, uncertainty, source, and how a run computes it."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=limits.NAME_CHARS)]
    value: float
    sd: Annotated[float, Field(gt=0)]
    source: Annotated[str, Field(min_length=1, max_length=limits.DESCRIPTION_CHARS)]


class ForecastConfig(Statistic):
    """A statistic predicted from the posterior, beyond what the targets cover.

    ``scale`` multiplies it (e.g. a share per adult times the number of adults) and
    ``unit`` names the result; the predictive simulations run as long as the latest
    forecast needs.
    """

    name: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=limits.NAME_CHARS)]
    scale: Annotated[float, Field(gt=0)] = 1.0
    unit: Annotated[str, Field(max_length=limits.NAME_CHARS)] = ""


class AbcConfig(Strict):
    """ABC-SMC settings (pyabc): population size, when to stop, how epsilon falls."""

    population: Annotated[int, Field(ge=10, le=100_000)] = 100
    generations: Annotated[int, Field(ge=1, le=100)] = 6
    min_epsilon: Annotated[float, Field(ge=0)] = 1.0
    quantile: Annotated[float, Field(gt=0, lt=1)] = 0.5
    max_simulations: Annotated[int, Field(ge=10, le=MAX_SIMULATIONS)] = 20_000
    predictive: Annotated[int, Field(ge=0, le=10_000)] = 40


class CalibrationConfig(Strict):
    """What a user writes in a calibration file (docs/calibration.md)."""

    scenario: str
    seed: Annotated[int, Field(ge=0, le=limits.SEED_MAX)] = 0
    run: RunConfig = Field(default_factory=RunConfig)
    fixed: dict[str, float | int | bool | str] = Field(default_factory=dict, max_length=200)
    parameters: Annotated[dict[str, PriorConfig], Field(min_length=1, max_length=50)]
    targets: Annotated[list[TargetConfig], Field(min_length=1, max_length=200)]
    forecasts: Annotated[list[ForecastConfig], Field(max_length=200)] = Field(default_factory=list)
    abc: AbcConfig = Field(default_factory=AbcConfig)


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
        the size of the predictive check are left out: they change no proposal of the
        generations both runs reach, so a calibration can be rerun with more
        generations (it goes on) or fewer (it stops earlier) in its folder.
        """
        dump = self.config.model_dump(mode="json")
        for key in STOPPING:
            dump["abc"].pop(key)
        blob = json.dumps(
            {
                "calibration": dump,
                "scenario": self.scenario.content_hash,
            },
            sort_keys=True,
        ).encode()
        return hashlib.sha256(blob).hexdigest()

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
    raw, fail = read_mapping(
        text, origin, CalibrationError, "a calibration file maps scenario, parameters, "
        "targets and the like to values (docs/calibration.md)",
    )  # fmt: skip
    try:
        cfg = CalibrationConfig.model_validate(raw)
    except ValidationError as exc:
        raise fail(*explain(exc, raw, CalibrationConfig)) from None
    scenario = _scenario(cfg.scenario, base, fail)
    for path, value in cfg.fixed.items():
        try:
            scenario = scenario.with_overrides({path: value}, label="fixed")
        except ScoresimError as exc:
            reason = str(exc).split(": ")[-1]
            raise fail(
                ["fixed", path], f"{_short(value)} does not fit {scenario.name}: {reason}"
            ) from None
    integer = _check_parameters(cfg, scenario, fail)
    _check_targets(cfg, scenario, fail)
    return Calibration(cfg, origin, scenario, frozenset(integer))


def _check_parameters(cfg: CalibrationConfig, scenario: Scenario, fail: Any) -> set[str]:
    """Each path must be a numeric field that accepts both ends of its prior."""
    integer: set[str] = set()
    resolved = scenario.config.model_dump(mode="json")
    for path, prior in cfg.parameters.items():
        current = _lookup(resolved, path)
        if isinstance(current, bool) or not isinstance(current, int | float | type(None)):
            raise fail(
                ["parameters", path],
                f"a prior needs a numeric field, and {path} holds {_short(current)} in "
                f"{scenario.name}; give the path of a rate, a coverage or a response",
            )
        if isinstance(current, int):
            integer.add(path)
        for end in (prior.low, prior.high):
            value: float | int = round(end) if path in integer else end
            try:
                scenario.with_overrides({path: value})
            except ScoresimError as exc:
                reason = str(exc).split(": ")[-1]
                raise fail(
                    ["parameters", path], f"{_short(value)} does not fit {scenario.name}: {reason}"
                ) from None
    return integer


def _check_targets(cfg: CalibrationConfig, scenario: Scenario, fail: Any) -> None:
    """Names unique; every statistic computable from a run of ``run.steps`` steps."""
    from scoresim.engine.compile import compile_scenario

    compiled = compile_scenario(scenario.config)
    seen: set[str] = set()
    for k, target in enumerate(cfg.targets):
        if target.name in seen:
            raise fail(
                ["targets", k, "name"], f"{target.name!r} is used twice; name each target once"
            )
        seen.add(target.name)
        problem = check_statistic(target, compiled, cfg.run.steps)
        if problem is not None:
            where, message = problem
            raise fail(["targets", k, *where], message)
    for k, forecast in enumerate(cfg.forecasts):
        if forecast.name in seen:
            raise fail(["forecasts", k, "name"], f"{forecast.name!r} is used twice; name each once")
        seen.add(forecast.name)
        problem = check_statistic(forecast, compiled, limits.RUN_STEPS)
        if problem is not None:
            where, message = problem
            raise fail(["forecasts", k, *where], message)
