"""The followed people's days as a tidy table, one row per person and step.

docs/model.md, section 8 ("The followed people"), defines each column; the lists name
behaviours, ``source: behaviour`` pairs and opportunities in the scenario's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from scoresim.engine.follow import COLUMNS, Day, Ids
from scoresim.society.params import Labels, ObserveParams

LEFT = ("", "paid", "repaired", "expired", "appeal won")
"""How a listing ended on the day (``left``), by code."""


def _names(mask: NDArray[np.bool_], names: Sequence[str]) -> list[list[str]]:
    """(X, K) bool -> for each of the K columns, the names of its true rows."""
    return [[names[int(x)] for x in np.flatnonzero(col)] for col in mask.T]


def followed_table(days: Sequence[Day], ids: Ids, group: NDArray[np.uint8], labels: Labels,
                   observe: ObserveParams) -> pd.DataFrame:  # fmt: skip
    """One row per followed person and step, in step order then id order.

    Args:
        days: the :class:`~scoresim.engine.follow.Day` of every step, in order.
        ids: (K,) int64, the followed people.
        group: (N,) uint8, everyone's group.
        labels: the run's names.
        observe: the sources, for the names of their (source, behaviour) pairs.
    """
    pairs = [f"{observe.source_names[s]}: {labels.behaviours[b]}" for s, b in observe.pairs]
    k = ids.shape[0]
    cols: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    groups = np.array(labels.groups, dtype=object)[group[ids]]
    tiers = np.array(labels.tiers, dtype=object)
    for t, day in enumerate(days):
        cols["step"].append(np.full(k, t, np.int32))
        cols["id"].append(ids)
        cols["group"].append(groups)
        for column, mask, names in (
            ("did", day.acts, labels.behaviours),
            ("seen_by", day.seen, pairs),
            ("misread_by", day.misread, pairs),
            ("false_record_by", day.false_drawn, pairs),
            ("recorded", day.caught, labels.behaviours),
            ("recorded_falsely", day.false_records, labels.behaviours),
            ("wanted", day.wanted, labels.opportunities),
            ("denied", day.denied, labels.opportunities),
        ):
            cols[column].extend(_names(mask, names))
        cols["tier"].append(tiers[day.tier])
        cols["left_list"].append(np.array(LEFT, dtype=object)[day.left])
        for column, values in (
            ("points", day.points), ("score", day.score), ("listed", day.listed),
            ("listed_wrongly", day.listed_wrongly), ("newly_listed", day.newly_listed),
            ("appealed", day.appealed), ("perk", day.perk), ("shamed", day.shamed),
            ("ties_lost", day.ties_lost), ("approval", day.approval), ("stance", day.stance),
        ):  # fmt: skip
            cols[column].append(values)
    out: dict[str, Any] = {}
    for c, parts in cols.items():
        if parts and isinstance(parts[0], list):
            out[c] = parts
        elif parts:
            out[c] = np.concatenate(parts)
        else:
            out[c] = []
    table = pd.DataFrame(out, columns=list(COLUMNS))
    table["group"] = pd.Categorical(table["group"], categories=list(labels.groups))
    table["tier"] = pd.Categorical(table["tier"], categories=list(labels.tiers))
    return table
