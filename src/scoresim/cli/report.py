"""``scoresim report``: one self-contained HTML file comparing runs, with figures for papers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scoresim.cli.common import out, user_errors
from scoresim.errors import QueryError
from scoresim.report.data import MAX_POINTS


def parse_points(text: str) -> list[int]:
    """``0-3,7`` as [0, 1, 2, 3, 7]: at most 8 distinct points, in the order given.

    Raises:
        QueryError: Not of that form, or more than 8 points.
    """
    chosen: list[int] = []
    for part in text.split(","):
        lo, sep, hi = part.strip().partition("-")
        if not lo.isdigit() or (sep and not hi.isdigit()):
            raise QueryError(f"--points {text}: {part.strip()!r} is not a point or a range; "
                             "give numbers and ranges such as 0-3,7")  # fmt: skip
        for p in range(int(lo), int(hi if sep else lo) + 1):
            if p not in chosen:
                chosen.append(p)
            if len(chosen) > MAX_POINTS:
                raise QueryError(f"--points {text}: more than {MAX_POINTS} points; a chart "
                                 "stays readable with up to 8")  # fmt: skip
    return chosen


def report(
    folders: Annotated[list[Path], typer.Argument(help="Run folders (or a sweep's --out folder).")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")],
    figures: Annotated[
        Path | None, typer.Option("--figures", help="Also write each figure as PNG and SVG here.")
    ] = None,
    points: Annotated[
        str | None,
        typer.Option(
            "--points", help="A sweep's design points to show, e.g. 0-3,7 (default: first 8)."
        ),
    ] = None,
) -> None:
    """Compare runs in one HTML file that opens offline (scripts and styles inlined)."""
    from scoresim.report.build import write_report

    with user_errors():
        chosen = parse_points(points) if points is not None else None
        written = write_report(folders, out_file, figures, chosen)
    out.print(f"report written to {written[0]}")
    if figures is not None:
        out.print(f"{len(written) - 1} figure files written to {figures}")
