"""Finding mechanisms by name: the ``scoresim.mechanisms`` entry points, and in-process ones.

A package adds a mechanism with, in its ``pyproject.toml``::

    [project.entry-points."scoresim.mechanisms"]
    neighbourhood_watch = "scoresim_watch:NeighbourhoodWatch"

The entry point's name must be the mechanism's ``name``. :func:`register` adds one in
the running process (for a notebook or a test), taking precedence over an entry point.

Entry points are listed without importing anything, and each is imported only when a
scenario names it: a plug-in that fails to import (or is not a mechanism) is named in
one line by the scenarios that use it, and no other scenario notices it.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from functools import cache
from importlib.metadata import EntryPoint, entry_points

from pydantic import BaseModel

from scoresim.errors import ExtensionError, ScenarioValueError
from scoresim.parts.base import Mechanism
from scoresim.parts.guard import PluginRef, describe, fault, location

GROUP = "scoresim.mechanisms"
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""A mechanism's name: letters, digits and ``_`` (it is a key and a purpose prefix)."""
_registered: dict[str, type[Mechanism]] = {}


@dataclass(frozen=True)
class Plugin:
    """A plug-in mechanism found by name, ready to use.

    Attributes:
        mechanism: An instance of its class.
        ref: Its name, where it came from and the scenario it serves, for messages.
    """

    mechanism: Mechanism
    ref: PluginRef


def contract_problem(obj: object, entry_name: str | None = None) -> str | None:
    """What keeps ``obj`` from being a mechanism, as the end of a sentence; None if nothing.

    Args:
        obj: What an entry point loaded, or what was passed to :func:`register`.
        entry_name: The entry point's name, which must be the mechanism's.
    """
    if not (inspect.isclass(obj) and issubclass(obj, Mechanism)):
        return f"is {_short(obj)}, not a subclass of scoresim.mechanisms.Mechanism"
    name = getattr(obj, "name", None)
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return f"has the name {_short(name)}; give the class a name of letters, digits and '_'"
    if entry_name is not None and name != entry_name:
        return f"is named {name!r} but its entry point {entry_name!r}; the two must be the same"
    section = getattr(obj, "section", None)
    if not (inspect.isclass(section) and issubclass(section, BaseModel)):
        return f"has the section {_short(section)}; give the class a pydantic model as section"
    if inspect.isabstract(obj):
        missing = ", ".join(sorted(getattr(obj, "__abstractmethods__", ())))
        return f"does not define {missing}"
    return None


def register(mechanism: type[Mechanism]) -> type[Mechanism]:
    """Make ``mechanism`` available by its name in this process (usable as a decorator).

    Raises:
        ExtensionError: It is not a complete mechanism class (the message says why).
    """
    problem = contract_problem(mechanism)
    if problem is not None:
        raise ExtensionError(f"register: the argument {problem}")
    _registered[mechanism.name] = mechanism
    return mechanism


@cache
def _entry_points() -> dict[str, tuple[EntryPoint, ...]]:
    """The installed packages' entry points by name, scanned once per process.

    Nothing is imported here. Scanning the installed distributions takes about 2 ms,
    and every scenario with a ``mechanisms:`` section is validated through here (a
    sweep validates one per value).
    """
    found: dict[str, list[EntryPoint]] = {}
    for ep in entry_points(group=GROUP):
        found.setdefault(ep.name, []).append(ep)
    return {name: tuple(eps) for name, eps in found.items()}


@cache
def _load(ep: EntryPoint) -> type[Mechanism] | str:
    """The class an entry point names, or why it cannot be used (imported once)."""
    if not _module(ep):
        return f"has the value {ep.value!r}, which is not of the form module:Class"
    try:
        obj = ep.load()
    except (Exception, SystemExit) as exc:  # importing a package can raise anything
        return f"cannot be imported: {describe(exc)}{location(exc, _module(ep))}"
    problem = contract_problem(obj, ep.name)
    return obj if problem is None else problem


def _module(ep: EntryPoint) -> str:
    """The module an entry point names; empty when its value is not ``module:attribute``."""
    try:
        return ep.module
    # A malformed value: the standard library's parse gives AttributeError, the
    # importlib_metadata backport's (which some environments' entry points come from)
    # ValueError.
    except (AttributeError, ValueError):
        return ""


def _source(ep: EntryPoint) -> str:
    """``entry point MODULE:CLASS of PACKAGE VERSION``."""
    dist = ep.dist
    package = f" of {dist.name} {dist.version}" if dist is not None else ""
    return f"entry point {ep.value}{package}"


def names() -> list[str]:
    """The names of every mechanism installed or registered, sorted; nothing is imported."""
    return sorted({*_entry_points(), *_registered})


def installed() -> dict[str, type[Mechanism]]:
    """Every mechanism that can be used now, by name: entry points, then registered ones.

    A plug-in that fails to import, or is not a mechanism, is left out (a scenario that
    names it gets the reason from :func:`lookup`).
    """
    found: dict[str, type[Mechanism]] = {}
    for name, eps in _entry_points().items():
        loaded = _load(eps[0])
        if len(eps) == 1 and not isinstance(loaded, str):
            found[name] = loaded
    return {**found, **_registered}


def lookup(name: str, origin: str) -> Plugin:
    """The mechanism called ``name``, ready to use, with where it came from.

    Args:
        name: Its name under ``mechanisms:``.
        origin: The scenario that names it (a file, or the scenario's name), for messages.

    Raises:
        ScenarioValueError: No installed mechanism has that name (the message lists them).
        ExtensionError: The plug-in is installed twice, cannot be imported, is not a
            mechanism, or fails when made (the message names it and where it came from).
    """
    path = f"mechanisms.{name}"
    if name in _registered:
        cls = _registered[name]
        source = f"registered in this process: {_qualname(cls)}"
        ref = PluginRef(name, source, origin, cls.__module__)
    else:
        eps = _entry_points().get(name, ())
        if not eps:
            listed = ", ".join(names()) or "none"
            raise ScenarioValueError(
                f"{origin}: {path}: no such mechanism; installed: {listed} (a package "
                f"adds one through the {GROUP!r} entry-point group)",
                path,
            )
        if len(eps) > 1:
            twice = " and ".join(_source(ep) for ep in eps)
            raise ExtensionError(
                f"{origin}: {path}: the plug-in is installed more than once ({twice}); "
                "uninstall all but one of those packages",
                path,
            )
        ref = PluginRef(name, _source(eps[0]), origin, _module(eps[0]))
        loaded = _load(eps[0])
        if isinstance(loaded, str):
            raise ref.error(f"{loaded}; fix or reinstall that package, or remove the section")
        cls = loaded
    with fault(ref, "when its class was made"):
        mechanism = cls()
    return Plugin(mechanism, ref)


def _qualname(obj: object) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', '?')}"


def _short(value: object) -> str:
    """A class or function by its dotted name, a module by its name, anything else by repr."""
    if inspect.isclass(value):
        text = f"the class {_qualname(value)}"
    elif inspect.isroutine(value):
        text = f"the function {_qualname(value)}"
    elif inspect.ismodule(value):
        text = f"the module {value.__name__}"
    else:
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
