"""The calibration file's fields, as pydantic models (docs/calibration.md, "The file").

Strict like a scenario file's: no unknown field, no coercion, no NaN or infinity.
The checks that span fields are :mod:`scoresim.calibrate.checks`'; reading a file is
:mod:`scoresim.calibrate.spec`'s.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, model_validator

from scoresim import limits
from scoresim.calibrate.statistics import Statistic
from scoresim.experiment.reading import Strict, check_ordered

MAX_SIMULATIONS = 10_000_000


class PriorConfig(Strict):
    """A prior over one scenario field: ``uniform`` or ``log-uniform`` on [low, high]."""

    prior: Literal["uniform", "log-uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> PriorConfig:
        check_ordered(self.low, self.high)
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
    noise: Annotated[int, Field(ge=2, le=1_000)] = 10


class NeuralConfig(Strict):
    """Neural posterior estimation settings (sbi's NPE): how many simulations, which flow."""

    simulations: Annotated[int, Field(ge=50, le=MAX_SIMULATIONS)] = 2000
    estimator: Literal["maf", "nsf"] = "maf"
    draws: Annotated[int, Field(ge=100, le=100_000)] = 1000


class CalibrationConfig(Strict):
    """What a user writes in a calibration file (docs/calibration.md)."""

    scenario: str
    seed: Annotated[int, Field(ge=0, le=limits.SEED_MAX)] = 0
    run: RunConfig = Field(default_factory=RunConfig)
    # null too: a section switched off (``timeline: null``, ``shaming: null``).
    fixed: dict[str, float | int | bool | str | None] = Field(default_factory=dict, max_length=200)
    parameters: Annotated[dict[str, PriorConfig], Field(min_length=1, max_length=50)]
    targets: Annotated[list[TargetConfig], Field(min_length=1, max_length=200)]
    forecasts: Annotated[list[ForecastConfig], Field(max_length=200)] = Field(default_factory=list)
    method: Literal["abc", "neural"] = "abc"
    abc: AbcConfig = Field(default_factory=AbcConfig)
    neural: NeuralConfig = Field(default_factory=NeuralConfig)
