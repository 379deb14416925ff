"""Where a data set lies among the training simulations, against docs/calibration.md's
definitions ("Where the data lie"), computed by hand on small tables."""

from __future__ import annotations

import numpy as np

from scoresim.calibrate.reach import Reach


def reach(columns: dict[str, list[float]], sds: list[float]) -> Reach:
    """A Reach over stored statistics ``columns`` (divided by the sds as the network sees them)."""
    raw = np.array(list(columns.values()), np.float64).T
    return Reach(list(columns), np.array(sds), raw / np.array(sds))


def test_share_below_is_strict_and_a_tie_is_not_below() -> None:
    r = reach({"a": [1.0, 2.0, 2.0, 3.0], "b": [0.0, 0.0, 0.0, 0.0]}, [0.5, 1.0])
    assert r.share_below({"a": 2.0, "b": 0.0}) == {"a": 0.25, "b": 0.0}
    assert r.share_below({"a": 3.5, "b": -1.0}) == {"a": 1.0, "b": 0.0}


def test_a_value_equal_to_the_highest_simulation_is_not_beyond_it() -> None:
    """0.91 / 0.003 * 0.003 is not 0.91: compared on the network's scale, it ties."""
    assert 0.91 / 0.003 * 0.003 != 0.91
    r = reach({"t": [0.5, 0.7, 0.91]}, [0.003])
    assert r.beyond({"t": 0.91}) == []
    assert r.share_below({"t": 0.91}) == {"t": 2 / 3}
    assert r.rarest({"t": 0.91}) == "t (0.91) has 0.5 of the 3 simulations from the prior above it (ties counted half)"  # fmt: skip


def test_beyond_names_each_side_with_the_simulations_edge() -> None:
    r = reach({"up": [0.1, 0.2], "down": [0.3, 0.4], "in": [0.0, 1.0]}, [0.1, 0.1, 0.1])
    assert r.beyond({"up": 0.25, "down": 0.01, "in": 0.5}) == [
        "up (0.25) is above all 2 simulations from the prior (highest 0.2)",
        "down (0.01) is below all 2 simulations from the prior (lowest 0.3)",
    ]


def test_the_rarest_is_the_thinnest_tail_with_ties_counted_half() -> None:
    # a: 1 of 5 below 0.15; b: 0 above 5.0 but 2 tie with it (1 counted above);
    # c: every simulation ties with 0 (the middle, 2.5 each side).
    r = reach({"a": [0.1, 0.2, 0.3, 0.4, 0.5], "b": [1.0, 2.0, 3.0, 5.0, 5.0],
               "c": [0.0] * 5}, [1.0, 1.0, 1.0])  # fmt: skip
    assert r.rarest({"a": 0.15, "b": 5.0, "c": 0.0}) == "a (0.15) has 1 of the 5 simulations from the prior below it (ties counted half)"  # fmt: skip
    assert r.rarest({"a": 0.35, "b": 5.0, "c": 0.0}) == "b (5) has 1 of the 5 simulations from the prior above it (ties counted half)"  # fmt: skip
    # Equal tails: the first in file order.
    assert r.rarest({"a": 0.45, "b": 5.0, "c": 0.0}).startswith("a (0.45) has 1 of the 5")
