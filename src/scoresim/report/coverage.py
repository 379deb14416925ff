"""The coverage check in a calibration folder's report: its table, its verdict, its figure.

Read from ``coverage.json`` and ``figures/coverage.png`` (written by ``scoresim
calibrate --check-coverage N``), bounded before it is parsed like ``calibration.json``.
docs/calibration.md, "Coverage", defines what is shown.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from scoresim.errors import ResultsError
from scoresim.report.bounded import read_bounded

DOC = "coverage.json"


def damaged(folder: Path, what: str) -> ResultsError:
    """The one-line error for a coverage.json that does not read, with the way out."""
    return ResultsError(
        f"{folder / DOC}: damaged ({what}); rerun scoresim calibrate FILE --out {folder} "
        "--check-coverage N to write it again (the data sets and posteriors are kept)"
    )


def load(folder: Path) -> dict[str, Any] | None:
    """The folder's coverage.json, or None when no coverage check was run there.

    Raises:
        ResultsError: it is too large, too deep, or does not read as a coverage check's.
    """
    path = folder / DOC
    if not path.is_file():
        return None
    doc = read_bounded(path, lambda what: damaged(folder, what))
    if not isinstance(doc.get("coverage"), list):
        raise damaged(folder, "field 'coverage' is missing or not a list")
    return doc


def method_words(doc: dict[str, Any]) -> str:
    """The method and its size, in words."""
    if doc["method"] == "neural":
        n = doc["neural"]
        return f"neural posterior estimation ({n['simulations']:,} simulations, {n['estimator']})"
    a = doc["abc"]
    return f"ABC-SMC (population {a['population']}, up to {a['generations']} generations)"


def verdict_words(doc: dict[str, Any]) -> str:
    """One line: passed or not, on how many data sets."""
    said = (
        "passed: every interval holds the truth as often as it claims"
        if doc["passed"]
        else "did not pass: an interval holds the truth more or less often than it claims"
    )
    left = f", {doc['excluded']} left out (a target missing at their truth)" if doc["excluded"] else ""  # fmt: skip
    if doc.get("outside_prior"):
        left += f", {doc['outside_prior']} more whose posterior lay outside the prior"
        said = "did not pass: some posteriors lay outside the prior" + (
            ""
            if doc["intervals_consistent"]
            else ", and an interval holds the truth more or less often than it claims"
        )
    return f"{said} ({doc['usable']} data sets{left})"


def summary(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """The summary's rows for the coverage check."""
    return [
        ("coverage check", f"{method_words(doc)}: {verdict_words(doc)}"),
        ("coverage cost", f"{doc['simulations']:,} simulations for the posteriors, plus the "
                          f"{doc['datasets']:,} data sets"),
    ]  # fmt: skip


def tables_html(doc: dict[str, Any], folder: Path) -> str:
    """The coverage table, its note and the figure, as HTML."""
    rows = "".join(
        "<tr>"
        + "".join(
            ("<td>" if j in (0, 5) else '<td class="num">') + f"{html.escape(c)}</td>"
            for j, c in enumerate(
                (
                    str(r["parameter"]),
                    f"{r['level']:.0%}",
                    f"{r['inside']} of {r['datasets']}",
                    f"{r['coverage']:.0%}",
                    f"{r['low']:.0%} to {r['high']:.0%}",
                    str(r["verdict"]),
                )
            )
        )
        + "</tr>"
        for r in doc["coverage"]
    )
    head = "".join(f"<th>{h}</th>" for h in ("parameter", "level", "truth inside", "coverage",
                                             "interval", "verdict"))  # fmt: skip
    text = (
        "<h2>Coverage of the posterior's intervals</h2>"
        f"<p>{html.escape(method_words(doc))}: {html.escape(verdict_words(doc))}.</p>"
        f'<table id="coverage"><tr>{head}</tr>{rows}</table>'
        '<p class="note">Each data set draws its truth from the prior, simulates the '
        "targets there, and computes the method's posterior from them. Coverage: the share "
        "of data sets whose truth lies in the posterior's central interval at that level; "
        f"a calibrated method's is the level. Interval: exact binomial, at "
        f"{doc['confidence']:.2%} each so that a calibrated method passes the whole table 95% "
        "of the time. Too narrow: the method claims more certainty than it has. "
        'Definitions: docs/calibration.md, "Coverage".</p>'
    )
    uniform = {str(r["parameter"]): r["uniformity_p"] for r in doc.get("histogram", [])}
    if uniform:
        said = "; ".join(f"{html.escape(k)}: p = {'—' if p is None else format(p, '.2g')}"
                         for k, p in uniform.items())  # fmt: skip
        text += (
            '<p class="note">Are the ranks uniform, as a calibrated method\'s are? '
            f"Chi-square test over the histogram's bins: {said} (a small p says not: the "
            "histograms below show where the truth falls too often).</p>"
        )
    figure = folder / "figures" / "coverage.png"
    if figure.is_file():
        data = base64.b64encode(figure.read_bytes()).decode()
        text += (
            '<img id="coverage-figure" style="max-width: 100%" alt="coverage against the '
            f'nominal level, and the rank histograms" src="data:image/png;base64,{data}">'
        )
    return text
