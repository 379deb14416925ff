"""Overrides: ``--set PATH=VALUE`` on the command line, ``overrides`` in sweeps and the API.

A path names a leaf of the resolved scenario (defaults filled in), a whole section
(``shaming=null``), or a field of a section the scenario leaves out (so that
``blacklist.term=30`` can switch one on). Items of a list of named mappings (the
polls) are addressed by name: ``polls.rt_list.size``. An unknown path is refused with
the nearest known one; the value is then checked with the scenario, as a file's would
be.
"""

from __future__ import annotations

import copy
import difflib
from types import UnionType
from typing import Any, Protocol, Union, get_args, get_origin

from pydantic import BaseModel

from scoresim.config.models import ScenarioConfig
from scoresim.config.yamltext import LimitError, parse_value
from scoresim.errors import OverlappingOverridesError, OverrideError


class Loaded(Protocol):
    """What overrides need of a loaded scenario (a :class:`~scoresim.config.loading.Scenario`).

    A protocol rather than the class, so that this module imports nothing of
    ``loading``, which imports it.
    """

    @property
    def config(self) -> ScenarioConfig:
        """The validated scenario."""

    @property
    def raw(self) -> dict[str, Any]:
        """The mapping as written."""

    @property
    def origin(self) -> str:
        """Where it came from, for messages."""


def apply_overrides(
    scenario: Loaded, overrides: dict[str, Any], label: str = "--set"
) -> dict[str, Any]:
    """The scenario's raw mapping with ``overrides`` set (not yet validated).

    Raises:
        OverrideError: A path names no field; the message suggests the nearest one.
    """
    resolved = scenario.config.model_dump(mode="json")
    known = known_paths(resolved)
    raw = copy.deepcopy(scenario.raw)
    paths = list(overrides)
    for i, path in enumerate(paths):
        # A section and a field inside it, set together: which wins would be silent.
        j = next((k for k, q in enumerate(paths) if q.startswith(path + ".")), None)
        if j is not None:
            raise OverlappingOverridesError(
                f"{label} {path} and {label} {paths[j]}: the second is a field of the first; "
                f"set one of them (the field inside the section's value, or the field alone)",
                (i + 1, j + 1),
            )
    for path, value in overrides.items():
        if path.startswith("timeline."):  # an entry's day or value, by its name or position
            _set_timeline(raw, path, value, label, scenario.origin)
            continue
        if path not in known:
            near = difflib.get_close_matches(path, sorted(known), n=1, cutoff=0.5)
            hint = (
                f"did you mean {near[0]!r}?"
                if near
                else "`scoresim scenarios show --resolved NAME` prints every field"
            )
            raise OverrideError(f"{label} {path}: no such field in {scenario.origin}; {hint}")
        _set_path(raw, path.split("."), value, resolved)
    return raw


def _set_timeline(raw: dict[str, Any], path: str, value: Any, label: str, origin: str) -> None:
    """Set ``timeline.<entry>.<field>`` in ``raw`` (see :func:`scoresim.config.timeline.set_at`).

    Raises:
        OverrideError: The scenario has no timeline, or no such entry or field.
    """
    from scoresim.config.timeline import set_at

    entries = raw.get("timeline")
    if not isinstance(entries, list) or not entries:
        raise OverrideError(f"{label} {path}: {origin} has no timeline; add one, or set the field itself")  # fmt: skip
    try:
        set_at(entries, path, value)
    except ValueError as exc:
        raise OverrideError(f"{label} {path}: {exc}") from None


def known_paths(resolved: dict[str, Any]) -> set[str]:
    """Every path an override may set in the resolved scenario ``resolved`` (a JSON dump).

    Its leaves, the fields of the optional sections it leaves out, and every section
    (a whole section can be replaced, for example ``--set shaming=null``).
    """
    leaves = set(_leaf_paths(resolved)) | set(_absent_section_paths(ScenarioConfig, resolved))
    leaves |= {"timeline", "start_date"}  # top-level fields that may be unset (None)
    return leaves | {p.rsplit(".", k)[0] for p in leaves for k in range(1, p.count(".") + 1)}


def set_path(raw: dict[str, Any], path: str, value: Any, resolved: dict[str, Any]) -> None:
    """Set the known ``path`` of the mapping ``raw`` to ``value``, in place.

    ``resolved`` is the resolved scenario, from which a defaulted or absent section on
    the way is filled in first.
    """
    _set_path(raw, path.split("."), value, resolved)


def _named(obj: Any) -> bool:
    """Whether ``obj`` is a non-empty list of mappings that each have a ``name``."""
    return (
        isinstance(obj, list)
        and bool(obj)
        and all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in obj)
    )


def _leaf_paths(obj: Any, prefix: str = "") -> list[str]:
    if _named(obj):
        obj = {item["name"]: item for item in obj}
    if isinstance(obj, dict) and obj:
        out: list[str] = []
        for key, val in obj.items():
            out.extend(_leaf_paths(val, f"{prefix}{key}."))
        return out
    return [prefix[:-1]]


def _section_model(annotation: Any) -> type[BaseModel] | None:
    """The model class of a ``Model`` or ``Model | None`` annotation, else ``None``."""
    if get_origin(annotation) in (Union, UnionType):
        candidates: tuple[Any, ...] = get_args(annotation)
    else:
        candidates = (annotation,)
    for arg in candidates:
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _absent_section_paths(
    model: type[BaseModel], resolved: dict[str, Any], prefix: str = ""
) -> list[str]:
    """Paths into optional sections the scenario leaves out (``shaming.ringtone.share``).

    They can be set with ``--set``; the section is then created, and any of its
    required fields left unset are reported as missing.
    """
    out: list[str] = []
    for name, info in model.model_fields.items():
        sub = _section_model(info.annotation)
        if sub is None:
            continue
        value = resolved.get(name)
        if value is None:
            out.extend(f"{prefix}{name}.{p}" for p in _model_paths(sub))
        elif isinstance(value, dict):
            out.extend(_absent_section_paths(sub, value, f"{prefix}{name}."))
    return out


def _model_paths(model: type[BaseModel]) -> list[str]:
    out: list[str] = []
    for name, info in model.model_fields.items():
        sub = _section_model(info.annotation)
        out.extend([f"{name}.{p}" for p in _model_paths(sub)] if sub else [name])
    return out


def _set_path(raw: dict[str, Any], keys: list[str], value: Any, full: dict[str, Any]) -> None:
    node: Any = raw
    ref: Any = full
    for key in keys[:-1]:
        if _named(ref):  # a list item by its name (the path was checked to exist)
            ref = next(i for i in ref if i["name"] == key)
            node = next(i for i in node if i.get("name") == key)
            continue
        ref = ref.get(key) or {}
        if not isinstance(node.get(key), dict | list):
            # Fill a defaulted (or absent) section from the resolved scenario.
            node[key] = copy.deepcopy(ref)
        node = node[key]
    if _named(ref):  # a whole item replaced: polls.rt_list={...}
        at = next(k for k, i in enumerate(node) if i.get("name") == keys[-1])
        node[at] = value
        return
    node[keys[-1]] = value


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``PATH=VALUE`` and read VALUE as YAML (numbers, booleans, lists).

    Raises:
        OverrideError: There is no ``=`` or no path.
    """
    path, sep, value = text.partition("=")
    if not sep or not path.strip():
        raise OverrideError(
            f"--set {text!r}: expected PATH=VALUE; for example "
            "--set sources.street_cameras.coverage=0.9"
        )
    try:
        parsed = parse_value(value, f"--set {path.strip()}")
    except LimitError as exc:
        raise OverrideError(str(exc)) from None
    return path.strip(), parsed
