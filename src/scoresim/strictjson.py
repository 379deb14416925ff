"""Strict JSON out: what scoresim writes as JSON parses with any JSON parser.

Python's ``json`` writes ``NaN`` and ``Infinity``, which are not JSON (RFC 8259).
Every JSON scoresim writes goes through ``json.dumps(..., allow_nan=False)``, so a
non-finite number is an error at the writer, never a file no one else can read.
Where a figure may legitimately be missing (a median with no simulation to take it
from, a noise floor that could not be measured), :func:`dumps` with
``missing_as_null`` writes it as ``null``.
"""

from __future__ import annotations

import json
import math
from typing import Any


def finite_or_null(value: Any) -> Any:
    """``value`` with every float that is NaN or infinite replaced by None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_or_null(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_null(v) for v in value]
    return value


def dumps(value: Any, *, missing_as_null: bool = False, **options: Any) -> str:
    """``json.dumps(value, allow_nan=False, **options)``; non-finite floats as null if asked.

    Raises:
        ValueError: ``value`` holds a non-finite float and ``missing_as_null`` is False.
    """
    data = finite_or_null(value) if missing_as_null else value
    return json.dumps(data, allow_nan=False, **options)
