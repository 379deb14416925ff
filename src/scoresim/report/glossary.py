"""What each measure of the report means: a plain-words label and a one-line definition.

The definitions are docs/model.md's (section 8, the outputs, unless another section
is named), shortened to a line; the report shows them on hover (the key results' row
labels and the charts' headings) and lists each once in "What the measures mean".
A measure docs/model.md does not define says where its definition is instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoresim.results.headlines import WINDOW, Headline


@dataclass(frozen=True)
class Term:
    """One measure, in words.

    Attributes:
        key: which measure (``chilling``, ``listed``...), the same for every behaviour.
        name: what the report calls it, e.g. ``chilling of jaywalk``.
        plain: what it is, in plain words.
        means: its definition, in one line.
        source: where the definition is written.
    """

    key: str
    name: str
    plain: str
    means: str
    source: str

    @property
    def hover(self) -> str:
        """The line shown on hover: plain words, then the definition."""
        return f"{self.plain}: {self.means}"


M8 = "docs/model.md, section 8"
# key -> (name, plain words, definition, where defined); {x} is the behaviour, the
# opportunity or the poll the measure is of.
TERMS: dict[str, tuple[str, str, str, str]] = {
    "rate": (
        "daily rate of {x}",
        "the share of people who did {x} that day",
        "share who did the behaviour today (acts per person-day)",
        f"{M8}, rate.<b>",
    ),
    "pressure_free": (
        "pressure-free rate of {x}",
        "what the same people would do with no regime",
        "the mean over the population of each person's probability of doing the "
        "behaviour with no regime, sigmoid(logit0)",
        "docs/model.md, section 4, and run.json's pressure_free",
    ),
    "chilling": (
        "chilling of {x}",
        "how much less people do {x} than they would with no regime",
        f"1 - rate / pressure-free rate (speech and conduct only); here the mean of "
        f"the last {WINDOW} days",
        f"{M8}, chilling.<b>",
    ),
    "vs_pressure_free": (
        "{x} vs pressure-free",
        "how much more (+) or less (-) people do {x} than with no regime",
        "the negative of chilling: rate / pressure-free rate - 1",
        f"{M8} defines chilling.<b>; the sign is the run summary's (scoresim.results.headlines)",
    ),
    "private_dissent": (
        "private dissent",
        "the share who privately oppose the regime",
        "share with stance < 0 (stance: the private attitude to the regime)",
        f"{M8}, private_dissent",
    ),
    "expressed_dissent": (
        "expressed dissent",
        "the share who voiced dissent lately",
        "share who did the dissent behaviour in the last dissent_window days (30 by default)",
        f"{M8}, expressed_dissent",
    ),
    "silent_dissent": (
        "silent dissent",
        "the share who oppose privately and keep quiet",
        "share with stance < 0 who did not do the dissent behaviour in the "
        "last dissent_window days",
        f"{M8}, silent_dissent",
    ),
    "silent_pressure_free": (
        "silent dissent, pressure-free",
        "the silent dissent expected with no regime",
        "the row's mean of [stance < 0] (1 - p0)^min(window, step + 1), "
        "p0 the pressure-free daily probability of dissent",
        f"{M8}, silent_dissent.pressure_free",
    ),
    "falsification": (
        "falsification",
        "the share who hide dissent because of the regime",
        "silent dissent - silent dissent, pressure-free; not clipped",
        f"{M8}, falsification, and section 4",
    ),
    "score": (
        "score",
        "a person's points",
        "starts at scoring.start; each record adds its behaviour's points; a score below "
        "the start recovers towards it",
        "docs/model.md, sections 2 and 6 (score)",
    ),
    "tier": (
        "tier share",
        "the share of people in each score band",
        "share in the tier; a person's tier is the highest whose min the score reaches "
        "(not the list)",
        f"{M8}, tier.<t>, and section 2",
    ),
    "listed": (
        "listed",
        "the share on the list (the blacklist)",
        "share on the list; a listing has its own term and rules, apart from the tiers",
        f"{M8}, listed, and section 6 (score)",
    ),
    "listed_wrongly": (
        "listed wrongly",
        "the share on the list only because of false records",
        "share listed now and not listed in the error-free world (≤ listed)",
        f"{M8}, listed_wrongly",
    ),
    "appeals": (
        "appeals filed",
        "appeals against a wrongful listing",
        "appeals filed (a person newly and wrongly listed appeals with probability appeals.share)",
        f"{M8}, appeals, and section 6 (score)",
    ),
    "appeals_won": (
        "appeals won",
        "appeals that lifted a wrongful listing",
        "appeals won (never more than the appeals filed so far)",
        f"{M8}, appeals_won",
    ),
    "denials": (
        "denials: {x}",
        "people refused {x}",
        "people denied the opportunity (by the list or by their tier), summed over the run",
        f"{M8}, denied.<o>",
    ),
    "ties_cut": (
        "ties cut",
        "ties that neighbours cut after a listing was made public",
        "cumulative; all ties cut",
        f"{M8}, ties_cut",
    ),
    "wealth": (
        "wealth mean (CNY)",
        "the mean money earned since the start",
        "mean of wealth (CNY earned since step 0: income, opportunities granted, perks)",
        f"{M8}, wealth.mean",
    ),
    "disparity": (
        "four-fifths ratio",
        "the worst-off group's rate of a good outcome over the best-off group's",
        "for not being listed at the end and for requests "
        "granted: the lowest group rate over the highest (1 is equal; under 0.8 with "
        "Fisher's p < 0.05 is adverse impact)",
        "docs/audit.md, 'disparate impact' (docs/model.md has none)",
    ),
    "poll_estimate": (
        "poll estimate",
        "what people tell the pollster",
        "on the poll's day: the design's estimate of the share holding the view, "
        "and its 95% interval",
        f"{M8}, poll.<p>.estimate",
    ),
    "poll_truth": (
        "poll truth",
        "what the same people think",
        "the share of the same respondents who hold the view privately",
        f"{M8}, poll.<p>.truth",
    ),
    "bias": (
        "bias by source",
        "why what people say differs from what they think",
        "fear, social desirability, the neutral answer and the design's own error: four "
        "parts that sum to estimate - truth",
        f"{M8}, poll.<p>.bias_*; docs/polls.md",
    ),
    "network": (
        "network sample",
        "a small piece of the network, drawn",
        "the ties among a seeded snowball sample of up to 120 people, started from a "
        "listed person who lost ties",
        f"{M8}, network.parquet",
    ),
    "shamed": (
        "made public",
        "shown on a shaming channel",
        "listed and made public on some shaming channel now",
        "docs/model.md, section 2 (shamed) and section 6 (consequences)",
    ),
}
PLACEHOLDER = {"rate": "<behaviour>", "pressure_free": "<behaviour>", "chilling": "<behaviour>",
               "vs_pressure_free": "<behaviour>", "denials": "<opportunity>"}  # fmt: skip


def term(key: str, x: str = "") -> Term:
    """The measure ``key`` (of behaviour or opportunity ``x``; generic without one)."""
    name, plain, means, source = TERMS[key]
    x = x or PLACEHOLDER.get(key, "")
    return Term(key, name.format(x=x), plain.format(x=x), means, source)


EXACT = {"falsification": "falsification", "silent_dissent": "silent_dissent",
         "silent_dissent.pressure_free": "silent_pressure_free",
         "private_dissent": "private_dissent", "expressed_dissent": "expressed_dissent",
         "listed": "listed", "listed_wrongly": "listed_wrongly", "ties_cut": "ties_cut",
         "wealth.mean": "wealth"}  # fmt: skip


def headline_term(h: Headline) -> Term | None:
    """A key result's measure, from the metrics column it is read from."""
    if h.column in EXACT:
        return term(EXACT[h.column])
    kind, _, x = h.column.partition(".")
    if kind == "chilling":
        return term("chilling" if h.sign > 0 else "vs_pressure_free", x)
    if kind == "denied":
        return term("denials", x)
    return None


def glossary(terms: list[Term]) -> list[Term]:
    """Each measure once (its generic form), in order of first appearance."""
    keys = list(dict.fromkeys(t.key for t in terms))
    return [term(k) for k in keys]
