"""Mechanisms as plug-ins: parts of a regime a scenario switches on in ``mechanisms:``.

See :class:`Mechanism` for the protocol and docs/architecture.md for how to write one.
Third-party packages add theirs through the ``scoresim.mechanisms`` entry-point group.
"""

from scoresim.parts.base import Mechanism
from scoresim.parts.registry import installed, register

__all__ = ["Mechanism", "installed", "register"]
