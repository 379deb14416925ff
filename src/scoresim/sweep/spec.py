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
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, model_validator

from scoresim import limits
from scoresim.config.loading import (
    Scenario,
    _is_type_tag,
    _render_path,
    _short,
    load_scenario,
)
from scoresim.config.yamltext import line_of_steps, not_a_file, parse_yaml, read_text
from scoresim.errors import ScoresimError, SweepError

MAX_RUNS = 1_000_000
DESIGNS = ("grid", "lhs", "sobol", "morris")
Scalar = float | int | bool | str


class RangeConfig(BaseModel):
    """A continuous range for a sampled design."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> RangeConfig:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


class SweepConfig(BaseModel):
    """What a user writes in a sweep file (see docs/experiments.md)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
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
        blob = json.dumps(
            {"sweep": self.config.model_dump(mode="json"), "scenario": self.scenario.content_hash},
            sort_keys=True,
            allow_nan=False,
        ).encode()
        return hashlib.sha256(blob).hexdigest()


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


def read_file(path: str | Path, error: type[ScoresimError], kind: str) -> str:
    """The text of the YAML file ``path`` (``kind``: "a sweep", "a calibration").

    Raises:
        ScoresimError: of class ``error``: not a readable file, or too large.
    """
    file, origin = Path(path), str(path)
    why = not_a_file(file)
    if why is not None:
        raise error(f"{origin}: {why}; give the path to {kind} YAML file")
    try:
        return read_text(file, origin)
    except ScoresimError as exc:
        raise error(str(exc)) from None


def sweep_from_text(
    text: str, origin: str, base: Path | None = None, progress: CheckProgress | None = None
) -> Sweep:
    """Validate sweep YAML; a relative scenario path is looked up beside the file first.

    Raises:
        SweepError: One line naming the file, line, field, value and fix.
    """
    raw, fail = read_mapping(
        text, origin, SweepError, "a sweep file maps scenario, parameters and the like to "
        "values (see docs/experiments.md)",
    )  # fmt: skip
    try:
        cfg = SweepConfig.model_validate(raw)
    except ValidationError as exc:
        raise fail(*explain(exc, raw, SweepConfig)) from None
    scenario = _scenario(cfg.scenario, base, fail)
    _check_design(cfg, fail)
    integer = _check_parameters(cfg, scenario, fail, progress)
    _check_outputs(cfg, scenario, fail)
    return Sweep(cfg, origin, scenario, frozenset(integer))


def read_mapping(
    text: str, origin: str, error: type[ScoresimError], what: str
) -> tuple[dict[str, Any], Callable[[list[Any], str], ScoresimError]]:
    """Parse a YAML file's text as a mapping; return it and its ``fail`` (line and path).

    ``fail(steps, message)`` builds an ``error`` naming the file, the line of the field
    path ``steps`` in the text, the path and the message. Shared by the sweep and
    calibration files.

    Raises:
        ScoresimError: of class ``error``: the YAML does not parse or is not a mapping
            (``what`` says what the file should map).
    """
    try:
        raw = parse_yaml(text, origin)
    except ScoresimError as exc:
        raise error(str(exc)) from None

    def fail(steps: list[Any], message: str) -> ScoresimError:
        line = line_of_steps(text, steps)
        where = f"line {line}: " if line else ""
        return error(f"{origin}: {where}{_render_path(list(steps))}: {message}")

    if not isinstance(raw, dict):
        raise error(f"{origin}: (top level): {type(raw).__name__} is not a mapping; {what}")
    return raw, fail


def explain(exc: ValidationError, raw: Any, model: type[BaseModel]) -> tuple[list[Any], str]:
    """The field path and the message of a file's first validation error, for ``fail``.

    Shared by the sweep and calibration files: a missing field, an unknown one (with
    the nearest name), or a bad value and what is allowed.
    """
    errors = exc.errors()
    # A mapping given for a parameter was meant as a range: report that branch.
    ranged = [e for e in errors if any("Config" in str(p) for p in e["loc"])]
    as_range = ranged and isinstance(_at(raw, ranged[0]["loc"][:2]), dict)
    err = ranged[0] if as_range else errors[0]
    loc = [p for p in err["loc"] if not _is_tag(p)]
    if err["type"] == "extra_forbidden":  # the last part is the key as written, whatever it holds
        loc = [p for p in err["loc"][:-1] if not _is_tag(p)] + [err["loc"][-1]]
    if err["type"] == "missing":
        return loc, "is missing; add it"
    if err["type"] == "extra_forbidden":
        fields = _fields_at(model, loc[:-1])
        near = difflib.get_close_matches(str(loc[-1]), fields, n=1)
        hint = f"did you mean {near[0]!r}?" if near else "remove it"
        return loc, f"unknown field; {hint}"
    msg = err["msg"].replace("Input should be", "it should be").replace("Value error, ", "")
    if loc[:1] == ["parameters"] and len(loc) == 3 and isinstance(err["input"], list | dict):
        msg = "each value is one number, true or false, or text; list them one by one"
    return loc, f"{_short(err['input'])} is not allowed; {msg}"


def _fields_at(model: type[BaseModel], loc: list[Any]) -> list[str]:
    """The field names of the (nested) model that ``loc`` leads to, for a hint."""
    current: Any = model
    for part in loc:
        if not isinstance(part, str) or not hasattr(current, "model_fields"):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return []
        inner = [a for a in getattr(field.annotation, "__args__", ()) if hasattr(a, "model_fields")]
        nested = field.annotation if hasattr(field.annotation, "model_fields") else None
        current = nested or (inner[0] if inner else current)
    return list(getattr(current, "model_fields", {}))


def _at(raw: Any, loc: Any) -> Any:
    for key in loc:
        raw = raw.get(key) if isinstance(raw, dict) else None
    return raw


def _is_tag(part: Any) -> bool:
    """A union member's name pydantic adds to a location (``float``, ``list[...]``)."""
    return _is_type_tag(part)


Fail = Callable[[list[Any], str], ScoresimError]


def _scenario(given: str, base: Path | None, fail: Fail) -> Scenario:
    """The file's ``scenario``: a file beside it first, else a built-in name or a path."""
    try:
        beside = base / given if base is not None else None
        name: str | Path = beside if beside is not None and beside.is_file() else given
        return load_scenario(name)
    except ScoresimError as exc:
        raise fail(["scenario"], f"{given!r} cannot be loaded ({exc})") from None
    except OSError as exc:  # a name the file system refuses to look up (too long, say)
        reason = (exc.strerror or type(exc).__name__).lower()
        raise fail(
            ["scenario"],
            f"{_short(given)} cannot be looked up ({reason}); give a built-in regime's name "
            "or the path of a scenario file",
        ) from None


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
        current = _lookup(resolved, path)
        if isinstance(spec, RangeConfig):
            if isinstance(current, bool) or not isinstance(current, int | float | type(None)):
                raise fail(
                    ["parameters", path],
                    f"a range needs a numeric field, and "
                    f"{path} holds {_short(current)}; list its values with design: grid",
                )
            if isinstance(current, int):
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
            try:
                scenario.with_overrides({path: value})
            except ScoresimError as exc:
                reason = str(exc).split(": ")[-1]
                raise fail(
                    ["parameters", path], f"{_short(value)} does not fit {scenario.name}: {reason}"
                ) from None
    return integer


def _lookup(resolved: dict[str, Any], path: str) -> Any:
    node: Any = resolved
    for key in path.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _check_outputs(cfg: SweepConfig, scenario: Scenario, fail: Fail) -> None:
    from scoresim.engine.compile import compile_scenario

    names = list(compile_scenario(scenario.config).columns)
    for k, name in enumerate(cfg.outputs):
        if name not in names:
            near = difflib.get_close_matches(name, names, n=1)
            hint = f"did you mean {near[0]!r}?" if near else "see the metrics in docs/model.md"
            raise fail(["outputs", k], f"{name!r} is not a metric of {scenario.name}; {hint}")
