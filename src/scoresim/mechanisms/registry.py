"""Finding mechanisms by name: the ``scoresim.mechanisms`` entry points, and in-process ones.

A package adds a mechanism with, in its ``pyproject.toml``::

    [project.entry-points."scoresim.mechanisms"]
    neighbourhood_watch = "scoresim_watch:NeighbourhoodWatch"

The entry point's name must be the mechanism's ``name``. :func:`register` adds one in
the running process (for a notebook or a test), taking precedence over an entry point.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from scoresim.errors import ScenarioValueError
from scoresim.mechanisms.base import Mechanism

GROUP = "scoresim.mechanisms"
_registered: dict[str, type[Mechanism]] = {}


def register(mechanism: type[Mechanism]) -> type[Mechanism]:
    """Make ``mechanism`` available by its name in this process (usable as a decorator)."""
    _registered[mechanism.name] = mechanism
    return mechanism


@cache
def _from_entry_points() -> dict[str, type[Mechanism]]:
    """The installed packages' mechanisms, scanned and loaded once per process.

    Scanning the installed distributions takes about 2 ms, and every scenario with a
    ``mechanisms:`` section is validated through here (a sweep validates one per value).
    """
    return {ep.name: ep.load() for ep in entry_points(group=GROUP)}


def installed() -> dict[str, type[Mechanism]]:
    """Every mechanism available now, by name: entry points, then registered ones."""
    return {**_from_entry_points(), **_registered}


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
