"""The public namespace and the tables' column names."""

from __future__ import annotations

import scoresim

MODEL_AGENT_COLUMNS = [
    "id",
    "group",
    "stance",
    "score",
    "tier",
    "listed",
    "listed_wrongly",
    "denials",
    "wealth",
    "degree",
    "age",
    "female",
    "education",
    "approval",
]


def test_all_is_sorted_and_complete() -> None:
    assert scoresim.__all__ == sorted(scoresim.__all__)
    for name in scoresim.__all__:
        assert hasattr(scoresim, name)


def test_builtin_scenarios() -> None:
    assert scoresim.builtin_names() == [
        "baseline",
        "court-blacklist",
        "eu-compliant",
        "fuzhou-jasmine",
        "rongcheng-2018",
        "rongcheng-current",
        "seed",
        "sesame",
    ]


def test_output_columns_follow_the_model() -> None:
    run = scoresim.simulate("seed", agents=1000, steps=3, seed=0)
    assert list(run.agents.columns) == MODEL_AGENT_COLUMNS
    cols = set(run.metrics.columns)
    for name in [
        "step",
        "group",
        "population",
        "rate.jaywalk",
        "recorded.unpaid_debt",
        "chilling.criticise_government",
        "chilling.jaywalk",
        "private_dissent",
        "expressed_dissent",
        "falsification",
        "score.mean",
        "score.p10",
        "score.p50",
        "score.p90",
        "score.gini",
        "tier.model_citizen",
        "listed",
        "listed_wrongly",
        "appeals",
        "appeals_won",
        "denied.travel",
        "denied.private_school",
        "wealth.mean",
        "wealth.gini",
        "shamed",
        "ties_cut",
        "degree.mean",
        "perceived_risk.criticise_government",
    ]:
        assert name in cols, name
    assert "chilling.unpaid_debt" not in cols  # chilling is for speech and conduct only
    assert set(run.metrics["group"]) == {"urban", "rural", "all"}
