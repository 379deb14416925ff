"""``scoresim audit``: a regime against Art. 5(1)(c), then against what it measurably does.

The legal lines come from the scenario's design (:mod:`scoresim.report.audit_rules`);
the measured lines from one seeded simulation of the regime:

* wrongful listing: the share of people listed who would not be listed had no false
  record or misread post been made, at the end, and as a share of the listed (flag
  above 0);
* disparate impact: the four-fifths rule on favourable outcomes (not listed at the
  end; requests granted over the run), flagged only when a pair of groups has a ratio
  under 0.8 *and* Fisher's exact test gives p < 0.05 (:mod:`scoresim.report.groups`);
* denials: per 1 000 people per year, by opportunity (information);
* chilling of speech: how much less each speech behaviour is done than without
  pressure, over the last 30 days (flag above 5%);
* falsification: the share of the population who privately dissent and stay silent
  beyond what silence would be without the regime (information).

Only a prohibited practice sets the exit code (1); measured harms are flags.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from scoresim.config.loading import Scenario
from scoresim.report.audit_rules import FLAG, NOTE, PASS, PROHIBITED, Line, rules
from scoresim.report.groups import Disparity, granted, group_counts, not_listed
from scoresim.results import headlines as hl
from scoresim.results.run import RunResult

MEASURED = "measured"
CHILL_THRESHOLD = 0.05
WINDOW = hl.WINDOW


@dataclass
class Audit:
    """The audit of one regime.

    Attributes:
        scenario: Its name.
        options: Agents, steps and seed of the measured run.
        lines: Every line, legal first.
    """

    scenario: str
    options: dict[str, int]
    lines: list[Line] = field(default_factory=list)

    @property
    def prohibited(self) -> bool:
        """Whether a prohibited practice was found."""
        return any(line.verdict == PROHIBITED for line in self.lines)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: scenario, options, prohibited, lines."""
        return {
            "scenario": self.scenario,
            "options": self.options,
            "prohibited": self.prohibited,
            "lines": [asdict(line) for line in self.lines],
        }


def measured(result: RunResult, scenario: Scenario) -> list[Line]:
    """The measured lines, from one run's metrics."""
    cfg = scenario.config
    m = result.metrics
    steps = int(m["step"].max()) + 1
    groups = list(cfg.groups)
    last = m[m["step"] == steps - 1]
    names = [str(g) for g in last["group"]]

    def at_end(column: str) -> dict[str, float]:
        return dict(zip(names, last[column].to_numpy(dtype=float).tolist(), strict=True))

    pops = at_end("population")
    per_group = group_counts(m, groups)
    lines: list[Line] = []
    if cfg.blacklist is not None:
        wrong, listed = at_end("listed_wrongly")["all"], at_end("listed")["all"]
        share = wrong / listed if listed > 0 else 0.0
        lines.append(
            Line(MEASURED, "wrongful listing",
                 f"{wrong:.2%} of people ({share:.1%} of the listed) at day {steps}",
                 FLAG if wrong > 0 else PASS)
        )  # fmt: skip
        lines.append(_disparity("disparate impact: not listed", not_listed(per_group)))
    denied = [str(c) for c in m.columns if str(c).startswith("denied.")]
    group_of = m["group"].astype(str).to_numpy()
    if sum(per_group.denied.values()) > 0:
        lines.append(_disparity("disparate impact: requests granted", granted(per_group)))
        rates = []
        for c in denied:
            v = float(m.loc[group_of == "all", c].to_numpy().sum())
            if v > 0:
                rates.append(
                    f"{c.removeprefix('denied.')} {1000 * 365 * v / pops['all'] / steps:.1f}"
                )
        lines.append(Line(MEASURED, "denials per 1 000 people per year", ", ".join(rates), NOTE))
    parameters = cfg.model_dump(mode="json")
    values = hl.values(m, parameters)
    for h in hl.headlines(parameters):
        if h.label.startswith("chilling of ") and h.label in values:
            chill = values[h.label]
            verdict = FLAG if chill > CHILL_THRESHOLD else PASS
            lines.append(
                Line(MEASURED, f"chilling of speech: {h.column.removeprefix('chilling.')}",
                     f"{chill:+.1%} against its pressure-free rate (last {WINDOW} days)", verdict)
            )  # fmt: skip
    if "falsification" in values:
        lines.append(
            Line(MEASURED, "falsification",
                 f"{values['falsification']:+.2%} of people hide dissent because of the regime "
                 f"(silent dissent {values['silent dissent']:.2%} against "
                 f"{values['silent dissent, pressure-free']:.2%} pressure-free; last {WINDOW} days)",
                 NOTE)
        )  # fmt: skip
    return lines


def _disparity(check: str, d: Disparity) -> Line:
    shown = ", ".join(f"{g} {r:.2%}" for g, r in d.rates.items())
    if not d.low:
        return Line(MEASURED, check, f"{shown}: fewer than two groups to compare", NOTE)
    detail = (
        f"{shown}; {d.low}/{d.high} ratio {d.ratio:.3f}, Fisher p = {d.p_value:.2g} "
        "(flag when ratio < 0.8 and p < 0.05)"
    )
    return Line(MEASURED, check, detail, FLAG if d.flagged else PASS)


def audit(scenario: Scenario, agents: int, steps: int, seed: int) -> Audit:
    """Audit ``scenario``: its design, then one seeded run of it."""
    from scoresim.engine.simulation import simulate

    report = Audit(scenario.name, {"agents": agents, "steps": steps, "seed": seed})
    report.lines.extend(rules(scenario.config))
    result = simulate(scenario, agents=agents, steps=steps, seed=seed)
    report.lines.extend(measured(result, scenario))
    return report
