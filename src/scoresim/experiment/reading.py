"""Reading an experiment file: its text, its YAML mapping, its model, its one-line errors.

Sweep files and calibration files are read alike: the file is bounded before it is
parsed (size, encoding, YAML depth and aliases, :mod:`scoresim.config.yamltext`),
must be a mapping, and is validated by a strict pydantic model. Every mistake is one
line naming the file, the line, the field path, the value and the fix, built by the
file's ``fail(steps, message)``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from scoresim.config.loading import is_type_tag, render_path, short
from scoresim.config.yamltext import line_of_steps, not_a_file, parse_yaml, read_text
from scoresim.errors import ScoresimError

M = TypeVar("M", bound=BaseModel)
Fail = Callable[[list[Any], str], ScoresimError]
"""``fail(steps, message)``: the error naming the file, the line of ``steps`` and the path."""


class Strict(BaseModel):
    """Forbid unknown fields, coercion and NaN, as scenario files do."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


def check_ordered(low: float, high: float) -> None:
    """Refuse a range whose ends are not in order (a validator's check).

    Raises:
        ValueError: ``low`` is not below ``high``.
    """
    if not low < high:
        raise ValueError(f"low ({low}) must be below high ({high})")


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


def read_mapping(
    text: str, origin: str, error: type[ScoresimError], what: str
) -> tuple[dict[str, Any], Fail]:
    """Parse a YAML file's text as a mapping; return it and its ``fail`` (line and path).

    ``fail(steps, message)`` builds an ``error`` naming the file, the line of the field
    path ``steps`` in the text, the path and the message.

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
        return error(f"{origin}: {where}{render_path(list(steps))}: {message}")

    if not isinstance(raw, dict):
        raise error(f"{origin}: (top level): {type(raw).__name__} is not a mapping; {what}")
    return raw, fail


def validate(
    text: str, origin: str, error: type[ScoresimError], what: str, model: type[M]
) -> tuple[M, Fail]:
    """Parse ``text`` and validate it as ``model``; return it and the file's ``fail``.

    Raises:
        ScoresimError: of class ``error``, in one line: the YAML does not parse, is not
            a mapping, or its first validation error (see :func:`explain`).
    """
    raw, fail = read_mapping(text, origin, error, what)
    try:
        return model.model_validate(raw), fail
    except ValidationError as exc:
        raise fail(*explain(exc, raw, model)) from None


def explain(exc: ValidationError, raw: Any, model: type[BaseModel]) -> tuple[list[Any], str]:
    """The field path and the message of a file's first validation error, for ``fail``.

    A missing field, an unknown one (with the nearest name), or a bad value and what
    is allowed.
    """
    errors = exc.errors()
    # A mapping given for a parameter was meant as a range: report that branch.
    ranged = [e for e in errors if any("Config" in str(p) for p in e["loc"])]
    as_range = ranged and isinstance(_at(raw, ranged[0]["loc"][:2]), dict)
    err = ranged[0] if as_range else errors[0]
    loc = [p for p in err["loc"] if not is_type_tag(p)]
    if err["type"] == "extra_forbidden":  # the last part is the key as written, whatever it holds
        loc = [p for p in err["loc"][:-1] if not is_type_tag(p)] + [err["loc"][-1]]
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
    return loc, f"{short(err['input'])} is not allowed; {msg}"


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


def fingerprint(parts: dict[str, Any]) -> str:
    """SHA-256 of what determines an experiment's results, as sorted, strict JSON."""
    blob = json.dumps(parts, sort_keys=True, allow_nan=False).encode()
    return hashlib.sha256(blob).hexdigest()
