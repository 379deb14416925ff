"""The audit: Art. 5(1)(c) from a regime's design, measured harms from a run, exit codes."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from typer.testing import CliRunner

import scoresim
from scoresim.cli.app import app
from scoresim.config.loading import parse_scenario
from scoresim.report.audit import _disparity
from scoresim.report.audit_rules import PROHIBITED, rules
from scoresim.report.groups import disparity

runner = CliRunner()


def verdicts(name: str, overrides: dict[str, Any] | None = None) -> dict[str, list[str]]:
    """Check name to the verdicts of its lines."""
    sc = scoresim.load_scenario(name).with_overrides(overrides or {})
    out: dict[str, list[str]] = {}
    for line in rules(sc.config):
        out.setdefault(line.check, []).append(line.verdict)
    return out


def test_seed_fails_with_its_cross_context_sanctions_listed() -> None:
    res = runner.invoke(app, ["audit", "seed", "--agents", "3000", "--steps", "60", "--json"])
    assert res.exit_code == 1, res.output
    report = json.loads(res.output)
    assert report["prohibited"] is True
    unrelated = [
        line["finding"] for line in report["lines"] if line["check"] == "(i) unrelated context"
    ]
    assert (
        "travel denied to the listed [transport] on data from informants (community), "
        "payment_records (finance), social_media (online speech), street_cameras (public space)"
    ) in unrelated
    # A loan denied on payment data alone would be related: the payment source is not listed.
    assert any(f.startswith("loan denied") and "payment_records" not in f for f in unrelated)
    assert any("public shaming (screens)" in f for f in unrelated)
    lines = report["lines"]
    disproportionate = [x for x in lines if x["check"] == "(ii) disproportionate"]
    assert all(x["verdict"] == PROHIBITED for x in disproportionate)
    assert "one recorded jaywalk (minor, -5 points" in disproportionate[0]["finding"]
    measured = {x["check"]: x for x in lines if x["section"] == "measured"}
    assert measured["chilling of speech: criticise_government"]["verdict"] == "flag"
    assert "ratio" in measured["disparate impact: not listed"]["finding"]


def test_eu_compliant_passes_and_the_table_says_why() -> None:
    res = runner.invoke(app, ["audit", "eu-compliant", "--agents", "3000", "--steps", "60"])
    assert res.exit_code == 0, res.output
    words = " ".join(res.output.replace("│", " ").split())
    assert "audit of eu-compliant (3,000 agents, 60 days, seed 0)" in words
    assert "prohibited" not in words.replace("no prohibited", "")
    res = runner.invoke(app, ["audit", "eu-compliant", "--agents", "3000", "--json"])
    report = json.loads(res.output)
    assert res.exit_code == 0 and report["prohibited"] is False
    assert any(line["finding"] == "no prohibited practice found" for line in report["lines"])


@pytest.mark.parametrize(
    ("name", "prohibited"),
    [
        ("seed", True),
        ("rongcheng-2018", True),
        ("eu-compliant", False),
        ("rongcheng-current", False),
        ("court-blacklist", False),
        ("fuzhou-jasmine", False),
        ("sesame", False),
        ("baseline", False),
    ],
)
def test_every_builtin_regime_gets_its_documented_verdict(name: str, prohibited: bool) -> None:
    assert (verdicts(name)["verdict"] == [PROHIBITED]) is prohibited


def test_each_condition_can_tip_the_verdict() -> None:
    """From the passing eu-compliant design, one change at a time."""
    assert verdicts("eu-compliant")["verdict"] == ["pass"]
    # (i): the loan now also follows from data of another context.
    raw = copy.deepcopy(scoresim.load_scenario("eu-compliant").raw)
    raw["sources"]["street_cameras"] = {
        "behaviours": ["unpaid_debt"], "coverage": 0.5, "context": "public space",
    }  # fmt: skip
    v: dict[str, list[str]] = {}
    for line in rules(parse_scenario(raw, "test")):
        v.setdefault(line.check, []).append(line.verdict)
    assert v["(i) unrelated context"] == [PROHIBITED] and v["(ii) disproportionate"] == ["pass"]
    # (i), conservatively: a source whose context is not declared.
    v = verdicts("eu-compliant", {"sources.payment_records.context": None})
    assert v["(i) unrelated context"] == [PROHIBITED]
    # (ii): a minor act is now scored, on data from the same context.
    v = verdicts("eu-compliant", {"behaviours.jaywalk.gravity": "serious"})
    assert v["verdict"] == ["pass"]
    minor = {"sources.payment_records.behaviours": ["unpaid_debt", "flashy_purchase"],
             "scoring.points": {"unpaid_debt": -25, "flashy_purchase": -5}}  # fmt: skip
    v = verdicts("eu-compliant", minor)
    assert v["(i) unrelated context"] == ["pass"] and v["(ii) disproportionate"] == [PROHIBITED]
    # A declared gravity overrides the kind.
    v = verdicts("eu-compliant", {**minor, "behaviours.flashy_purchase.gravity": "serious"})
    assert v["verdict"] == ["pass"]
    # Nothing is denied any more: not detrimental.
    assert verdicts("eu-compliant", {"blacklist": None})["verdict"] == ["pass"]


def test_a_legal_basis_turns_the_court_list_into_notes_and_without_it_it_fails() -> None:
    v = verdicts("court-blacklist")
    assert set(v["(i) unrelated context"]) == {"note"} and v["verdict"] == ["pass"]
    v = verdicts("court-blacklist", {"blacklist.legal_basis": None})
    assert set(v["(i) unrelated context"]) == {PROHIBITED} and v["verdict"] == [PROHIBITED]


def test_disparate_impact_is_four_fifths_on_favourable_rates_with_fishers_test() -> None:
    # 60% against 90% favourable in large groups: ratio 0.667, p tiny: flagged.
    d = disparity({"a": 600.0, "b": 900.0}, {"a": 1000.0, "b": 1000.0})
    assert d.low == "a" and d.ratio == pytest.approx(600 / 900) and d.p_value < 1e-6
    assert d.flagged
    line = _disparity("x", d)
    assert line.verdict == "flag" and "ratio 0.667" in line.finding and "Fisher p" in line.finding
    # The same rates in tiny groups (3 of 5 against 9 of 10): not significant, not flagged.
    d = disparity({"a": 3.0, "b": 9.0}, {"a": 5.0, "b": 10.0})
    assert d.ratio < 0.8 and d.p_value > 0.05 and not d.flagged
    assert _disparity("x", d).verdict == "pass"
    # Adverse rates of 3% against 1% are favourable rates of 97% and 99%: no impact.
    d = disparity({"a": 970.0, "b": 990.0}, {"a": 1000.0, "b": 1000.0})
    assert d.ratio == pytest.approx(970 / 990) and not d.flagged
    # Against SciPy's own answer for one table.
    from scipy.stats import fisher_exact

    d = disparity({"a": 12.0, "b": 30.0}, {"a": 40.0, "b": 40.0})
    assert d.p_value == pytest.approx(fisher_exact([[12, 28], [30, 10]]).pvalue)


def test_audit_options_are_checked_like_a_run() -> None:
    res = runner.invoke(app, ["audit", "seed", "--agents", "0"])
    assert res.exit_code == 2 and "agents: 0 is out of range" in res.output
    res = runner.invoke(app, ["audit", "nope"])
    assert res.exit_code == 2 and "no built-in scenario or file by that name" in res.output
    res = runner.invoke(app, ["audit", "seed", "--set", "behaviours.jaywalk.gravity=petty"])
    assert res.exit_code == 2 and "gravity" in res.output and "'lawful'" in res.output
