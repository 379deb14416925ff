"""Shared pieces of the command line: consoles and the one-line error rule."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console

from scoresim.errors import ScoresimError

FLAG = " "
"""The metavar of a flag that takes no value (typer would print ``<bool>``)."""

Workers = Annotated[
    int | None, typer.Option("--workers", "-w", help="Local worker processes (default: cores).")
]
"""``--workers`` of the commands that run on local workers or Dask (sweep, calibrate)."""
Scheduler = Annotated[
    str | None, typer.Option("--scheduler", help="A running Dask scheduler, tcp://HOST:PORT.")
]
"""``--scheduler`` of the same commands."""
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.", metavar=FLAG)]
"""``--quiet``: no progress bar."""

out = Console()
err = Console(stderr=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a ScoresimError, or a path that cannot be written, into one line and exit 2."""
    try:
        yield
    except ScoresimError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except OSError as exc:  # an output path that cannot be written: the user's to fix
        where = exc.filename or "output"
        reason = (exc.strerror or str(exc)).lower()
        err.print(
            f"error: {where}: {reason}; choose another path or check its permissions",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2) from None
