"""An experiment file's scenario: the reference to it, its fields, the values tried on it.

A sweep varies scenario fields and a calibration fits them; both name a field by its
dotted path (as ``--set`` does) and check each value against the scenario before a
run starts, with the same one-line messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scoresim.config.loading import Scenario, load_scenario, short
from scoresim.errors import ScoresimError
from scoresim.experiment.reading import Fail


def referenced_scenario(given: str, base: Path | None, fail: Fail) -> Scenario:
    """The file's ``scenario``: a file beside it first, else a built-in name or a path.

    Raises:
        ScoresimError: ``fail``'s, at ``scenario``: it does not load or cannot be looked up.
    """
    try:
        beside = base / given if base is not None else None
        name: str | Path = beside if beside is not None and beside.is_file() else given
        scenario = load_scenario(name)
        followable(scenario)
        return scenario
    except ScoresimError as exc:
        raise fail(["scenario"], f"{given!r} cannot be loaded ({exc})") from None
    except OSError as exc:  # a name the file system refuses to look up (too long, say)
        reason = (exc.strerror or type(exc).__name__).lower()
        raise fail(
            ["scenario"],
            f"{short(given)} cannot be looked up ({reason}); give a built-in regime's name "
            "or the path of a scenario file",
        ) from None


def lookup(resolved: dict[str, Any], path: str) -> Any:
    """The value at the dotted ``path`` of a dumped scenario (None where there is none)."""
    if path.startswith("timeline."):
        from scoresim.config.timeline import get_at

        try:
            return get_at(resolved.get("timeline") or [], path)
        except ValueError:  # no such entry or field
            return None
    node: Any = resolved
    for key in path.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def whole_numbers(resolved: dict[str, Any], path: str, fail: Fail, needs: str, fix: str) -> bool:
    """Whether the field ``path`` of a dumped scenario holds whole numbers.

    Args:
        resolved: The scenario, dumped as JSON.
        path: A parameter's dotted path (under ``parameters`` in the file).
        fail: The file's ``fail``.
        needs: What needs a number, for the message ("a range", "a prior").
        fix: The end of the message, after what the field holds.

    Raises:
        ScoresimError: ``fail``'s: the field does not hold a number.
    """
    current = lookup(resolved, path)
    if path.startswith("timeline.") and path.endswith((".day", ".from", ".to")) and isinstance(current, str):  # fmt: skip
        raise fail(
            ["parameters", path],
            f"{needs} needs a number, and {path} is the date {current}; write the entry's "
            "day as a number of days from day 0 to vary it",
        )
    if isinstance(current, bool) or not isinstance(current, int | float | type(None)):
        raise fail(
            ["parameters", path],
            f"{needs} needs a numeric field, and {path} holds {short(current)}{fix}",
        )
    return isinstance(current, int)


def followable(scenario: Scenario) -> None:
    """Check that a run can follow the scenario's timeline (before any run starts).

    Raises:
        ScenarioValueError: A change a run cannot follow (:func:`scoresim.engine.timeline.check`).
    """
    if scenario.config.timeline:
        from scoresim.engine.timeline import check

        check(scenario)


def applied(
    scenario: Scenario, path: str, value: Any, fail: Fail, steps: list[Any], label: str = "--set"
) -> Scenario:
    """``scenario`` with ``value`` at ``path``, or one line saying why it does not fit.

    Raises:
        ScoresimError: ``fail``'s, at ``steps``: the scenario refuses the value.
    """
    try:
        changed = scenario.with_overrides({path: value}, label=label)
        followable(changed)
        return changed
    except ScoresimError as exc:
        reason = str(exc).split(": ")[-1]
        raise fail(steps, f"{short(value)} does not fit {scenario.name}: {reason}") from None
