"""Plug-in code behind a fence: whatever it raises becomes one line naming the plug-in.

A plug-in mechanism is code scoresim runs but did not write. Every call into it (its
class made, its section checked and compiled, its columns, its hook started, the hook's
``act`` and ``measure``) runs inside :func:`fault`, which turns an exception into an
:class:`~scoresim.errors.ExtensionError` naming the plug-in, where it was installed
from, what it was doing and the error (the original is its ``__cause__``). A hook runs
wrapped in a :class:`GuardedHook`, which also checks its columns at the point they are
written: ``measure`` gets only the columns the mechanism declared, and asking for any
other (a core column such as ``population``, or another mechanism's) is refused there.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from scoresim.core.crn import StepDraws
from scoresim.core.network import Network
from scoresim.errors import ExtensionError
from scoresim.society.events import StepEvents
from scoresim.society.hooks import AFTER, StepHook
from scoresim.society.state import CitizenState

MESSAGE_CHARS = 200
"""The longest error message of a plug-in's quoted in a line of scoresim's."""


def describe(exc: BaseException) -> str:
    """``Type: message`` on one line, the message cut to :data:`MESSAGE_CHARS`."""
    message = " ".join(str(exc).split())
    if len(message) > MESSAGE_CHARS:
        message = message[: MESSAGE_CHARS - 3] + "..."
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


@dataclass(frozen=True)
class PluginRef:
    """Who a plug-in is, for messages.

    Attributes:
        name: Its name, the key under ``mechanisms:``.
        source: Where it came from, e.g. ``entry point scoresim_watch:NeighbourhoodWatch
            of scoresim-watch 0.1.0``.
        where: The scenario it serves (a file, or the scenario's name).
        module: The module its class is in (``scoresim_watch``), to find its own lines
            in a traceback.
    """

    name: str
    source: str
    where: str
    module: str = ""

    @property
    def path(self) -> str:
        """Its section's field path, ``mechanisms.<name>``."""
        return f"mechanisms.{self.name}"

    def error(self, what: str) -> ExtensionError:
        """``WHERE: mechanisms.NAME: the plug-in (SOURCE) WHAT`` as an error."""
        return ExtensionError(
            f"{self.where}: {self.path}: the plug-in ({self.source}) {what}", self.path
        )


@contextmanager
def fault(ref: PluginRef, doing: str, expected: tuple[type[Exception], ...] = ()) -> Iterator[None]:
    """Run plug-in code; an exception it raises becomes one line naming the plug-in.

    Args:
        ref: The plug-in.
        doing: What it was doing, for the message (``in step 3, acting after 'observe'``).
        expected: Exceptions the caller handles itself (a section's ValidationError),
            raised as they are.

    Raises:
        ExtensionError: The plug-in raised (the original is the ``__cause__``), or broke
            a rule checked inside the call (raised as it is).
    """
    try:
        yield
    except ExtensionError:
        raise
    except (Exception, SystemExit) as exc:  # anything but a Ctrl-C, which goes through
        if isinstance(exc, expected):
            raise
        at = location(exc, ref.module)
        raise ref.error(
            f"failed {doing}: {describe(exc)}{at}; fix the plug-in or remove its section"
        ) from exc


def _root(module: str) -> Path | None:
    """The file of a top-level module, or the folder of a package; None if not found."""
    top = module.partition(".")[0]
    loaded = sys.modules.get(top)
    file = getattr(loaded, "__file__", None)
    if file is None and top:
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            spec = None
        file = spec.origin if spec is not None else None
    if not file:
        return None
    path = Path(file).resolve()
    return path.parent if path.name == "__init__.py" else path


def location(exc: BaseException, module: str) -> str:
    """`` (at FILE:LINE)``: the deepest line of the plug-in's own code the error passed.

    Empty when no line of the traceback is in the plug-in's module or package.
    """
    root = _root(module) if module else None
    if root is None:
        return ""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = Path(frame.filename).resolve()
        if path == root or root in path.parents:
            return f" (at {path.relative_to(root.parent)}:{frame.lineno})"
    return ""


class OwnColumns(Mapping[str, NDArray[np.float64]]):
    """A hook's ``out``: its own columns' rows, and a one-line refusal for any other."""

    def __init__(self, ref: PluginRef, rows: Mapping[str, NDArray[np.float64]]) -> None:
        self.ref, self.rows = ref, rows

    def __getitem__(self, column: str) -> NDArray[np.float64]:
        """The row of ``column`` if it is one of the plug-in's columns.

        Raises:
            ExtensionError: It is not (naming the plug-in and the column).
        """
        if column not in self.rows:
            own = ", ".join(self.rows) or "it declares none"
            caller = traceback.extract_stack(limit=2)[0]
            at = f" (at {Path(caller.filename).name}:{caller.lineno})"
            raise self.ref.error(
                f"wrote the metrics column {column!r}{at}, which is not one of its columns "
                f"({own}); a plug-in writes only the columns its columns() declares"
            )
        return self.rows[column]

    def __contains__(self, column: object) -> bool:
        return column in self.rows

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


class GuardedHook:
    """A plug-in's hook behind the fence (it is itself a :class:`StepHook`).

    Its ``columns`` are the ones the mechanism declared (and the metrics buffer holds),
    never the hook's own attribute, so the rows the step hands ``measure`` are exactly
    those.
    """

    def __init__(self, hook: StepHook, ref: PluginRef, columns: tuple[str, ...]) -> None:
        """Wrap ``hook``.

        Raises:
            ExtensionError: The hook names no phase it can act after.
        """
        with fault(ref, "giving its hook's phase"):
            after = hook.after
        if after not in AFTER:
            raise ref.error(
                f"acts after {after!r}, which is not a phase a mechanism can act after; "
                f"its hook's 'after' should be one of: {', '.join(AFTER)}"
            )
        self.hook, self.ref = hook, ref
        self.name, self.after, self.columns = ref.name, str(after), columns

    def act(self, state: CitizenState, net: Network, d: StepDraws, ev: StepEvents) -> None:
        """The hook's ``act``, its errors named."""
        with fault(self.ref, f"in step {state.step}, acting after {self.after!r}"):
            self.hook.act(state, net, d, ev)

    def measure(
        self, state: CitizenState, ev: StepEvents, out: Mapping[str, NDArray[np.float64]]
    ) -> None:
        """The hook's ``measure``, given its own columns only."""
        with fault(self.ref, f"in step {state.step}, measuring"):
            self.hook.measure(state, ev, OwnColumns(self.ref, out))
