"""The charts of a run's end state and totals: scores, tiers, denials, wealth, disparities."""

from __future__ import annotations

import numpy as np

from scoresim.report.chartdata import SHARE, Chart, Trace, groups_of, last, tier_order
from scoresim.report.colours import tier_colour
from scoresim.report.data import Subject
from scoresim.report.glossary import term
from scoresim.report.groups import granted, group_counts, not_listed


def scores(subjects: list[Subject]) -> Chart:
    """The score distribution at the end, one line per subject on shared bins."""
    lo = min(float(s.agents["score"].min()) for s in subjects)
    hi = max(float(s.agents["score"].max()) for s in subjects)
    edges = np.linspace(lo, hi + 1, 41)
    c = Chart("scores", "Score distribution at the end", "score (points)",
              f"{SHARE} (per {(hi + 1 - lo) / 40:.3g}-point bin)", "lines", share=True,
              terms=[term("score")])  # fmt: skip
    centres = ((edges[:-1] + edges[1:]) / 2).tolist()
    for i, s in enumerate(subjects):
        counts, _ = np.histogram(s.agents["score"].astype(float), bins=edges)
        c.traces.append(Trace(s.label, centres, (counts / max(counts.sum(), 1)).tolist(), i))
    return c


def tiers(subjects: list[Subject]) -> Chart:
    """The share of each run in each score tier at the end, lowest tier first.

    One bar series per tier, in the tier's own colour (red lowest to blue highest, as
    in the network samples); each bar is labelled with its share, so that a tier of 2%
    can be read beside one of 90%.
    """
    order = tier_order(subjects)
    c = Chart("tiers", "Tier shares at the end (score bands, lowest first)", "run", SHARE,
              "bars", categories=[s.label for s in subjects], share=True,
              values=True, terms=[term("tier")])  # fmt: skip
    for k, tier in enumerate(order):
        # A regime without this tier has no bar (NaN), not a bar at 0.
        heights = [float(last(s).get(f"tier.{tier}", float("nan"))) for s in subjects]
        end = " (lowest)" if k == 0 else " (highest)" if k == len(order) - 1 else ""
        c.traces.append(Trace(f"tier {tier}{end}", [], heights, k,
                              ink=tier_colour(k, len(order))))  # fmt: skip
    c.note = (
        "A tier is a band of the score (docs/model.md, section 2); the list is not a tier: "
        "being listed has its own term and rules (see the listed chart), and a listed "
        "person can be in any tier."
    )
    return c


def denials(subjects: list[Subject]) -> Chart:
    """People denied each opportunity, summed over the run."""
    # Every opportunity of every subject: regimes of one's own may name theirs differently.
    cols = list(dict.fromkeys(str(c) for s in subjects for c in s.metrics.columns
                              if str(c).startswith("denied.")))  # fmt: skip
    c = Chart("denials", "Opportunities denied, by opportunity (total over the run)",
              "opportunity", "people denied (count over the run)", "bars",
              categories=[x.removeprefix("denied.") for x in cols], terms=[term("denials")])  # fmt: skip
    for i, s in enumerate(subjects):
        rows = s.metrics[s.metrics["group"].astype(str) == "all"]
        nan = float("nan")  # a regime without the opportunity: no bar
        c.traces.append(Trace(s.label, [], [float(rows[x].sum()) if x in rows else nan
                                            for x in cols], i))  # fmt: skip
    return c


def wealth(subjects: list[Subject]) -> Chart:
    """Mean wealth of each group at the end."""
    groups = groups_of(subjects[0])
    c = Chart("wealth", "Mean wealth by group at the end", "group",
              "mean wealth (CNY)", "bars", categories=groups, terms=[term("wealth")])  # fmt: skip
    for i, s in enumerate(subjects):
        c.traces.append(Trace(s.label, [], [float(last(s, g)["wealth.mean"]) for g in groups], i))
    return c


def disparities(subjects: list[Subject]) -> Chart:
    """Lowest group's favourable rate over the highest's, not listed and granted (1 = equal).

    A bar is drawn only where at least two groups had the outcome to compare (a regime
    without a list or without requests has no bar, not a bar at 1); the note gives
    each ratio with its Fisher p-value, since the audit flags only p < 0.05.
    """
    c = Chart("disparities", "Group disparities: four-fifths rule on favourable outcomes",
              "favourable outcome", "lowest group's rate / highest's (1 = equal)", "bars", categories=["not listed", "requests granted"], threshold=0.8,
              terms=[term("disparity")])  # fmt: skip
    notes = []
    for i, s in enumerate(subjects):
        counts = group_counts(s.metrics, groups_of(s))
        ratios: list[float] = []
        said = []
        for label, d, events in (
            ("not listed", not_listed(counts), sum(counts.listed.values())),
            ("requests granted", granted(counts), sum(counts.denied.values())),
        ):
            if not d.low or events == 0:  # nothing to compare: no bar
                ratios.append(float("nan"))
                said.append(f"{label}: none {'listed' if label == 'not listed' else 'denied'}")
            else:
                ratios.append(d.ratio)
                said.append(f"{label} {d.ratio:.3f} (p = {d.p_value:.2g})")
        c.traces.append(Trace(s.label, [], ratios, i))
        notes.append(f"{s.label}: " + ", ".join(said))
    c.note = (
        "; ".join(notes) + ". A group pair counts as adverse impact only with a ratio under "
        "0.8 and Fisher's p < 0.05 (the audit's rule)."
    )
    return c
