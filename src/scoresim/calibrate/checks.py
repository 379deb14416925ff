"""The checks of a calibration file that span fields: parameters, targets, names.

Each check is given the validated file and its ``fail(steps, message)``, which
builds the one-line error naming the file, the line, the field path and the message
(:func:`scoresim.experiment.reading.read_mapping`).
"""

from __future__ import annotations

from typing import Any

from scoresim import limits
from scoresim.calibrate.fields import CalibrationConfig, PriorConfig
from scoresim.calibrate.statistics import check_statistic
from scoresim.config.loading import Scenario, short
from scoresim.errors import ScoresimError
from scoresim.experiment.reading import Fail
from scoresim.experiment.scenario import applied, whole_numbers

RESERVED = (
    "generation",
    "proposal",
    "sampler_values",
    "distance",
    "accepted",
    "weight",
    "seed_entropy",
    "seconds",
    "draw",
    "replicate",
    # the coverage check's table and its per-data-set table (coverage_ranks.csv)
    "dataset",
    "ranks",
    "widths",
    "evaluations",
    "settings",
    "usable",
    "outside_prior",
)
"""The columns of the catalogue's tables and parts that are not a parameter, target or
forecast (``simulations``, ``predictive``, ``noise``, ``particles``)."""

STANDARD_LIMIT = 1e150
"""Largest ``max(|value|, 1) / sd`` of a target: above it standardised errors overflow."""


def check_parameters(cfg: CalibrationConfig, scenario: Scenario, fail: Fail) -> set[str]:
    """Each path must be a numeric field that accepts every value its prior can propose.

    Both ends are tried, then a few values inside (:func:`inside`): a field whose valid
    values are not a whole range (an even number, say) is refused here, in one line,
    rather than by a simulation halfway through the calibration.

    Returns:
        The paths whose field holds whole numbers.
    """
    integer: set[str] = set()
    resolved = scenario.config.model_dump(mode="json")
    for path, prior in cfg.parameters.items():
        fix = f" in {scenario.name}; give the path of a rate, a coverage or a response"
        if whole_numbers(resolved, path, fail, "a prior", fix):
            integer.add(path)
        for end in (prior.low, prior.high):
            value: float | int = round(end) if path in integer else end
            applied(scenario, path, value, fail, ["parameters", path])
        for value in inside(prior, path in integer):
            try:
                scenario.with_overrides({path: value}, label="parameters")
            except ScoresimError as exc:
                reason = str(exc).split(": ")[-1]
                kind = "whole number" if path in integer else "value"
                low, high = (round(prior.low), round(prior.high)) if path in integer else (
                    prior.low, prior.high
                )  # fmt: skip
                raise fail(
                    ["parameters", path],
                    f"the prior accepts both ends but would propose {short(value)}, which "
                    f"does not fit {scenario.name}: {reason}; a prior proposes every {kind} "
                    f"from {short(low)} to {short(high)}, so calibrate only a field that "
                    "takes every such value, and set this one under fixed: (e.g. fixed: "
                    f"{{{path}: {short(low)}}})",
                ) from None
    return integer


def inside(prior: PriorConfig, integer: bool) -> list[float | int]:
    """Values inside the prior that are tried on the scenario when the file is read.

    The midpoint and quartiles on the sampler's scale, and for a field of whole numbers
    (proposals rounded) the neighbours of both rounded ends (which catch a field that
    must be even) and the rounded points.
    """
    points = [prior.quantile(q) for q in (0.25, 0.5, 0.75)]
    if not integer:
        return [p for p in points if prior.low < p < prior.high]
    low, high = round(prior.low), round(prior.high)
    values = {low + 1, high - 1, *(round(p) for p in points)}
    return sorted(v for v in values if low < v < high)


def check_targets(cfg: CalibrationConfig, scenario: Scenario, fail: Fail) -> None:
    """Names unique; standardised errors finite; every statistic computable in a run."""
    from scoresim.engine.compile import compile_scenario

    compiled = compile_scenario(scenario.config)
    seen: set[str] = set()
    for k, target in enumerate(cfg.targets):
        if target.name in seen:
            raise fail(
                ["targets", k, "name"], f"{target.name!r} is used twice; name each target once"
            )
        seen.add(target.name)
        if max(abs(target.value), 1.0) / target.sd > STANDARD_LIMIT:
            raise fail(
                ["targets", k, "sd"],
                f"{target.sd:g} is too small beside value {target.value:g}: standardised "
                "errors (simulated - value) / sd would overflow; state the target in units "
                "where max(|value|, 1) / sd is at most 1e150",
            )
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


def check_names(cfg: CalibrationConfig, fail: Fail) -> None:
    """No parameter, target or forecast name is a catalogue column's or another's, in any case.

    DuckDB tells column names apart without regard to case, and the catalogue's
    tables hold the parameters, the targets and the forecasts side by side with the
    columns in :data:`RESERVED`.
    """
    taken: dict[str, str] = {n.casefold(): f"the catalogue's column {n!r}" for n in RESERVED}
    named: list[tuple[list[Any], str, str]] = [
        (["parameters", p], f"parameter {p!r}", p) for p in cfg.parameters
    ]
    stats = [("target", k, t.name) for k, t in enumerate(cfg.targets)]
    stats += [("forecast", k, f.name) for k, f in enumerate(cfg.forecasts)]
    named += [([f"{kind}s", k, "name"], f"{kind} {name!r}", name) for kind, k, name in stats]
    for steps, label, name in named:
        other = taken.get(name.casefold())
        if other is not None:
            if other.endswith(f"{name!r}"):
                why = f"is taken by {other} (every name is a column of the catalogue)"
            else:
                why = f"differs only in case from {other}, which the catalogue cannot tell apart"
            raise fail(steps, f"{name!r} {why}; rename it")
        taken[name.casefold()] = label
