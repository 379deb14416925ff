"""Loading scenarios from built-in names or YAML files, and applying overrides."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from scoresim import limits
from scoresim.config.checks import check_scenario
from scoresim.config.models import ScenarioConfig
from scoresim.config.opinion import InterviewsConfig
from scoresim.config.yamltext import (
    line_of,
    not_a_file,
    parse_yaml,
    read_text,
)
from scoresim.errors import ExtensionError, ScenarioValueError, UnknownScenarioError
from scoresim.parts.guard import fault
from scoresim.parts.registry import lookup, names

_PACKAGE = "scoresim.scenarios"


def builtin_names() -> list[str]:
    """Return the names of the built-in scenarios, sorted."""
    files = resources.files(_PACKAGE).iterdir()
    return sorted(f.name[:-5] for f in files if f.name.endswith(".yaml"))


# The interview model's fields added in 0.4 (issue 27), left out at their defaults.
_INTERVIEWS_OF_0_4 = frozenset(
    (
        "desirability",
        "presence",
        "desirability_women",
        "desirability_per_decade",
        "neutral",
        "refuge",
    )
)
# A poll's fields added in 0.4, with their defaults, left out of each poll at those.
_LATER_POLL_FIELDS: dict[str, Any] = {"neutral": False, "experiment": None, "by": []}
# Fields added after 0.3, by dotted path, with the default under which they leave a
# scenario's hash as it was before they existed. A top-level section added since (a
# built-in part's: approval, polls) needs no entry when its default is None: see
# _SECTIONS_OF_0_3.
_LATER_SECTIONS: dict[str, Any] = {
    "mechanisms": {},
    "interviews": InterviewsConfig().model_dump(mode="json"),
    **{
        f"interviews.{k}": v
        for k, v in InterviewsConfig().model_dump(mode="json").items()
        if k in _INTERVIEWS_OF_0_4
    },
    "scoring.tolerance": {},
    "blacklist.repair_exit": 0.0,
    "blacklist.enforcement": {},
}
# The top-level fields of 0.3: any other top-level section left None (unset) is left
# out of the hash, so adding a built-in part keeps every scenario's hash.
_SECTIONS_OF_0_3 = frozenset(
    ("name", "description", "groups", "network", "behaviours", "dissent_behaviour", "sources",
     "scoring", "blacklist", "opportunities", "rewards", "shaming", "response",
     "stance_drift")
)  # fmt: skip


def _keep_order(resolved: dict[str, Any]) -> None:
    """Write the mappings whose order matters as lists of pairs, which sorting keys keeps.

    The age bands and education levels (lowest first), and a survey experiment's arms
    (filled in order). Only sections added since 0.3 have any.
    """
    people = resolved.get("people")
    if isinstance(people, dict):
        for key in ("age", "education"):
            if isinstance(people.get(key), dict):
                people[key] = [[k, v] for k, v in people[key].items()]
    for poll in resolved.get("polls") or []:
        experiment = poll.get("experiment")
        if isinstance(experiment, dict):
            experiment["arms"] = [[k, v] for k, v in experiment["arms"].items()]


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with the text it came from.

    Attributes:
        config: The validated scenario.
        origin: The file path or ``built-in NAME``, used in messages.
        raw: The mapping as written, with overrides applied.
        overrides: The overrides applied, path to value.
    """

    config: ScenarioConfig
    origin: str
    raw: dict[str, Any]
    overrides: dict[str, Any] = field(default_factory=dict)
    # Set by the loaders, which have run the cross-field checks on ``config`` already.
    _checked: bool = field(default=False, repr=False, compare=False)

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.config.name

    @property
    def content_hash(self) -> str:
        """SHA-256 of the resolved scenario (defaults filled in), as hex.

        A field added after 0.3 (plug-in mechanisms, approval, interviews, polls,
        ``scoring.tolerance``, any later top-level section) counts only when it differs
        from its default, so a scenario without them hashes as it did before they
        existed, and sweeps started then still resume.
        """
        resolved = self.config.model_dump(mode="json")
        for path, default in _LATER_SECTIONS.items():
            *parents, key = path.split(".")
            node: Any = resolved
            for part in parents:
                node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, dict) and node.get(key) == default:
                del node[key]
        for poll in resolved.get("polls") or []:
            for key, default in _LATER_POLL_FIELDS.items():
                if poll.get(key) == default:
                    del poll[key]
        for key in [k for k, v in resolved.items() if v is None and k not in _SECTIONS_OF_0_3]:
            del resolved[key]
        _keep_order(resolved)
        blob = json.dumps(resolved, sort_keys=True, allow_nan=False).encode()
        return hashlib.sha256(blob).hexdigest()

    def __post_init__(self) -> None:
        # No public path builds an unchecked scenario: a Scenario made by hand gets the
        # cross-field checks a file gets (the models checked each field already); the
        # loaders ran them once already.
        if not self._checked:
            check_scenario(self.config, self.origin)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], origin: str = "scenario in code") -> Scenario:
        """A scenario from a mapping, with every check a file gets and the same messages.

        Raises:
            ScenarioValueError: One line naming ``origin``, the field, the value and the fix.
        """
        data = copy.deepcopy(dict(raw))
        return cls(config=parse_scenario(data, origin), origin=origin, raw=data, _checked=True)

    @classmethod
    def from_yaml_text(cls, text: str, origin: str = "scenario text") -> Scenario:
        """A scenario from YAML text, read and checked as a file is (lines included).

        Raises:
            ScenarioSyntaxError: The text is not YAML, or is too deep or too large.
            ScenarioValueError: It is not a valid scenario.
        """
        return scenario_from_text(text, origin)

    def with_overrides(self, overrides: dict[str, Any], label: str = "--set") -> Scenario:
        """Return a copy with ``overrides`` (dotted path to value) applied and revalidated.

        ``label`` is how messages name an override: ``--set`` on the command line,
        ``overrides`` in the explorer's API.

        Raises:
            OverrideError: A path names no field; the message suggests the nearest one.
            ScenarioValueError: A value is not allowed there.
        """
        if not overrides:
            return self
        from scoresim.config.overrides import apply_overrides

        raw = apply_overrides(self, overrides, label)
        merged = {**self.overrides, **overrides}
        origin = f"{self.origin} with {label} {', '.join(overrides)}"
        return Scenario(
            config=parse_scenario(raw, origin),
            origin=self.origin,
            raw=raw,
            overrides=merged,
            _checked=True,
        )


def parse_scenario(raw: Any, origin: str) -> ScenarioConfig:
    """Validate a mapping as a scenario.

    Raises:
        ScenarioValueError: With the field path, the value, and what is allowed.
    """
    if raw is None:
        raise ScenarioValueError(
            f"{origin}: (top level): the file is empty or holds only comments; a scenario "
            "file is a YAML mapping with keys such as name, groups"
        )
    if not isinstance(raw, dict):
        raise ScenarioValueError(
            f"{origin}: (top level): {type(raw).__name__} is not a mapping; "
            "a scenario file is a YAML mapping with keys such as name, groups"
        )
    _check_names(raw, origin)
    try:
        cfg = ScenarioConfig.model_validate(raw)
    except ValidationError as exc:
        raise _field_error(exc, origin, raw) from None
    check_scenario(cfg, origin)
    if cfg.mechanisms:
        cfg = _check_mechanisms(cfg, origin, raw)
    if cfg.timeline:
        from scoresim.config.timeline_checks import check_timeline

        check_timeline(cfg, raw, origin, parse_scenario)
    return cfg


def _field_error(
    exc: ValidationError, origin: str, raw: Any, prefix: tuple[str, ...] = ()
) -> ScenarioValueError:
    """The first error of a validation, as one line naming the field path."""
    err = exc.errors()[0]
    # Union members add their type name to the location; the user wants the field.
    path = render_path([*prefix, *(p for p in err["loc"] if not is_type_tag(p))], raw)
    msg = err["msg"].replace("Input should be", "it should be").removeprefix("Value error, ")
    if err["type"] == "missing":
        return ScenarioValueError(f"{origin}: {path}: is missing; add it", path)
    if err["type"] == "extra_forbidden":
        hint = _mechanism_hint(str(err["loc"][0])) if len(err["loc"]) == 1 and not prefix else ""
        return ScenarioValueError(
            f"{origin}: {path}: unknown field; remove it or check its spelling{hint}", path
        )
    if err["type"] == "string_pattern_mismatch" and not prefix:  # the regime's name
        msg = (
            "use letters, digits, '_', '-' and '.', starting with a letter or digit "
            "(the name becomes a folder name)"
        )
    return ScenarioValueError(
        f"{origin}: {path}: {short(err['input'])} is not allowed; {msg}", path
    )


def _mechanism_hint(name: str) -> str:
    """For an unknown top-level section: where a plug-in mechanism's section goes."""
    available = names()  # no plug-in is imported for a hint
    if name in available:
        return f" ({name!r} is a mechanism: put its section under 'mechanisms:')"
    listed = ", ".join(available) or "none"
    return f" (a plug-in mechanism's section goes under 'mechanisms:'; installed: {listed})"


def _check_mechanisms(cfg: ScenarioConfig, origin: str, raw: Any) -> ScenarioConfig:
    """Validate each ``mechanisms:`` section with its mechanism's model and checks.

    Returns:
        The scenario with each section resolved (its defaults filled in).
    """
    resolved: dict[str, dict[str, Any]] = {}
    models: dict[str, BaseModel] = {}
    for name, section in cfg.mechanisms.items():
        plugin = lookup(name, origin)
        mechanism, ref = plugin.mechanism, plugin.ref
        try:
            with fault(ref, "validating its section", expected=(ValidationError,)):
                model = mechanism.section.model_validate(section)
        except ValidationError as exc:
            raise _field_error(exc, origin, raw, ("mechanisms", name)) from None
        with fault(ref, "checking its section"):
            problems = [
                (str(where), str(message)) for where, message in mechanism.check(model, cfg)
            ]
            dumped = model.model_dump(mode="json")
        for where, message in problems:
            path = f"mechanisms.{name}.{where}"
            raise ScenarioValueError(f"{origin}: {path}: {message}", path)
        resolved[name], models[name] = dumped, model
    checked = cfg.model_copy(update={"mechanisms": resolved})
    checked._sections = models  # validated once: compiling uses them as they are
    return checked


def short(value: Any) -> str:
    """``repr(value)``, cut to 60 characters, for a one-line message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def is_type_tag(part: Any) -> bool:
    """Whether ``part`` of a pydantic error's location names a union member (``float``)."""
    if not isinstance(part, str):
        return False
    return part in {"float", "int", "str", "bool", "list", "dict"} or any(c in part for c in "-[(")


def render_path(parts: list[Any], raw: Any = None) -> str:
    """``a.b[2].c``; a key that is not a plain name is shown quoted, ``a['x y']``.

    With the ``raw`` data the path runs through, a number that is a mapping's key (YAML
    reads ``4:`` as the integer 4) is shown as a key, ``a[4]`` being a list's fifth item.
    """
    out = ""
    node = raw
    for part in parts:
        is_key = isinstance(node, dict)
        node = node.get(part) if is_key else (
            node[part] if isinstance(node, list) and isinstance(part, int) and part < len(node)
            else None
        )  # fmt: skip
        if isinstance(part, int) and is_key:
            out += f"[{str(part)!r}]"
        elif isinstance(part, int):
            out += f"[{part}]"
        elif NAME.fullmatch(str(part)):
            out += f".{part}" if out else str(part)
        else:
            out += f"[{str(part)!r}]"
    return out or "(top level)"


NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_NAME = limits.NAME_CHARS
NAMED_SECTIONS = (
    ("groups",),
    ("behaviours",),
    ("sources",),
    ("opportunities",),
    ("rewards",),
    ("scoring", "tiers"),
)


def _check_names(raw: dict[str, Any], origin: str) -> None:
    """Names of groups, behaviours and the like become column names and paths."""
    for section in NAMED_SECTIONS:
        node: Any = raw
        for key in section:
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        path = ".".join(section)
        for key in node:
            if not isinstance(key, str) or not NAME.fullmatch(key) or len(key) > MAX_NAME:
                raise ScenarioValueError(
                    f"{origin}: {path}: {short(key)} is not a valid name; use up to "
                    f"{MAX_NAME} letters, digits and '_', starting with a letter",
                    path,
                )


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a built-in scenario by name, or a scenario file by path.

    Args:
        name_or_path: A built-in name such as ``"seed"``, or a path to a YAML file.

    Raises:
        UnknownScenarioError: Neither a built-in name nor an existing file.
        ScenarioSyntaxError: The file is not valid YAML.
        ScenarioValueError: The file is not a valid scenario.
    """
    key = str(name_or_path)
    names = builtin_names()
    if key in names:
        text = resources.files(_PACKAGE).joinpath(f"{key}.yaml").read_text(encoding="utf-8")
        origin = f"{key}.yaml"
    else:
        path = Path(key)
        why = not_a_file(path)
        if why == "no such file":
            raise UnknownScenarioError(
                f"{key}: no built-in scenario or file by that name; use one of: "
                f"{', '.join(names)}, or the path to a YAML file"
            )
        if why is not None:
            raise UnknownScenarioError(f"{key}: {why}; give the path to a scenario YAML file")
        origin = str(path)
        text = read_text(path, origin)
    return scenario_from_text(text, origin)


def scenario_from_text(text: str, origin: str) -> Scenario:
    """Parse and validate scenario YAML; errors name the line of the field at fault.

    Raises:
        ScenarioSyntaxError: The text is not valid YAML.
        ScenarioValueError: It is not a valid scenario.
    """
    raw = parse_yaml(text, origin)
    try:
        config = parse_scenario(raw, origin)
    except (ScenarioValueError, ExtensionError) as exc:  # both name a field: add its line
        line = line_of(text, exc.path) if exc.path else None
        prefix = f"{origin}: "
        msg = str(exc)
        if line is None or not msg.startswith(prefix):
            raise
        lined = type(exc)(f"{prefix}line {line}: {msg[len(prefix) :]}", exc.path)
        raise lined from exc.__cause__
    return Scenario(config=config, origin=origin, raw=raw, _checked=True)
