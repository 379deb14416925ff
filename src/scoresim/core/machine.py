"""The step machine: a step is an ordered tuple of parts, each acting in turn.

The machine knows no part by name and no model: a model (the scored society,
:mod:`scoresim.society`) gives the parts and the context they share, and the machine
runs them in the order given. What a part may read and write is the model's
contract; the machine adds two rules that every model needs:

- a part that starts work on a helper thread records it in the context, and the
  machine waits for it (``settle``) before an error leaves the step, so a caller that
  undoes the step never races with a thread still writing;
- each part's ``record`` (its metric columns) runs after every part has acted, in the
  parts' order, so that columns describe the finished step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

C = TypeVar("C", contravariant=True)


class Part(Protocol[C]):
    """One part of a step.

    Attributes:
        name: the part's name (a mechanism's is its key under ``mechanisms:``).
    """

    name: str

    def act(self, ctx: C) -> None:
        """Do this part's work of the step on the shared context ``ctx``."""

    def record(self, ctx: C) -> None:
        """Write this part's metric columns of the finished step (often nothing)."""


class Context(Protocol):
    """What the machine needs of a step's shared context."""

    def settle(self) -> None:
        """Wait for any work a part left running on a helper thread."""


def advance(parts: Sequence[Part[C]], ctx: C, settle: Context) -> None:
    """Run every part's ``act``, then every part's ``record``, in order.

    Args:
        parts: The step, in the order the model gives.
        ctx: The step's shared context, handed to every part.
        settle: Waits for helper-thread work (usually ``ctx`` itself).

    Raises:
        BaseException: whatever a part raises, after ``settle`` has returned.
    """
    try:
        for part in parts:
            part.act(ctx)
        for part in parts:
            part.record(ctx)
    except BaseException:
        settle.settle()
        raise
