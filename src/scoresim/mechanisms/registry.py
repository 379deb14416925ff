"""Finding mechanisms by name: the ``scoresim.mechanisms`` entry points, and in-process ones.

A package adds a mechanism with, in its ``pyproject.toml``::

    [project.entry-points."scoresim.mechanisms"]
    neighbourhood_watch = "scoresim_watch:NeighbourhoodWatch"

The entry point's name must be the mechanism's ``name``. :func:`register` adds one in
the running process (for a notebook or a test), taking precedence over an entry point.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from scoresim.errors import ScenarioValueError
from scoresim.mechanisms.base import Mechanism

GROUP = "scoresim.mechanisms"
_registered: dict[str, type[Mechanism]] = {}


def register(mechanism: type[Mechanism]) -> type[Mechanism]:
    """Make ``mechanism`` available by its name in this process (usable as a decorator)."""
    _registered[mechanism.name] = mechanism
    return mechanism


def installed() -> dict[str, type[Mechanism]]:
    """Every mechanism available now, by name: entry points, then registered ones."""
    found: dict[str, type[Mechanism]] = {}
    for ep in entry_points(group=GROUP):
        found[ep.name] = ep.load()
    found.update(_registered)
    return found


def lookup(name: str, origin: str) -> Mechanism:
    """The mechanism called ``name``, ready to use.

    Raises:
        ScenarioValueError: No installed mechanism has that name (the message lists them).
    """
    available = installed()
    if name not in available:
        names = ", ".join(sorted(available)) or "none"
        raise ScenarioValueError(
            f"{origin}: mechanisms.{name}: no such mechanism; installed: {names} (a package "
            f"adds one through the {GROUP!r} entry-point group)",
            f"mechanisms.{name}",
        )
    return available[name]()
