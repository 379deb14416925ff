"""Sweep files: which regime, which parameters vary and how, what is read out.

A sweep file is YAML, read with the safe loader, validated like a scenario: every
mistake is one line naming the file, the line, the field, the value and the fix.
Each varied parameter is a scenario field path (as for ``--set``) mapped to a list
of values (design ``grid``) or a range ``{low: L, high: H}`` (designs ``lhs``,
``sobol``, ``morris``); each value is checked against the scenario, so a sweep that
loads is a sweep whose every run can start.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, model_validator

from scoresim import limits
from scoresim.config.loading import Scenario
from scoresim.errors import SweepError
from scoresim.experiment.reading import (
    Fail,
    Strict,
    check_ordered,
    fingerprint,
    read_file,
    validate,
)
from scoresim.experiment.scenario import applied, referenced_scenario, whole_numbers

MAX_RUNS = 1_000_000
DESIGNS = ("grid", "lhs", "sobol", "morris")
Scalar = float | int | bool | str


class RangeConfig(Strict):
    """A continuous range for a sampled design."""

    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> RangeConfig:
        check_ordered(self.low, self.high)
        return self


class SweepConfig(Strict):
    """What a user writes in a sweep file (see docs/experiments.md)."""

    scenario: str
    agents: Annotated[int, Field(ge=1, le=limits.RUN_AGENTS)] = 20_000
    steps: Annotated[int, Field(ge=1, le=limits.RUN_STEPS)] = 200
    seed: Annotated[int, Field(ge=0, le=limits.SEED_MAX)] = 0
    replicates: Annotated[int, Field(ge=1, le=10_000)] = 1
    common_random_numbers: StrictBool = True
    design: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    samples: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    levels: Annotated[int, Field(ge=2, le=100)] = 4
    parameters: Annotated[dict[str, list[Scalar] | RangeConfig], Field(min_length=1)]
    outputs: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Sweep:
    """A validated sweep.

    Attributes:
        config: The sweep as written, validated.
        origin: The file it came from, for messages.
        scenario: The base scenario, loaded.
        integer: Parameter paths whose scenario field holds whole numbers (sampled
            values are rounded).
    """

    config: SweepConfig
    origin: str
    scenario: Scenario
    integer: frozenset[str]

    @property
    def fingerprint(self) -> str:
        """SHA-256 of what determines the results: the sweep and the resolved scenario."""
        dump = self.config.model_dump(mode="json")
        return fingerprint({"sweep": dump, "scenario": self.scenario.content_hash})


CheckProgress = Callable[[int, int], None]  # (values checked, values in all)


def load_sweep(path: str | Path, progress: CheckProgress | None = None) -> Sweep:
    """Read and validate a sweep file.

    ``progress`` is told how many parameter values have been checked against the
    scenario (each is a full validation, about 0.5 ms: 20 000 values take 10 s).

    Raises:
        SweepError: One line naming the file, line, field, value and fix.
    """
    text = read_file(path, SweepError, "a sweep")
    return sweep_from_text(text, str(path), base=Path(path).parent, progress=progress)


def sweep_from_text(
    text: str, origin: str, base: Path | None = None, progress: CheckProgress | None = None
) -> Sweep:
    """Validate sweep YAML; a relative scenario path is looked up beside the file first.

    Raises:
        SweepError: One line naming the file, line, field, value and fix.
    """
    what = "a sweep file maps scenario, parameters and the like to values (see docs/experiments.md)"
    cfg, fail = validate(text, origin, SweepError, what, SweepConfig)
    scenario = referenced_scenario(cfg.scenario, base, fail)
    _check_design(cfg, fail)
    integer = _check_parameters(cfg, scenario, fail, progress)
    _check_outputs(cfg, scenario, fail)
    return Sweep(cfg, origin, scenario, frozenset(integer))


def _check_design(cfg: SweepConfig, fail: Fail) -> None:
    sampled = cfg.design != "grid"
    if sampled and cfg.samples is None:
        raise fail(["design"], f"{cfg.design} needs samples; add samples: 64")
    if not sampled and cfg.samples is not None:
        raise fail(
            ["samples"],
            "a grid takes every combination; remove samples or use design: lhs, sobol or morris",
        )
    if cfg.design == "sobol" and cfg.samples is not None and cfg.samples & (cfg.samples - 1):
        raise fail(
            ["samples"],
            f"{cfg.samples} is not a power of 2; Sobol sampling needs one, for example 64 or 128",
        )
    for path, spec in cfg.parameters.items():
        if sampled and isinstance(spec, list):
            raise fail(
                ["parameters", path],
                f"a list of values needs design: grid; give "
                f"{cfg.design} a range, {{low: L, high: H}}",
            )
        if not sampled and isinstance(spec, RangeConfig):
            raise fail(
                ["parameters", path],
                "a range needs a sampled design (lhs, sobol, morris); give a grid a list of values",
            )
        if isinstance(spec, list) and not spec:
            raise fail(["parameters", path], "[] has no values; list at least one")
    if sampled and cfg.design in ("sobol", "morris") and not cfg.outputs:
        raise fail(
            ["outputs"],
            f"{cfg.design} is for sensitivity analysis, which needs "
            "outputs; add for example outputs: [falsification]",
        )
    points = _count_points(cfg)
    if points * cfg.replicates > MAX_RUNS:
        raise fail(
            ["replicates"],
            f"the sweep has {points * cfg.replicates:,} runs, more "
            f"than {MAX_RUNS:,}; use fewer values, samples or replicates",
        )


def _count_points(cfg: SweepConfig) -> int:
    d, n = len(cfg.parameters), cfg.samples or 0
    if cfg.design == "grid":
        count = 1
        for spec in cfg.parameters.values():
            count *= len(spec) if isinstance(spec, list) else 1
        return count
    if cfg.design == "sobol":
        return n * (d + 2)
    if cfg.design == "morris":
        return n * (d + 1)
    return n


def _check_parameters(
    cfg: SweepConfig, scenario: Scenario, fail: Fail, progress: CheckProgress | None = None
) -> set[str]:
    """Every value (or both ends of every range) must be accepted by the scenario."""
    integer: set[str] = set()
    total = sum(2 if isinstance(v, RangeConfig) else len(v) for v in cfg.parameters.values())
    checked = 0
    resolved = scenario.config.model_dump(mode="json")
    for path, spec in cfg.parameters.items():
        if isinstance(spec, RangeConfig):
            fix = "; list its values with design: grid"
            if whole_numbers(resolved, path, fail, "a range", fix):
                integer.add(path)
            values: list[Any] = [spec.low, spec.high]
            if path in integer:
                values = [round(v) for v in values]
        else:
            values = list(spec)
        for value in values:
            checked += 1
            if progress is not None and (checked % 250 == 0 or checked == total):
                progress(checked, total)
            applied(scenario, path, value, fail, ["parameters", path])
    return integer


def _check_outputs(cfg: SweepConfig, scenario: Scenario, fail: Fail) -> None:
    from scoresim.engine.compile import compile_scenario

    names = list(compile_scenario(scenario.config).columns)
    for k, name in enumerate(cfg.outputs):
        if name not in names:
            near = difflib.get_close_matches(name, names, n=1)
            hint = f"did you mean {near[0]!r}?" if near else "see the metrics in docs/model.md"
            raise fail(["outputs", k], f"{name!r} is not a metric of {scenario.name}; {hint}")
