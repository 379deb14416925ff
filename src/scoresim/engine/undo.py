"""Undoing a step that failed: what a step can change, saved before it and put back.

A step changes the people (every array of the state, its counters, the mechanisms'
traits), which ties stand (``net.active``), the hooks' own state (their arrays, values,
containers and random generators) and the metrics buffer's bookkeeping. It also writes
row ``t`` of the metrics, which needs no saving: a failed step leaves ``buf.rows`` at
``t``, so the row is not read, and the next step writes it again.

:class:`Undo` walks those objects before each step and saves, for every object it
reaches, what can change: the contents of each writable array (copied into buffers
kept from the step before), the attribute bindings of each object, the items of each
dict, list and set, and the state of each random generator. :meth:`Undo.restore` puts
all of it back in place, so arrays keep their identity (views a user holds still follow
the simulation, and hooks that share an array with the state still share it) and a
restored simulation steps on to the same bits as one that never failed.

What the walk does not enter is fixed for the run: the compiled scenario (parameters
are read-only by contract), the keys (they only cache derived numbers), the network's
structure (``indptr``, ``indices``) and the metrics rows themselves. A save costs about
the state's size again in memory and a copy of it (about 1 ms per 100 000 agents), so
a :class:`~scoresim.engine.stepper.Simulation` takes one only when its step runs code
scoresim did not write (reporters, plug-in mechanisms).
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

ATOMS = (str, bytes, int, float, complex, bool, type(None), range, np.generic, np.dtype)
"""Values that cannot change (a binding to one is restored by its owner)."""
OPAQUE = (
    types.ModuleType,
    type,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.CodeType,
)
"""Code and modules: not a step's state, never entered."""
SKIP = ATOMS + OPAQUE


def reachable(roots: Iterable[object]) -> set[int]:
    """The ids of every object reachable from ``roots`` through containers and attributes."""
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, SKIP):
            continue
        seen.add(id(obj))
        stack.extend(_children(obj))
    return seen


def _children(obj: object) -> list[Any]:
    """What ``obj`` holds: a container's items, an object's attribute values."""
    if isinstance(obj, np.ndarray):
        return []
    if isinstance(obj, dict):
        return list(obj.values())
    if isinstance(obj, list | tuple | set | frozenset):
        return list(obj)
    return list(_attributes(obj).values())


def _attributes(obj: object) -> dict[str, Any]:
    """An object's attributes: its ``__dict__`` and its slots."""
    found: dict[str, Any] = dict(getattr(obj, "__dict__", {}))
    for cls in type(obj).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            if slot not in ("__dict__", "__weakref__") and hasattr(obj, slot):
                found[slot] = getattr(obj, slot)
    return found


class Undo:
    """A save of everything reachable from a step's objects, to put back if the step fails.

    Args:
        roots: The objects a step changes (the state, the network, the plan of hooks,
            the metrics buffer).
        fixed: Objects the walk does not enter.
        sealed: Objects the walk enters neither nor anything they hold now; they must
            keep holding it (the compiled scenario, the keys), so that no id of theirs
            is given to a new object.
    """

    def __init__(
        self, roots: Sequence[object], fixed: Iterable[object], sealed: Iterable[object] = ()
    ) -> None:
        self.roots, sealed = tuple(roots), list(sealed)
        self.held = [*fixed, *sealed]  # held, so that their ids stay theirs
        self.fixed_ids = {id(x) for x in self.held} | reachable(sealed)
        self.arrays: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.bindings: list[tuple[object, dict[str, Any]]] = []
        self.dicts: list[tuple[dict[Any, Any], dict[Any, Any]]] = []
        self.lists: list[tuple[list[Any], list[Any]]] = []
        self.sets: list[tuple[set[Any], set[Any]]] = []
        self.generators: list[tuple[np.random.BitGenerator, Any]] = []

    def save(self) -> None:
        """Save what the next step can change."""
        before = self.arrays
        self.arrays = {}
        self.bindings, self.dicts, self.lists, self.sets, self.generators = [], [], [], [], []
        seen = set(self.fixed_ids)
        stack = list(self.roots)
        while stack:
            obj = stack.pop()
            if id(obj) in seen or isinstance(obj, SKIP):
                continue
            seen.add(id(obj))
            if isinstance(obj, np.ndarray):
                if obj.flags.writeable:
                    self.arrays[id(obj)] = (obj, _copy(obj, before.get(id(obj))))
                continue
            if isinstance(obj, np.random.Generator):
                obj = obj.bit_generator
            if isinstance(obj, np.random.BitGenerator):
                self.generators.append((obj, obj.state))
                continue
            if isinstance(obj, dict):
                self.dicts.append((obj, dict(obj)))
            elif isinstance(obj, list):
                self.lists.append((obj, list(obj)))
            elif isinstance(obj, set):
                self.sets.append((obj, set(obj)))
            elif not isinstance(obj, tuple | frozenset):
                self.bindings.append((obj, _attributes(obj)))
            stack.extend(_children(obj))

    def restore(self) -> None:
        """Put back everything :meth:`save` saved, in place."""
        for obj, attributes in self.bindings:
            own = getattr(obj, "__dict__", None)
            if own is not None:
                own.clear()
            for name, value in attributes.items():
                object.__setattr__(obj, name, value)
        for d, items in self.dicts:
            d.clear()
            d.update(items)
        for lst, values in self.lists:
            lst[:] = values
        for st, members in self.sets:
            st.clear()
            st.update(members)
        for live, saved in self.arrays.values():
            np.copyto(live, saved)
        for gen, state in self.generators:
            gen.state = state


def _copy(live: np.ndarray, kept: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """A copy of ``live``, into the buffer kept from the last save when it still fits."""
    if kept is None or kept[0] is not live:
        return live.copy()
    buffer = kept[1]
    if buffer.shape != live.shape or buffer.dtype != live.dtype:
        return live.copy()
    np.copyto(buffer, live)
    return buffer
