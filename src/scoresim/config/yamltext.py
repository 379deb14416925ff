"""Reading scenario YAML safely, and finding the line a field path was written on.

Scenario files are data, never code: they are parsed with PyYAML's safe loader only
(no Python tags, no object construction) and refused above :data:`MAX_BYTES`, which
is far beyond any real regime (the largest built-in one is about 8 KB) but small
enough that parsing cannot exhaust memory.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from scoresim.errors import ScenarioSyntaxError

MAX_BYTES = 1_000_000

_INDEX = re.compile(r"^(?P<key>[^\[]*)(?P<idx>(\[\d+\])*)$")


def read_text(path: Path, origin: str) -> str:
    """Read a scenario file, refusing files over :data:`MAX_BYTES`.

    Raises:
        ScenarioSyntaxError: The file is too large or is not UTF-8 text.
    """
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ScenarioSyntaxError(
            f"{origin}: {size:,} bytes is larger than a scenario file may be "
            f"({MAX_BYTES:,} bytes); check that this is the right file"
        )
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioSyntaxError(
            f"{origin}: byte {exc.start} is not UTF-8 text; save the file as UTF-8"
        ) from None


def parse_yaml(text: str, origin: str) -> Any:
    """Parse YAML text with the safe loader.

    Raises:
        ScenarioSyntaxError: With the line of the problem where YAML gives one.
    """
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else "?"
        raise ScenarioSyntaxError(
            f"{origin}: line {line}: malformed YAML ({exc.problem}); fix the syntax there"
        ) from None
    except yaml.YAMLError as exc:
        problem = str(exc).splitlines()[0]
        raise ScenarioSyntaxError(f"{origin}: malformed YAML ({problem}); fix the syntax") from None


def _steps(path: str) -> list[str | int]:
    out: list[str | int] = []
    for part in path.split("."):
        m = _INDEX.match(part)
        if m is None:
            out.append(part)
            continue
        if m["key"]:
            out.append(m["key"])
        out.extend(int(i) for i in re.findall(r"\d+", m["idx"]))
    return out


def line_of(text: str, path: str) -> int | None:
    """The 1-based line where the field ``path`` (``a.b[2].c``) is written.

    Where the path goes deeper than the file (a missing field), the line of the
    deepest part that exists is returned; ``None`` if the text does not compose.
    """
    return line_of_steps(text, _steps(path))


def line_of_steps(text: str, steps: list[str | int]) -> int | None:
    """Like :func:`line_of`, with the path given as keys and indices (keys may hold dots)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line = node.start_mark.line + 1
    for step in steps:
        child = None
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            child = next((v for k, v in node.value if getattr(k, "value", None) == step), None)
            key = next((k for k, _ in node.value if getattr(k, "value", None) == step), None)
            if key is not None:
                line = key.start_mark.line + 1
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value)
        ):
            child = node.value[step]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line
