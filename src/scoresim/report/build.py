"""``scoresim report``: compare runs (or a sweep's design points) in one HTML file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from scoresim.errors import QueryError
from scoresim.report.charts import build_charts
from scoresim.report.data import load_subjects
from scoresim.report.render import page, write_figures


def write_report(folders: list[Path], out: Path, figures: Path | None = None) -> list[Path]:
    """Write the report of ``folders`` to ``out`` (and figures to ``figures``).

    The HTML file is written under a temporary name and renamed when complete.

    Returns:
        The files written: the report, then the figures.

    Raises:
        QueryError: A folder is neither a run folder nor a sweep folder.
    """
    if out.is_dir():
        raise QueryError(
            f"--out {out}: is a folder; give a file name such as {out / 'report.html'}"
        )
    subjects = load_subjects(folders)
    charts = build_charts(subjects)
    summary = []
    for s in subjects:
        info = s.info
        what = (
            f"{info.get('scenario', '?')}, {info.get('agents', 0):,} agents, "
            f"{info.get('steps', 0)} days, seed {info.get('seed', '?')}"
        )
        if s.replicates > 1:
            what += f", mean of {s.replicates} replicates (band: lowest to highest)"
        summary.append((s.label, what))
    notes = [n for s in subjects for n in s.notes]
    text = page("scoresim report: " + ", ".join(s.label for s in subjects), summary, charts, notes)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is for reading
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    written = [out]
    if figures is not None:
        written += write_figures(charts, figures)
    return written
