"""The compiled passes that run on every Numba thread give the serial passes' bits (issue 25).

``threads.PARALLEL_FROM`` is lowered so that a small run on two threads takes the
parallel passes (on one thread it takes the serial ones), and the whole metrics and
agents tables are compared with the serial run's, for regimes that exercise every phase
(channels of shaming, score coupling, informants, misread speech, tolerances). A parallel loop that wrote to
copies of its outputs returned zeros; this is the test that would have caught it.
"""

from __future__ import annotations

import numba
import pandas as pd
import pytest

import scoresim
from scoresim.core import threads

REGIMES = ("seed", "court-blacklist", "rongcheng-2018", "fuzhou-jasmine")


def tables(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    sim = scoresim.Simulation(name, agents=3000, seed=4)
    sim.run(25)
    return sim.metrics, sim.agents()


@pytest.mark.parametrize("name", REGIMES)
def test_parallel_passes_give_the_serial_bits(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    serial_metrics, serial_agents = tables(name)
    monkeypatch.setattr(threads, "PARALLEL_FROM", 0)
    for count in (1, 2):
        with threads.compiled_threads(count):
            assert threads.parallel(3000) == (numba.get_num_threads() > 1)
            assert numba.get_num_threads() == min(count, numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
            metrics, agents = tables(name)
        assert metrics.equals(serial_metrics), f"{name}: metrics differ on {count} thread(s)"
        assert agents.equals(serial_agents), f"{name}: agents differ on {count} thread(s)"
