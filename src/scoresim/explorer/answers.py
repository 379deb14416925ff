"""The explorer's refusals of a run, worded from what the server knows, never the input.

docs/robustness.md promises that no answer of the explorer echoes what a client sent:
not the regime asked for, not an override's path or value. Each refusal here is built
from the server's own words: the regimes on offer, a field path the scenario has, the
reason a value is refused with the value itself cut out, and the place of a key in
the request. A last check (:func:`_scrub`) falls back to a plain sentence if any run
of a client's text that the regime does not hold itself still shows, whatever form a
future message takes.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping, Sequence
from typing import Any

from scoresim.config.loading import Scenario
from scoresim.config.overrides import apply_overrides
from scoresim.errors import (
    OverlappingOverridesError,
    OverrideError,
    ScenarioValueError,
    ScoresimError,
)

WINDOW = 8
"""A client's text is never shown in this many characters in a row, or more."""

ALLOWED = "is not allowed; "


def unknown_scenario(names: Sequence[str]) -> str:
    """The answer to a regime that is not on offer (its name is not repeated)."""
    return f"scenario: not a regime on offer; use one of: {', '.join(names)}"


def refuse_overrides(sc: Scenario, overrides: Mapping[str, Any], exc: Exception) -> str:
    """Why ``overrides`` cannot be applied to ``sc``, in words the server owns.

    Args:
        sc: the regime the overrides were for.
        overrides: the client's overrides, path to value, in the order sent.
        exc: what :meth:`Scenario.with_overrides` raised.

    Returns:
        One line starting with ``overrides:``: the place of a key that names no field,
        or the field and the reason a value is refused, without the value.
    """
    if isinstance(exc, OverlappingOverridesError):
        first, second = exc.places
        answer = (
            f"overrides: key {first} is a section and key {second} a field inside it; set "
            "one of them (the field inside the section's value, or the field alone)"
        )
    elif isinstance(exc, OverrideError):
        answer = _unknown_key(sc, overrides)
    elif isinstance(exc, ScenarioValueError) and exc.path:
        answer = f"overrides: {exc.path}: {_reason(str(exc), exc.path)}"
    elif isinstance(exc, ScoresimError):
        answer = "overrides: a value is not allowed where it is set"
    else:  # a value of the wrong shape, or a section and one of its fields both set
        answer = (
            "overrides: the values do not fit their fields; set a section or fields "
            "inside it, not both"
        )
    return _scrub(answer, overrides, sc)


def _unknown_key(sc: Scenario, overrides: Mapping[str, Any]) -> str:
    for place, path in enumerate(overrides, start=1):
        try:
            apply_overrides(sc, {path: None}, "overrides")
        except OverrideError:
            return (
                f"overrides: key {place} names no field of {sc.name}; GET /api/scenarios "
                "lists each knob's paths"
            )
    return "overrides: a key names no field of the regime"


def _reason(message: str, path: str) -> str:
    """The reason in a scenario message ``ORIGIN: PATH: VALUE REASON``, without VALUE."""
    rest = message.split(f": {path}: ", 1)[-1]
    if rest.startswith(("is missing", "unknown field")):
        return rest
    if ALLOWED in rest:  # VALUE is not allowed; WHAT IT SHOULD BE
        return "the value " + ALLOWED + rest.rpartition(ALLOWED)[2]
    # VALUE PROBLEM; FIX, where VALUE is a Python literal: cut the shortest one.
    for end, char in enumerate(rest):
        if char != " ":
            continue
        try:
            ast.literal_eval(rest[:end])
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        return rest[end + 1 :]
    return "is not allowed there"


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [t for k, v in value.items() for t in (*_texts(k), *_texts(v))]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _texts(v)]
    return []


def _scrub(answer: str, overrides: Mapping[str, Any], sc: Scenario) -> str:
    """``answer``, unless it shows :data:`WINDOW` characters in a row of a client's value.

    Runs that the regime's own text holds too (a behaviour's name in a list of the
    names allowed, say) are the server's words, not an echo.
    """
    own = json.dumps(sc.config.model_dump(mode="json"), allow_nan=False)
    for text in _texts(list(overrides.values())):
        for i in range(len(text) - WINDOW + 1):
            run = text[i : i + WINDOW]
            if run in answer and run not in own:
                return "overrides: a value is not allowed where it is set"
    return answer
