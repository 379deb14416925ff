"""``scoresim report``: one self-contained HTML file comparing runs, with figures for papers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scoresim.cli.common import out, user_errors


def report(
    folders: Annotated[list[Path], typer.Argument(help="Run folders (or a sweep's --out folder).")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")],
    figures: Annotated[
        Path | None, typer.Option("--figures", help="Also write each figure as PNG and SVG here.")
    ] = None,
) -> None:
    """Compare runs in one HTML file that opens offline (scripts and styles inlined)."""
    from scoresim.report.build import write_report

    with user_errors():
        written = write_report(folders, out_file, figures)
    out.print(f"report written to {written[0]}")
    if figures is not None:
        out.print(f"{len(written) - 1} figure files written to {figures}")
