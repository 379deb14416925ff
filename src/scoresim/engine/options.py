"""The library's arguments, checked as strictly as the command line's, in the same words.

On the command line typer types each option (``--agents 1e5`` is refused there). The
library takes Python values, so it checks them itself: a bool is not a number
(``seed=True`` is not 1), a float is not an integer (``agents=100.0`` is refused), a
NumPy integer is an integer. Ranges are :mod:`scoresim.limits`', with the command
line's messages (docs/robustness.md's table). Every message names the argument, the
value and what it should be, in one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from scoresim import limits
from scoresim.errors import RunOptionError

MAX_AGENTS = limits.RUN_AGENTS
MAX_STEPS = limits.RUN_STEPS


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: object) -> str:
    """``a bool``, ``a float``, ``a str``: what the value is, for a message."""
    if value is None:
        return "None"
    if isinstance(value, bool | np.bool_):
        return "a bool"
    name = type(value).__name__
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def integer(name: str, value: object) -> int:
    """``value`` as an ``int`` if it is an integer (a Python or a NumPy one, not a bool).

    Raises:
        RunOptionError: ``NAME: VALUE is not allowed; it should be an integer, not a float``.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise RunOptionError(
            f"{name}: {_short(value)} is not allowed; it should be an integer, not {_kind(value)}"
        )
    return int(value)


def in_range(name: str, value: object, low: int, high: int, high_text: str) -> int:
    """``value`` as an ``int`` if it is an integer from ``low`` to ``high``.

    Raises:
        RunOptionError: Not an integer, or ``NAME: N is out of range; use LOW to HIGH``.
    """
    number = integer(name, value)
    if not low <= number <= high:
        raise RunOptionError(f"{name}: {number} is out of range; use {low} to {high_text}")
    return number


def check_options(agents: object, steps: object, seed: object) -> tuple[int, int, int]:
    """The run options as ``int``, or :class:`RunOptionError` for a bad one.

    The messages name the option as the library calls it (``agents``), which is also
    the command line's ``--agents`` and the explorer's body field.

    Returns:
        ``(agents, steps, seed)`` as Python ints (a NumPy integer would not go into
        ``run.json``).
    """
    return (
        in_range("agents", agents, 1, MAX_AGENTS, f"{MAX_AGENTS:,}"),
        in_range("steps", steps, 1, MAX_STEPS, f"{MAX_STEPS:,}"),
        in_range("seed", seed, 0, limits.SEED_MAX, "2^63 - 1"),
    )


def function(name: str, value: object, signature: str, optional: bool = False) -> None:
    """Refuse ``value`` unless it can be called (or, if ``optional``, is None).

    Raises:
        RunOptionError: ``progress: 5 is not allowed; it should be a function
            progress(done, total), or None``.
    """
    if callable(value) or (optional and value is None):
        return
    either = ", or None" if optional else ""
    raise RunOptionError(
        f"{name}: {_short(value)} is not allowed; it should be a function {signature}{either}"
    )


def overrides_of(value: object) -> dict[str, Any]:
    """The ``overrides`` argument as a dict of field paths to values.

    Raises:
        RunOptionError: It is not a mapping, or a key is not a field path.
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise RunOptionError(
            f"overrides: {_short(value)} is not allowed; it should be a mapping of field "
            "paths to values, such as {'blacklist.term': 30}"
        )
    for key in value:
        if not isinstance(key, str) or not key:
            raise RunOptionError(
                f"overrides: the key {_short(key)} is not allowed; it should be a field "
                "path such as 'blacklist.term'"
            )
    return dict(value)


def reporters_of(value: object) -> dict[str, Any]:
    """The ``reporters`` argument as a dict of names to functions.

    Raises:
        RunOptionError: It is not a mapping, a name is not a string, or a value cannot
            be called.
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise RunOptionError(
            f"reporters: {_short(value)} is not allowed; it should be a mapping of names "
            "to functions fn(state, events)"
        )
    for name, fn in value.items():
        if not isinstance(name, str) or not name:
            raise RunOptionError(
                f"reporters: the name {_short(name)} is not allowed; it should be a "
                "non-empty string (it becomes a metrics column)"
            )
        function(f"reporters.{name}", fn, "fn(state, events) returning a number")
    return dict(value)
