"""The polls' charts: what people say against what they think, and why they differ."""

from __future__ import annotations

from typing import Any

from scoresim.report.chartdata import Chart, Trace
from scoresim.report.data import Subject
from scoresim.report.glossary import term


def said(subjects: list[Subject]) -> Chart | None:
    """What people say (each poll's estimate, 95% interval) against what they think.

    Categories are the polls (by name, then how they were asked) of every subject that
    asked any, a survey experiment's arms each after its poll (whose own bar is then the
    uninformed answers); "thought" is the true private share among the same respondents.
    """
    asked = [(s, [p for p in s.info.get("polls", []) if p.get("asked")]) for s in subjects]
    # (poll, arm or None) -> its label, in order of first appearance
    bars: dict[tuple[str, str | None], str] = {}
    for _, polls in asked:
        for p in polls:
            how = f"{p['name']} ({p['question']}, {p['design']}, {p['mode']})"
            bars.setdefault((p["name"], None), how + (", uninformed" if p.get("arms") else ""))
            for arm in p.get("arms") or []:
                bars.setdefault((p["name"], arm["arm"]), f"{p['name']}, told: {arm['arm']}")
    if not bars:
        return None
    c = Chart("said", "What people say (solid bars, 95% interval) against what they think "
              "(hatched bars)",
              "poll (name, question, design, mode)", "share holding the view", "bars",
              categories=list(bars.values()), share=True,
              terms=[term("poll_estimate"), term("poll_truth")])  # fmt: skip
    nan = float("nan")
    for i, (s, polls) in enumerate(asked):
        rows: dict[tuple[str, str | None], dict[str, Any]] = {}
        for p in polls:
            rows[(p["name"], None)] = p
            rows |= {(p["name"], arm["arm"]): arm for arm in p.get("arms") or []}

        def get(key: str, rows: dict[tuple[str, str | None], dict[str, Any]] = rows) -> list[float]:
            values = [rows.get(bar, {}).get(key) for bar in bars]
            return [nan if v is None else float(v) for v in values]

        c.traces.append(Trace(f"{s.label}: said", [], get("estimate"), i,
                              low=get("low"), high=get("high")))  # fmt: skip
        c.traces.append(Trace(f"{s.label}: thought", [], get("truth"), i, dash=True))
    c.note = (
        "Solid bars: each poll's estimate, its 95% interval drawn as a black whisker. "
        "Hatched bars, in the same colour: the share of the same respondents who hold the "
        "view privately (approval of the scoring system, or support for the government). "
        "A survey experiment's arms follow its poll: what those told each piece of "
        "information said, and thought after it. The next chart splits the gap into its "
        "sources (docs/polls.md)."
    )
    return c


PARTS = (("bias_fear", "fear"), ("bias_desirability", "social desirability"),
         ("bias_neutral", "neutral answer"), ("bias_design", "design"))  # fmt: skip


def why(subjects: list[Subject]) -> Chart:
    """Each asked poll's bias (estimate - truth) split into its four sources, in points."""
    asked = [(s, [p for p in s.info.get("polls", []) if p.get("asked")]) for s in subjects]
    names = list(dict.fromkeys(p["name"] for _, polls in asked for p in polls))
    c = Chart("why", "Why what people say differs from what they think: the bias by source",
              "poll", "bias (percentage points)", "bars", categories=names,
              terms=[term("bias")])  # fmt: skip
    nan = float("nan")
    # A colour per source (the sources are what to tell apart); the runs after the
    # first that asked any poll are drawn light and hatched.
    for j, (s, polls) in enumerate((s, polls) for s, polls in asked if polls):
        by = {p["name"]: p for p in polls}
        for k, (key, label) in enumerate(PARTS):
            values = [by.get(n, {}).get(key) for n in names]
            c.traces.append(Trace(f"{s.label}: {label}", [],
                                  [nan if v is None else 100 * float(v) for v in values], k,
                                  dash=j > 0))  # fmt: skip
    c.note = (
        "Each bar is what one source adds to a poll's estimate over the true share, with the "
        "same respondents and the same draws: fear of a recorded answer, the pull to give "
        "the expected answer, the undecided answering neutral, and the design's own error "
        "(chance, for list and randomized-response designs). They sum to the bias. "
        "docs/polls.md, 'Where the bias comes from'."
    )
    if len([s for s, polls in asked if polls]) > 1:
        c.note += " A colour per source: the first run's bars solid, the others' hatched."
    return c
