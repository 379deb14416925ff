"""The story's counterfactual: the same town without the regime.

The built-in regimes share ``baseline``'s society (the same people, network and draws
for every purpose, docs/model.md, common random numbers), so the same seed and size
give the same people living without any scoring. :func:`without_regime` runs that town
and counts each person's acts of the dissent behaviour in the first and last quarter of
the run, for the story's "critic who falls silent" to be compared with themselves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoresim.config.loading import Scenario, load_scenario
from scoresim.core import threads


def without_regime(sc: Scenario, people: int, days: int, seed: int, dissent: str) -> pd.DataFrame | None:  # fmt: skip
    """Each person's acts of ``dissent`` in the first and last quarter, without a regime.

    Returns:
        A frame indexed by id with ``early`` and ``late`` counts (int64), or None when
        ``sc`` does not share baseline's people (a scenario of one's own, or one whose
        society differs) or is baseline itself, or baseline has no such behaviour.
    """
    from scoresim.engine.stepper import Simulation

    if sc.config.name == "baseline":
        return None
    base = load_scenario("baseline")
    if dissent not in base.config.behaviours:
        return None
    mine = Simulation(sc, agents=people, seed=seed, _rows=1)
    other = Simulation(base, agents=people, seed=seed, _rows=days)
    same = all(np.array_equal(getattr(mine.state, a), getattr(other.state, a))
               for a in ("group", "stance", "risk_aversion", "income"))  # fmt: skip
    if not same:
        return None
    b = other.compiled.labels.behaviours.index(dissent)
    q = days // 4
    early = np.zeros(people, np.int64)
    late = np.zeros(people, np.int64)
    with threads.compiled_threads(1):
        for t in range(days):
            other.step()
            ev = other.events
            assert ev is not None
            if t < q:
                early += ev.acts[b]
            if t >= days - q:
                late += ev.acts[b]
    return pd.DataFrame(
        {"early": early, "late": late}, index=pd.Index(np.arange(people), name="id")
    )
