"""Reading a JSON file a folder holds (calibration.json, coverage.json) with its size bounded."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scoresim import limits
from scoresim.errors import ResultsError


def read_bounded(path: Path, damaged: Callable[[str], ResultsError]) -> dict[str, Any]:
    """The JSON object in ``path``, its size and nesting bounded before it is parsed.

    Raises:
        ResultsError: ``damaged(what)``: too large, too deep, unreadable or not an object.
    """
    try:
        size = path.stat().st_size
        if size > limits.RUN_JSON_BYTES:
            raise damaged(f"{size:,} bytes is more than a {path.name} holds")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise damaged(type(exc).__name__) from None
    if limits.json_depth(text) > limits.RUN_JSON_DEPTH:
        raise damaged(f"nested more than {limits.RUN_JSON_DEPTH} levels")
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise damaged(type(exc).__name__) from None
    if not isinstance(doc, dict):
        raise damaged(f"holds a {type(doc).__name__}, not an object")
    return doc
