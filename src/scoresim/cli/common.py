"""Shared pieces of the command line: consoles and the one-line error rule."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from scoresim.errors import ScoresimError

out = Console()
err = Console(stderr=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a ScoresimError into one line on stderr and exit code 2."""
    try:
        yield
    except ScoresimError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
