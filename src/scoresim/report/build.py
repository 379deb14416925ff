"""``scoresim report``: compare runs (or a sweep's design points) in one HTML file."""

from __future__ import annotations

from pathlib import Path

from scoresim.errors import QueryError
from scoresim.report.charts import Chart, build_charts
from scoresim.report.data import Subject, load_subjects
from scoresim.report.glossary import Term, headline_term
from scoresim.report.render import page, write_figures
from scoresim.results import headlines as hl
from scoresim.results import outputs, ownership

OVER = {"tail": f"mean of the last {hl.WINDOW} days", "last": "last day", "sum": "whole run"}


def key_results(subjects: list[Subject]) -> list[tuple[str, list[str]]]:
    """The headlines of every subject, as the run summary prints them.

    Each subject's headlines come from its own scenario (``results.headlines``); a row
    appears once per label, in the order of first appearance, with a dash where a
    subject has no such measure.

    Returns:
        (label, then what the value covers and one printed value per subject) per row.
    """
    rows: dict[str, list[str]] = {}
    for i, s in enumerate(subjects):
        if s.parameters is None:
            continue
        values = hl.values(s.metrics, s.parameters)
        for h in hl.headlines(s.parameters):
            if h.label in values:
                cells = rows.setdefault(h.label, [OVER[h.how]] + ["\u2014"] * len(subjects))
                cells[1 + i] = hl.fmt(h, values[h.label])
    return list(rows.items())


def explained(subjects: list[Subject]) -> dict[str, Term]:
    """Each key result's measure in words, by its row label."""
    out: dict[str, Term] = {}
    for s in subjects:
        for h in hl.headlines(s.parameters or {}):
            t = headline_term(h)
            if t is not None:
                out.setdefault(h.label, t)
    return out


def write_report(
    folders: list[Path],
    out: Path,
    figures: Path | None = None,
    points: list[int] | None = None,
) -> list[Path]:
    """Write the report of ``folders`` to ``out`` (and figures to ``figures``).

    ``points`` chooses a sweep folder's design points (default: the first 8).

    The HTML file is written under a temporary name and renamed when complete.

    Returns:
        The files written: the report, then the figures.

    Raises:
        QueryError: A folder is neither a run folder nor a sweep folder.
    """
    if out.is_dir() and not out.is_symlink():
        raise QueryError(
            f"--out {out}: is a folder; give a file name such as {out / 'report.html'}"
        )
    outputs.check_file(out)
    if figures is not None:
        outputs.check_figures_folder(figures)
    from scoresim.report import calibration

    if len(folders) == 2 and all(calibration.is_calibration(f) for f in folders):
        from scoresim.report import comparison

        summary, charts, notes, tables = comparison.parts(*folders)
        title = f"scoresim report: {folders[0].name} against {folders[1].name}"
        text = page(title, summary, charts, notes, tables=tables)
        return _write(text, out, charts, figures)
    if any(calibration.is_calibration(f) for f in folders):
        if len(folders) > 1:
            raise QueryError(
                "a calibration folder is reported alone, or beside one other calibration "
                "of the same targets (to compare them); give one or two calibration folders"
            )
        summary, charts, notes, tables = calibration.parts(folders[0])
        title = f"scoresim report: calibration {folders[0].name}"
        text = page(title, summary, charts, notes, tables=tables)
        return _write(text, out, charts, figures)
    subjects = load_subjects(folders, points)
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
    if any(s.parameters is None for s in subjects):
        notes.append(
            "Key results: a sweep written before scoresim 0.2.0 does not keep its resolved "
            "scenario, so its points are left out of the table; rerun the sweep to see them."
        )
    key = ([s.label for s in subjects], key_results(subjects))
    title = "scoresim report: " + ", ".join(s.label for s in subjects)
    text = page(title, summary, charts, notes, key, explained=explained(subjects))
    return _write(text, out, charts, figures)


def _write(text: str, out: Path, charts: list[Chart], figures: Path | None) -> list[Path]:
    """Write the page to ``out`` under a temporary name, then the figures."""
    with outputs.claim(out):
        outputs.check_file(out)
        with ownership.staging(out) as tmp:
            tmp.write_text(text, encoding="utf-8")
            outputs.put_in_place(tmp, out)
    written = [out]
    if figures is not None:
        with outputs.claim(figures, "--figures"):
            outputs.check_figures_folder(figures)
            written += write_figures(charts, figures)
    return written
