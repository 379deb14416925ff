"""The report of two calibrations of the same targets: which model predicts them better.

The score and its uncertainty are :mod:`scoresim.calibrate.compare`'s (docs/calibration.md,
"Comparing two models"); each model's own report is ``scoresim report FOLDER``.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

from scoresim.report import calibration
from scoresim.report.calibration import Parts


def parts(a: Path, b: Path) -> Parts:
    """The summary and the comparison table of two calibration folders.

    Raises:
        ResultsError: a folder has no results, ran no predictive check, or the two
            have different targets.
    """
    from scoresim.calibrate.compare import compare, folder_scores, same_targets

    names = (a.name, b.name) if a.name != b.name else (str(a), str(b))
    docs = calibration.load(a), calibration.load(b)
    folder = a
    try:
        same_targets(docs[0], docs[1], names)
        scores = folder_scores(a, docs[0])
        folder = b
        scores2 = folder_scores(b, docs[1])
        summary = [
            (name, f"calibration of {doc['scenario']} ({doc['origin']}), {calibration.method_words(doc)}")
            for name, doc in zip(names, docs, strict=True)
        ]  # fmt: skip
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise calibration.damaged(folder, f"{type(exc).__name__}: {str(exc)[:80]}") from None
    c = compare(scores, scores2)
    summary.append(("which predicts the targets better", c.verdict(*names)))
    # The score is of each model as fitted: a fit short of its noise floor says so here too.
    poor = [(name, str(doc["fit"]["warning"])) for name, doc in zip(names, docs, strict=True)
            if isinstance(doc.get("fit"), dict) and doc["fit"].get("warning")]  # fmt: skip
    summary += [(f"{name}: its fit", warning) for name, warning in poor]

    def num(x: float) -> str:
        return "—" if not math.isfinite(x) else f"{x:.3g}"

    head = "".join(f"<th>{html.escape(h)}</th>" for h in
                   ("target", f"elpd, {names[0]}", f"elpd, {names[1]}", "difference"))  # fmt: skip
    rows = "".join(
        f"<tr><td>{html.escape(str(r['target']))}</td><td class=\"num\">{num(r['elpd_a'])}</td>"
        f"<td class=\"num\">{num(r['elpd_b'])}</td><td class=\"num\">{num(r['difference'])}</td></tr>"
        for r in c.table.to_dict("records")
    )  # fmt: skip
    rows += (
        f"<tr><td>all targets</td><td class=\"num\">{num(c.elpd[0])} ± {num(c.se[0])}</td>"
        f"<td class=\"num\">{num(c.elpd[1])} ± {num(c.se[1])}</td>"
        f"<td class=\"num\">{num(c.difference)} ± {num(c.difference_se)}</td></tr>"
    )  # fmt: skip
    text = (
        "<h2>Which model predicts the targets better</h2>"
        f"<p>{html.escape(c.verdict(*names))}.</p>"
        f'<table id="comparison"><tr>{head}</tr>{rows}</table>'
        '<p class="note">elpd: the expected log predictive density of each target, left out '
        "of the posterior by importance sampling over the posterior predictive simulations "
        "(truncated weights), each observation taken to carry its stated sd; higher is "
        "better. The totals' ± is a standard error over the targets; a difference within "
        "two of its standard errors does not tell the models apart. Definitions: "
        'docs/calibration.md, "Comparing two models".</p>'
    )
    if poor:
        text += (
            '<p class="note" id="comparison-caveat">Each model is scored as fitted, and '
            f"{html.escape(' and '.join(name for name, _ in poor))} "
            f"{'does' if len(poor) == 1 else 'do'} not reach {'its' if len(poor) == 1 else 'their'} "
            "noise floor: the difference measures the fits as much as the models.</p>"
        )
    return summary, [], [], text
