"""Polls broken down by who was asked: sex, age band, education or group.

Read from a run's respondents table (``respondents.parquet``) and its agents table:
each category's respondents are estimated with the poll's own estimator
(:func:`scoresim.mechanisms.polls.estimate`), exactly as the metrics' group rows are,
so ``--by group`` from the respondents equals the metrics' rows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from scoresim.config.opinion import PollConfig
from scoresim.config.people import band_years
from scoresim.errors import RunOptionError
from scoresim.mechanisms.interview import NEUTRAL, summarise

BREAKDOWNS = ("group", "sex", "age", "education")


def _labels(agents: pd.DataFrame, people: dict[str, Any] | None, by: str, where: str) -> tuple[pd.Series, list[str]]:  # fmt: skip
    """Each agent's category (indexed by id) and the categories in order."""
    column = {"sex": "female"}.get(by, by)
    if column not in agents:
        raise RunOptionError(
            f"--by {by}: {where} has no {by} of its people; draw it with the scenario's "
            f"people: section (docs/model.md, section 5) and run it again"
        )
    values = agents.set_index("id")[column]
    if by == "sex":
        return values.map({True: "women", False: "men"}), ["women", "men"]
    if by == "age":
        bands = list((people or {}).get("age") or {})
        edges = [band_years(b) for b in bands]
        codes = np.searchsorted([last for _, last in edges], values.to_numpy(), "left")
        return pd.Series(np.array(bands, dtype=object)[codes], index=values.index), bands
    return values.astype(str), [str(c) for c in values.cat.categories]


def poll_breakdown(
    respondents: pd.DataFrame, agents: pd.DataFrame, info: dict[str, Any], by: str, where: str
) -> list[dict[str, Any]]:
    """Each poll's estimate per category of the people asked.

    One row per poll and category: ``poll``, ``category``, ``day``, ``n``, ``estimate``,
    ``low``, ``high``, ``truth``, ``neutral``, ``bias``; None where nobody of the
    category was asked.

    Args:
        respondents: the run's respondents table.
        agents: the run's agents table (age, sex and education are fixed from day 0).
        info: the run's ``run.json``.
        by: one of :data:`BREAKDOWNS`.
        where: the run folder, for messages.

    Raises:
        RunOptionError: ``by`` is not a breakdown, or the run has no such attribute or
            no respondents table.
    """
    if by not in BREAKDOWNS:
        raise RunOptionError(
            f"--by: {by!r} is not a breakdown; use one of: {', '.join(BREAKDOWNS)}"
        )
    if respondents.empty and len(respondents.columns) == 0:
        raise RunOptionError(
            f"--by {by}: {where} has no respondents.parquet (written since scoresim 0.4); "
            "run the scenario again"
        )
    params = info["parameters"]
    labels, order = _labels(agents, params.get("people"), by, where)
    rows: list[dict[str, Any]] = []
    for spec in params.get("polls") or []:
        poll = PollConfig.model_validate(spec)
        mine = respondents[respondents["poll"] == poll.name]
        if poll.experiment is not None:  # the poll's own answers: the uninformed ones
            base = mine["asking"] == 1
            if poll.experiment.assignment == "between":
                base &= mine["condition"] == "control"
            mine = mine[base]
        category = labels.reindex(mine["id"].to_numpy()).to_numpy()
        for name in order:
            m = category == name
            row: dict[str, Any] = {"poll": poll.name, "category": name, "day": poll.day,
                                   "n": int(m.sum())}  # fmt: skip
            said = mine["answer"].to_numpy(np.int64)
            *shares, _ = summarise(
                poll, said, mine["treated"].to_numpy(), mine["view"].to_numpy(), m
            )
            neutral = float((said[m] == NEUTRAL).mean()) if m.any() else math.nan
            values = [None if math.isnan(x) else x for x in (*shares, neutral)]
            row |= dict(zip(("estimate", "low", "high", "truth", "neutral"), values, strict=True))
            e, t = row["estimate"], row["truth"]
            row["bias"] = None if e is None or t is None else e - t
            rows.append(row)
    return rows
