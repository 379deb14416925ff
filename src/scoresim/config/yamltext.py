"""Reading scenario YAML safely, and finding the line a field path was written on.

Scenario and sweep files are data, never code: they are parsed with a loader derived
from PyYAML's safe loader (no Python tags, no object construction) and bounded before
anything recursive runs (docs/robustness.md):

- at most :data:`MAX_BYTES` bytes (the largest built-in regime is about 8 KB);
- at most :data:`MAX_DEPTH` levels of nested mappings and lists, checked on PyYAML's
  event stream, which is iterative, before the recursive composer sees the text;
- at most :data:`MAX_NODES` values, aliases counted as the size of what they repeat,
  so that a few anchors cannot stand for millions of values;
- no key twice in one mapping (YAML would keep the last silently).

Plain scalars are read as YAML 1.2's core schema reads them, not as YAML 1.1: only
``true``/``false`` are booleans (``yes``, ``no``, ``on``, ``off`` stay text), integers
are decimal (``0x1``, ``0o7``, ``1_000`` and ``1:30`` stay text), and nothing becomes a
date. Combined with strict number fields, a typo is named instead of converted.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from scoresim import limits
from scoresim.errors import ScenarioSyntaxError

MAX_BYTES = limits.SCENARIO_BYTES
MAX_DEPTH = limits.YAML_DEPTH
MAX_NODES = limits.YAML_VALUES


class LimitError(ScenarioSyntaxError):
    """YAML text nested too deep or holding too many values."""


class StrictLoader(yaml.SafeLoader):
    """The safe loader with YAML 1.2 core scalars and duplicate keys refused."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """The mapping, refusing a key written twice (with its line)."""
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:  # a mapping or list as a key: refused by the models
                continue
            if duplicate:
                raise ScenarioSyntaxError(
                    f"line {key_node.start_mark.line + 1}: key {_quote(key)} appears twice in "
                    "the same mapping; keep one (YAML would silently keep the last)"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _core_schema(loader: type[yaml.SafeLoader]) -> None:
    """Replace YAML 1.1's implicit types by YAML 1.2's core schema for plain scalars."""
    loader.yaml_implicit_resolvers = {}
    rules = [
        ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        ("tag:yaml.org,2002:int", r"^[-+]?[0-9]+$", "-+0123456789"),
        (
            "tag:yaml.org,2002:float",
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
            "-+0123456789.",
        ),
        ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ]
    for tag, pattern, first in rules:
        loader.add_implicit_resolver(tag, re.compile(pattern), list(first))


_core_schema(StrictLoader)


def _quote(key: Any) -> str:
    text = repr(key)
    return text if len(text) <= 60 else text[:57] + "..."


def check_shape(text: str, origin: str) -> None:
    """Refuse text nested deeper than :data:`MAX_DEPTH` or larger than :data:`MAX_NODES`.

    Walks PyYAML's event stream (no recursion), so that it runs before anything
    recursive does.

    Raises:
        LimitError: With the line where the limit is crossed.
        ScenarioSyntaxError: The text is not YAML.
    """
    depth = nodes = 0
    sizes: dict[str, int] = {}  # anchor -> number of values it stands for
    open_: list[tuple[str | None, int]] = []  # (anchor, nodes when it opened)
    try:
        for event in yaml.parse(text, Loader=StrictLoader):
            line = event.start_mark.line + 1 if event.start_mark else "?"
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                nodes += 1
                if depth > MAX_DEPTH:
                    raise LimitError(
                        f"{origin}: line {line}: nested more than {MAX_DEPTH} levels deep; "
                        "a scenario or sweep needs a handful, so check the brackets"
                    )
                open_.append((event.anchor, nodes))
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                anchor, start = open_.pop()
                if anchor is not None:
                    sizes[anchor] = nodes - start + 1
            elif isinstance(event, yaml.ScalarEvent):
                nodes += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                nodes += sizes.get(event.anchor or "", 1)
            if nodes > MAX_NODES:
                raise LimitError(
                    f"{origin}: line {line}: more than {MAX_NODES:,} values (aliases count "
                    "as what they repeat); check that this is the right file"
                )
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise ScenarioSyntaxError(
            f"{origin}: line {mark.line + 1 if mark else '?'}: malformed YAML ({exc.problem}); "
            "fix the syntax there"
        ) from None
    except yaml.reader.ReaderError as exc:  # a control character such as NUL
        line = text.count("\n", 0, exc.position) + 1
        raise ScenarioSyntaxError(
            f"{origin}: line {line}: character #x{exc.character:04x} is not allowed in YAML; "
            "remove it (is this a text file?)"
        ) from None
    except yaml.YAMLError as exc:
        problem = str(exc).splitlines()[0]
        raise ScenarioSyntaxError(f"{origin}: malformed YAML ({problem}); fix the syntax") from None


_INDEX = re.compile(r"^(?P<key>[^\[]*)(?P<idx>(\[\d+\])*)$")


def not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file (None when it can): missing, a folder, ..."""
    if path.is_file():
        return None
    if not path.exists():
        return "no such file"
    if path.is_dir():
        return "is a folder, not a file"
    return "is not a regular file (a FIFO, device or socket)"


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
    check_shape(text, origin)
    try:
        return yaml.load(text, Loader=StrictLoader)
    except ScenarioSyntaxError as exc:
        raise ScenarioSyntaxError(f"{origin}: {exc}") from None
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
        check_shape(text, "")
        node = yaml.compose(text, Loader=StrictLoader)
    except (yaml.YAMLError, ScenarioSyntaxError):
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


def parse_value(text: str, origin: str) -> Any:
    """Read one ``--set`` value as YAML, within the same limits.

    Text that is not YAML is kept as the string it is.

    Raises:
        LimitError: The value is nested too deep or is too large.
    """
    try:
        check_shape(text, origin)
        return yaml.load(text, Loader=StrictLoader)
    except LimitError:
        raise
    except (yaml.YAMLError, ScenarioSyntaxError):
        return text
