"""The legal half of the audit: a regime's design against EU AI Act Art. 5(1)(c).

Art. 5(1)(c) prohibits evaluating or classifying people over a period of time on
their social behaviour or personal characteristics, where the resulting score leads
to detrimental treatment (i) in social contexts unrelated to where the data was
generated or collected, or (ii) that is unjustified or disproportionate to the
behaviour or its gravity. The Commission's guidelines (4 Feb 2025) read the
conditions as cumulative: the evaluation, its basis, and (i) or (ii). The rules
below decide each condition from what the scenario declares (docs/audit.md):

* evaluation over time: a score built from recorded behaviour (score coupling with
  points on watched behaviours), or a list entered by recorded events and kept for a
  term;
* basis: every behaviour kind counts as social behaviour (the guidelines include
  paying debts);
* (i) context: each detrimental consequence (an opportunity denied by the list or a
  tier, public shaming, points docked for one's ties) has a context, and so does each
  source of the data behind it; a consequence fed by any source of another context,
  or of an undeclared one, is unrelated;
* (ii) proportion: a consequence that a lawful or minor behaviour can trigger is
  disproportionate (under score coupling any penalised act can be the one that takes
  a person across the threshold).

A list with a declared ``legal_basis`` (a court's decision, not a score) is reported
with its findings but not counted as prohibited: Recital 31 leaves lawful evaluations
for a specific purpose untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoresim.config.models import ScenarioConfig

PROHIBITED, PASS, FLAG, NOTE, MET, NOT_MET = (
    "prohibited",
    "pass",
    "flag",
    "note",
    "met",
    "not met",
)
GRAVITY_BY_KIND = {
    "speech": "lawful",
    "consumption": "lawful",
    "prosocial": "lawful",
    "conduct": "minor",
    "financial": "serious",
}
UNDECLARED = "undeclared"


@dataclass(frozen=True)
class Line:
    """One line of the audit.

    Attributes:
        section: ``Art. 5(1)(c)`` or ``measured``.
        check: What is checked.
        finding: What was found, in words.
        verdict: ``prohibited``, ``pass``, ``flag``, ``note``, ``met`` or ``not met``.
    """

    section: str
    check: str
    finding: str
    verdict: str


@dataclass(frozen=True)
class Consequence:
    """A detrimental treatment the regime can impose, and what can trigger it."""

    name: str
    context: str
    triggers: tuple[str, ...]  # behaviours whose records can lead to it
    legal: bool  # imposed by a list with a declared legal basis


def gravity(cfg: ScenarioConfig, behaviour: str) -> str:
    """``lawful``, ``minor`` or ``serious``: declared, or derived from the kind."""
    b = cfg.behaviours[behaviour]
    return b.gravity or GRAVITY_BY_KIND[b.kind]


def watched(cfg: ScenarioConfig) -> dict[str, list[str]]:
    """Behaviour to the sources that record it."""
    out: dict[str, list[str]] = {}
    for name, source in cfg.sources.items():
        for b in source.behaviours:
            out.setdefault(b, []).append(name)
    return out


def evaluated(cfg: ScenarioConfig) -> tuple[str, ...]:
    """Behaviours whose records feed the score or the list."""
    seen = watched(cfg)
    if cfg.scoring.coupling == "list":
        events = cfg.blacklist.entry_events if cfg.blacklist else []
        return tuple(b for b in events if b in seen)
    return tuple(b for b, p in cfg.scoring.points.items() if p != 0 and b in seen)


def consequences(cfg: ScenarioConfig) -> list[Consequence]:
    """Every detrimental treatment the regime can impose."""
    feeds = evaluated(cfg)
    scored = tuple(b for b in feeds if cfg.scoring.points.get(b, 0) < 0) or feeds
    bl = cfg.blacklist
    legal = bl is not None and bl.legal_basis is not None
    out: list[Consequence] = []

    def context(opportunity: str) -> str:
        return cfg.opportunities[opportunity].context or UNDECLARED

    if bl is not None:
        for o in bl.denies:
            out.append(Consequence(f"{o} denied to the listed", context(o), scored, legal))
    if cfg.scoring.coupling == "score":
        for tname, tier in cfg.scoring.tiers.items():
            for o in tier.denies:
                out.append(Consequence(f"{o} denied in tier {tname}", context(o), scored, False))
    sh = cfg.shaming
    if bl is not None and sh is not None:
        channels = [
            name
            for name, ch, share in (
                ("screens", sh.screens, sh.screens.display_share if sh.screens else 0.0),
                ("ringtone", sh.ringtone, sh.ringtone.share if sh.ringtone else 0.0),
                ("map", sh.map, sh.map.share if sh.map else 0.0),
            )
            if ch is not None and share > 0
        ]
        if channels:
            label = f"public shaming ({', '.join(channels)})"
            out.append(Consequence(label, "public exposure", scored, legal))
    if bl is not None and bl.association_penalty > 0:
        out.append(
            Consequence("points docked for ties to the listed", "social ties", scored, False)
        )
    return out


def rules(cfg: ScenarioConfig) -> list[Line]:
    """The Art. 5(1)(c) lines of the audit, from the scenario's design alone."""
    law = "Art. 5(1)(c)"
    feeds = evaluated(cfg)
    seen = watched(cfg)
    if not feeds:
        return [
            Line(law, "evaluation over time", "no recorded behaviour feeds a score or a list",
                 NOT_MET),
            Line(law, "verdict", "nothing is scored: no social scoring", PASS),
        ]  # fmt: skip
    what = ", ".join(f"{b} ({cfg.behaviours[b].kind})" for b in feeds)
    if cfg.scoring.coupling == "score":
        pts = ", ".join(f"{b} {cfg.scoring.points[b]:+d}" for b in feeds)
        how = f"a score kept from day to day, from recorded {pts}"
    else:
        term = cfg.blacklist.term if cfg.blacklist else 0
        how = f"a list entered on recorded events, kept {term} days"
    lines = [
        Line(law, "evaluation over time", how, MET),
        Line(law, "on social behaviour or personal characteristics", what, MET),
    ]
    cons = consequences(cfg)
    if not cons:
        lines.append(Line(law, "detrimental treatment", "the score denies nothing", PASS))
    for rname, reward in cfg.rewards.items():
        lines.append(
            Line(law, "favourable treatment", f"perk {rname} for tiers {', '.join(reward.tiers)}"
                 f" [{reward.context or UNDECLARED}]: the others go without; not counted as "
                 "detrimental here (see docs/audit.md)", NOTE)
        )  # fmt: skip
    found = False
    for c in cons:
        sources = sorted({s for b in c.triggers for s in seen.get(b, [])})
        foreign = [
            f"{s} ({cfg.sources[s].context or UNDECLARED})"
            for s in sources
            if (cfg.sources[s].context or UNDECLARED) != c.context or c.context == UNDECLARED
        ]
        if foreign:
            finding = f"{c.name} [{c.context}] on data from {', '.join(foreign)}"
            verdict = NOTE if c.legal else PROHIBITED
            if c.legal:
                finding += (
                    f"; a legal sanction ({cfg.blacklist.legal_basis if cfg.blacklist else ''})"
                )
            found = found or not c.legal
        else:
            finding, verdict = f"{c.name} [{c.context}] on data from the same context", PASS
        lines.append(Line(law, "(i) unrelated context", finding, verdict))
        light = [b for b in c.triggers if gravity(cfg, b) in ("lawful", "minor")]
        if light:
            finding = f"{c.name} can follow from " + ", ".join(_act(cfg, b) for b in light)
            verdict = NOTE if c.legal else PROHIBITED
            found = found or not c.legal
        else:
            finding = f"{c.name} follows only serious behaviour ({', '.join(c.triggers)})"
            verdict = PASS
        lines.append(Line(law, "(ii) disproportionate", finding, verdict))
    bl = cfg.blacklist
    errs = any(cfg.sources[s].false_positive_rate > 0 for s in {s for b in feeds for s in seen[b]})
    if bl is not None and errs and bl.appeals.share == 0:
        lines.append(Line(law, "redress", "sources err, and the wrongly listed cannot appeal",
                          FLAG))  # fmt: skip
    lines.append(
        Line(law, "verdict", "a prohibited social-scoring practice" if found else
             "no prohibited practice found", PROHIBITED if found else PASS)
    )  # fmt: skip
    return lines


def _act(cfg: ScenarioConfig, behaviour: str) -> str:
    """``one recorded jaywalk (minor, -5 points)``: the last straw, in words."""
    pts = cfg.scoring.points.get(behaviour, 0)
    what = f"{gravity(cfg, behaviour)}"
    if cfg.scoring.coupling == "score" and pts:
        what += f", {pts:+d} points: the act that can take a person across the threshold"
    return f"one recorded {behaviour} ({what})"
