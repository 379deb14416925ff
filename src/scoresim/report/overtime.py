"""The charts of measures over time: behaviour rates, dissent, falsification, the list, appeals."""

from __future__ import annotations

import numpy as np

from scoresim.report.chartdata import DAYS, SHARE, Chart, Trace, line
from scoresim.report.data import Subject
from scoresim.report.glossary import term

WARM_UP = (
    "Expressed dissent counts people who voiced it within the dissent window (30 days by "
    "default), so it starts at zero: read the first window as a warm-up."
)
SHARED_INK = "#444444"  # a line several subjects share belongs to none of their colours


def drawn_once(traces: list[Trace], what: str, subjects: int, noun: str = "runs") -> list[Trace]:
    """Equal lines of several subjects as one line, in a colour of no subject.

    Runs of one society share, for instance, their pressure-free rates: drawn one per
    run, the lines lie exactly on top of each other and only the last can be seen.

    Args:
        traces: one line per subject (dashed), each named ``"<subject>: <what>"``.
        what: what the lines are, e.g. ``pressure-free``.
        subjects: how many subjects the chart compares.
        noun: what a subject is called in a label (``runs`` or ``points``).

    Returns:
        The lines, each group of equal ones replaced by one named ``"<what> (both runs)"``,
        ``"<what> (all 3 runs)"`` or ``"<what> (a, b)"``.
    """
    groups: dict[tuple[tuple[float, ...], ...], list[Trace]] = {}
    for t in traces:
        groups.setdefault((tuple(t.x), tuple(t.y), tuple(t.low or ()), tuple(t.high or ())),
                          []).append(t)  # fmt: skip
    out = []
    for same in groups.values():
        first = same[0]
        if len(same) == 1:
            out.append(first)
            continue
        if len(same) == subjects:
            whose = f"both {noun}" if subjects == 2 else f"all {subjects} {noun}"
        else:
            whose = ", ".join(t.name.removesuffix(f": {what}") for t in same)
        out.append(Trace(f"{what} ({whose})", first.x, first.y, first.color, first.dash,
                         first.low, first.high, ink=SHARED_INK))  # fmt: skip
    return out


def _noun(subjects: list[Subject]) -> str:
    return "points" if any(s.replicates > 1 for s in subjects) else "runs"


def rates(subjects: list[Subject]) -> list[Chart]:
    """One chart per behaviour: its daily rate against its pressure-free rate."""
    # Every behaviour of every subject, in order of first appearance: regimes of one's
    # own may name theirs differently.
    behaviours = list(dict.fromkeys(
        c.removeprefix("rate.") for s in subjects for c in s.metrics.columns
        if c.startswith("rate.")
    ))  # fmt: skip
    charts = []
    for b in behaviours:
        drawn = any(b in s.info.get("pressure_free", {}) for s in subjects)
        title = f"{b}: daily rate" + (" against its pressure-free rate (dashed)" if drawn else "")
        c = Chart(f"rate-{b}", title, DAYS, "share who did it that day (per person-day)",
                  "lines", share=True, terms=[term("rate", b)])  # fmt: skip
        free: list[Trace] = []
        for i, s in enumerate(subjects):
            if f"rate.{b}" not in s.metrics:
                continue
            c.traces.append(line(s, i, f"rate.{b}", s.label))
            pf = s.info.get("pressure_free", {}).get(b)
            if pf is not None:
                steps = c.traces[-1].x
                free.append(Trace(f"{s.label}: pressure-free", steps, [pf] * len(steps), i, True))
        once = drawn_once(free, "pressure-free", len(c.traces), _noun(subjects))
        c.traces += once
        if drawn:
            c.terms.append(term("pressure_free", b))
            c.note = (
                "Dashed: the pressure-free rate, what the same people would do with no regime "
                "(docs/model.md, section 4)."
            )
            if len(once) < len(free):
                c.note += " Runs of one society share it: it is drawn once for them, in grey."
        charts.append(c)
    return charts


def dissent(subjects: list[Subject]) -> Chart:
    """Expressed against private dissent, over time."""
    c = Chart("dissent", "Expressed (solid) against private (dashed) dissent", DAYS, SHARE,
              "lines", share=True, terms=[term("expressed_dissent"), term("private_dissent")])  # fmt: skip
    private = []
    for i, s in enumerate(subjects):
        c.traces.append(line(s, i, "expressed_dissent", f"{s.label}: expressed"))
        private.append(line(s, i, "private_dissent", f"{s.label}: private", dash=True))
    once = drawn_once(private, "private", len(subjects), _noun(subjects))
    c.traces += once
    c.note = WARM_UP
    if len(once) < len(private):
        c.note += " Runs of one society share their private dissent: drawn once, in grey."
    return c


def falsification(subjects: list[Subject]) -> Chart:
    """Silent dissent beyond its pressure-free level, over time."""
    c = Chart("gap", "Falsification: silent dissenters beyond silence without the regime",
              DAYS, SHARE, "lines", share=True,
              terms=[term(k) for k in ("falsification", "silent_dissent", "silent_pressure_free")])  # fmt: skip
    c.traces = [line(s, i, "falsification", s.label) for i, s in enumerate(subjects)]
    c.note = (
        "Falsification = silent_dissent - silent_dissent.pressure_free: the share of people "
        "who privately dissent, did not voice it within the dissent window, and would have "
        "without the regime (docs/model.md)."
    )
    return c


def listed(subjects: list[Subject]) -> Chart:
    """The listed and the wrongly listed, over time."""
    c = Chart("listed", "Listed (solid) and wrongly listed (dashed)", DAYS, SHARE, "lines",
              share=True, terms=[term("listed"), term("listed_wrongly")])  # fmt: skip
    unlisted = []
    for i, s in enumerate(subjects):
        if no_list(s):  # a flat zero line would say nothing
            unlisted.append(s.label)
            continue
        c.traces.append(line(s, i, "listed", f"{s.label}: listed"))
        c.traces.append(line(s, i, "listed_wrongly", f"{s.label}: wrongly", dash=True))
    if unlisted:
        c.note = f"{', '.join(unlisted)}: this regime has no list."
        if not c.traces:
            c.empty = "No list in " + ("this regime" if len(subjects) == 1 else "these regimes")
    return c


def _moves(s: Subject, prefix: str) -> bool:
    """Whether ``prefix``'s settings may differ from the resolved scenario's in the run.

    A timeline can set them on a day; a sweep point sets its own parameters over the
    sweep's scenario.
    """
    sets = [e.get(k) or {} for e in (s.parameters or {}).get("timeline") or []
            for k in ("set", "ramp")]  # fmt: skip
    swept = s.info.get("parameters") or {} if s.low is not None else {}  # a sweep point's
    paths = [p for d in sets for p in d] + list(swept)
    return any(str(p).startswith(prefix) for p in paths)


def no_list(s: Subject) -> bool:
    """Whether subject ``s``'s regime has no list all through the run."""
    p = s.parameters
    return p is not None and p.get("blacklist") is None and not _moves(s, "blacklist")


def no_appeals(s: Subject) -> str:
    """Why subject ``s`` has no appeal to draw, in words; empty when it has some."""
    rows = s.metrics[s.metrics["group"].astype(str) == "all"]
    if float(rows["appeals"].sum()) > 0:
        return ""
    if no_list(s):
        return "this regime has no list, so no one can appeal"
    bl = (s.parameters or {}).get("blacklist")
    if bl is not None and not _moves(s, "blacklist") and float(bl["appeals"]["share"]) == 0:
        return "this regime has no appeals (blacklist.appeals.share is 0)"
    return "no appeals were filed in this run (an appeal is filed only against a wrongful listing)"


def appeals(subjects: list[Subject]) -> Chart:
    """Appeals filed and won, cumulative; a regime that has no appeals is said, not drawn."""
    c = Chart("appeals", "Appeals filed (solid) and won (dashed), cumulative", DAYS,
              "appeals (cumulative count)", "lines",
              terms=[term("appeals"), term("appeals_won")])  # fmt: skip
    why = {s.label: no_appeals(s) for s in subjects}
    for i, s in enumerate(subjects):
        if why[s.label].startswith("this regime"):  # a flat zero line would say nothing
            continue
        for name, dash in (("appeals", False), ("appeals_won", True)):
            t = line(s, i, name, f"{s.label}: {name.replace('_', ' ')}", dash)
            t.y = np.cumsum(t.y).tolist()
            t.low = t.high = None  # bands of a cumulative sum would not be min and max
            c.traces.append(t)
    if all(why.values()):
        c.empty = "No appeals were filed in " + ("this run" if len(subjects) == 1 else "these runs")
    said = [(label, reason) for label, reason in why.items() if reason]
    if len(subjects) == 1 and said:
        c.note = said[0][1][0].upper() + said[0][1][1:] + "."
    elif said:
        c.note = "; ".join(f"{label}: {reason}" for label, reason in said) + "."
    return c
