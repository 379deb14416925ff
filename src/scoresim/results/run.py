"""A finished run's tables and metadata, and its folder on disk.

A run folder holds ``metrics.parquet``, ``agents.parquet``, ``network.parquet``,
``run.json`` and, with polls, ``respondents.parquet``. It is
written into a temporary sibling folder that is renamed into place only when every
file is complete, so an interrupted save leaves nothing half-written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoresim.errors import OutputError
from scoresim.results import outputs, ownership
from scoresim.results.folders import read_parts
from scoresim.society.measure import MetricsBuffer
from scoresim.society.params import Labels
from scoresim.society.state import CitizenState

FILES = ("metrics.parquet", "agents.parquet", "network.parquet", "respondents.parquet",
         "people.parquet", "run.json")  # fmt: skip


@dataclass(frozen=True)
class RunResult:
    """The outcome of one simulation.

    Attributes:
        metrics: One row per (step, group) with ``group == "all"`` for the whole
            population; columns as in docs/model.md section 8.
        agents: One row per agent at the end of the run.
        info: Scenario name and hash, parameters, seed entropy, version, timings,
            and the pressure-free rate of each behaviour (``pressure_free``).
        network: Ties among a small sample of agents (``source``, ``target``,
            ``active``), for drawing; see :mod:`scoresim.results.network_sample`.
        respondents: One row per person asked per poll (docs/model.md, section 8);
            empty, with no columns, when the scenario has no polls.
        followed: One row per followed person and step (docs/model.md, section 8,
            "The followed people"); empty, with no columns, when nobody was followed.
    """

    metrics: pd.DataFrame
    agents: pd.DataFrame
    info: dict[str, Any]
    network: pd.DataFrame = field(default_factory=pd.DataFrame)
    respondents: pd.DataFrame = field(default_factory=pd.DataFrame)
    followed: pd.DataFrame = field(default_factory=pd.DataFrame)

    def final(self, group: str = "all") -> pd.Series:
        """The metrics row of the last step for ``group``."""
        rows = self.metrics[self.metrics["group"] == group]
        return rows.iloc[-1]

    def save(self, path: str | Path) -> Path:
        """Write the run folder atomically, replacing only a run folder scoresim wrote.

        Raises:
            OutputError: ``path`` holds anything else (see :mod:`scoresim.results.outputs`),
                is not a str or path, or cannot be written (the reason in one line).

        Returns:
            The folder written.
        """
        if not isinstance(path, (str, os.PathLike)) or not isinstance(os.fspath(path), str):
            raise OutputError(
                f"save({path!r}): give the run folder as a str or a path, not {type(path).__name__}"
            )
        out = outputs.normal(path)
        try:
            self._save(out)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise OutputError(
                f"{path}: cannot write the run folder ({reason}); give another path"
            ) from None
        return out

    def _save(self, out: Path) -> None:
        outputs.check_run_folder(out)
        with outputs.claim(out):
            outputs.check_run_folder(out)  # again, now that no one else can write it
            with ownership.staging(out) as tmp:
                tmp.mkdir()
                self.metrics.to_parquet(tmp / "metrics.parquet", index=False)
                self.agents.to_parquet(tmp / "agents.parquet", index=False)
                self.network.to_parquet(tmp / "network.parquet", index=False)
                if len(self.respondents.columns):
                    self.respondents.to_parquet(tmp / "respondents.parquet", index=False)
                if len(self.followed.columns):
                    self.followed.to_parquet(tmp / "people.parquet", index=False)
                # Insertion order, not sorted: the parameters keep the scenario's order of
                # behaviours, sources and opportunities, which every view follows.
                (tmp / "run.json").write_text(
                    json.dumps(self.info, indent=2, allow_nan=False) + "\n"
                )
                outputs.put_in_place(tmp, out)


def load_run(path: str | Path) -> RunResult:
    """Read a run folder written by :meth:`RunResult.save`.

    Raises:
        ResultsError: The folder is damaged (see :mod:`scoresim.results.folders`).
    """
    info, metrics, agents, network, respondents, followed = read_parts(path)
    return RunResult(metrics=metrics, agents=agents, info=info, network=network,
                     respondents=respondents, followed=followed)  # fmt: skip


def build_metrics(buf: MetricsBuffer, groups: Sequence[str]) -> pd.DataFrame:
    """Flatten the (steps, G + 1) buffers into the long metrics table, rows named ``groups`` + all."""
    names = [*groups, "all"]
    steps, width = buf.rows, len(names)
    data: dict[str, Any] = {
        "step": np.repeat(np.arange(steps, dtype=np.int32), width),
        "group": pd.Categorical(np.tile(np.array(names, dtype=object), steps), categories=names),
    }
    int_cols = {"population", "appeals", "appeals_won", "ties_cut"} | {
        n for n in buf.names if n.startswith(("denied.", "wanted."))
    }
    for name in buf.names:
        col = buf.values[name][:steps].reshape(-1)
        data[name] = col.astype(np.int64) if name in int_cols else col
    return pd.DataFrame(data)


def build_agents(state: CitizenState, labels: Labels) -> pd.DataFrame:
    """The per-agent table at the end of a run.

    Age, sex and education follow the fixed columns where the scenario draws them, then
    the mechanisms' traits.
    """
    table = pd.DataFrame(
        {
            "id": np.arange(state.n, dtype=np.int64),
            "group": pd.Categorical.from_codes(
                state.group.astype(np.int16), categories=pd.Index(list(labels.groups))
            ),
            "stance": state.stance,
            "score": state.score,
            "tier": pd.Categorical.from_codes(
                state.tier.astype(np.int16), categories=pd.Index(list(labels.tiers))
            ),
            "listed": state.listed_until > 0,
            "listed_wrongly": (state.listed_until > 0) & state.listed_wrongly,
            "denials": state.denials,
            "wealth": state.wealth,
            "degree": state.degree,
        }
    )
    people = state.people
    if people.age.size:
        table["age"] = people.age
    if people.female.size:
        table["female"] = people.female
    if people.education.size:
        table["education"] = pd.Categorical.from_codes(
            people.education.astype(np.int16), categories=pd.Index(list(labels.education))
        )
    for name, values in state.traits.items():
        table[name] = values
    return table
