"""scoresim's version, in a module of its own.

Modules below the top package read it from here (``from scoresim import __version__``
inside the package would import the whole public API first); ``scoresim.__version__``
and ``scoresim --version`` give the same string, and a test checks that it is the
installed package's version (``pyproject.toml``'s).
"""

from __future__ import annotations

VERSION = "0.3.0"
"""The version of this scoresim (the ``version`` of ``pyproject.toml``)."""
