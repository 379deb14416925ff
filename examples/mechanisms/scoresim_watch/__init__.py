"""A neighbourhood watch for scoresim, written only against its public mechanism API.

A share of residents watch their neighbours; each act of a watched behaviour that no
source recorded is reported by each watching neighbour with some probability, and a
report is a record like any other: it costs the points the scenario gives the act,
and the actor learns that such acts are seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from scoresim.mechanisms import Mechanism

NAME = "neighbourhood_watch"
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class WatchConfig(BaseModel):
    """The ``mechanisms: neighbourhood_watch:`` section of a scenario."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    behaviours: list[str]
    share: Probability = 0.2  # residents who watch
    report_probability: Probability = 0.1  # per watching neighbour and unrecorded act


class WatchHook:
    """One run's watch: who watches, and what they reported today."""

    name = NAME
    after = "observe"  # acts the sources missed are reported before points are given
    columns = (f"{NAME}.reports",)

    def __init__(self, rows: list[int], labels: Any, watcher: NDArray[np.bool_], p: float,
                 group: NDArray[np.uint8], groups: int) -> None:  # fmt: skip
        self.rows, self.names, self.p = rows, labels.behaviours, p
        self.watcher, self.group, self.groups = watcher, group, groups
        self.reported = np.zeros(watcher.shape[0], np.bool_)

    def act(self, state: Any, net: Any, d: Any, ev: Any) -> None:
        """Report unrecorded acts; a report is a true record (the error-free world sees it)."""
        self.reported[:] = False
        near = net.neighbour_counts(self.watcher)
        for b in self.rows:
            actors = np.flatnonzero(ev.acts[b] & ~ev.caught[b] & (near > 0))
            if not actors.size:
                continue
            chance = 1.0 - (1.0 - self.p) ** near[actors]
            hit = actors[d.at(f"{NAME}/report/{self.names[b]}", actors) < chance]
            ev.caught[b, hit] = True
            ev.detected[b, hit] = True
            ev.false_records[b, hit] = False
            self.reported[hit] = True

    def measure(self, state: Any, ev: Any, out: Mapping[str, NDArray[np.float64]]) -> None:
        """Share of each group (and of all) reported today."""
        sums = np.bincount(self.group, weights=self.reported, minlength=self.groups)
        pop = np.bincount(self.group, minlength=self.groups).astype(np.float64)
        out[f"{NAME}.reports"][:] = np.append(
            sums / np.maximum(pop, 1), sums.sum() / max(pop.sum(), 1)
        )


class NeighbourhoodWatch(Mechanism):
    """Residents who report their neighbours' acts."""

    name = NAME
    section = WatchConfig

    def check(self, config: WatchConfig, scenario: Any) -> list[tuple[str, str]]:
        """Every watched behaviour must be one of the scenario's."""
        known = list(scenario.behaviours)
        return [(f"behaviours[{k}]", f"{b!r} is not a defined behaviour; use one of: "
                 f"{', '.join(known)}") for k, b in enumerate(config.behaviours) if b not in known]  # fmt: skip

    def columns(self, config: WatchConfig, labels: Any) -> tuple[str, ...]:
        """One column: the share reported today."""
        return WatchHook.columns

    def start(self, config: WatchConfig, labels: Any, regime: Any, state: Any, net: Any,
              keys: Any) -> WatchHook:  # fmt: skip
        """Draw who watches (a set-up stream of the watch's own) and start the hook."""
        watcher = keys.generator(f"{NAME}/watchers").random(state.n) < config.share
        rows = [labels.behaviours.index(b) for b in config.behaviours]
        return WatchHook(rows, labels, watcher, config.report_probability, state.group,
                         len(labels.groups))  # fmt: skip
