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
from scoresim.results.life import SEPARATOR
from scoresim.society.params import Labels

LEFT = ("", "paid", "repaired", "expired", "appeal won")
"""How a listing ended on the day (``left``), by code."""


def _names(mask: NDArray[np.bool_], names: Sequence[str]) -> pd.Series:
    """(X, R) bool -> for each of the R columns, its true rows' names joined by "; ".

    Columns with the same pattern share one category: the patterns are few (most
    days nothing happens), so each is spelled out once and the rest is codes.
    """
    if mask.shape[0] == 0:  # nothing to name (a scenario without opportunities)
        return _categorical(np.zeros(mask.shape[1], np.int64), [""])
    keys: NDArray[Any]
    if mask.shape[0] <= 16:  # each pattern an integer below 2^16: counted, not sorted
        keys = np.zeros(mask.shape[1], np.int64)
        for i in range(mask.shape[0]):
            keys |= mask[i].astype(np.int64) << i
        found = np.flatnonzero(np.bincount(keys, minlength=1 << mask.shape[0]))
        code = np.zeros(1 << mask.shape[0], np.int64)
        code[found] = np.arange(found.shape[0])
        spelled = [SEPARATOR.join(names[i] for i in range(mask.shape[0]) if key >> i & 1)
                   for key in found.tolist()]  # fmt: skip
        return _categorical(code[keys], spelled)  # categories in key order, as np.unique's
    if mask.shape[0] <= 63:  # each column's pattern as one integer (fast to sort)
        weights = np.left_shift(np.uint64(1), np.arange(mask.shape[0], dtype=np.uint64))
        keys = (mask.astype(np.uint64) * weights[:, None]).sum(axis=0)
    else:
        packed = np.ascontiguousarray(np.packbits(mask, axis=0).T)
        keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    spelled = [SEPARATOR.join(names[int(x)] for x in np.flatnonzero(mask[:, j])) for j in first]
    return _categorical(inverse.ravel(), spelled)


def _categorical(codes: NDArray[np.integer[Any]], categories: Sequence[str]) -> pd.Series:
    """A categorical column from codes into ``categories`` (no string is built per row)."""
    dtype = pd.CategoricalDtype(list(categories))
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype))


def followed_table(days: Sequence[Day], ids: Ids, group: NDArray[np.uint8], labels: Labels) -> pd.DataFrame:  # fmt: skip
    """One row per followed person and step, in step order then id order.

    Args:
        days: the :class:`~scoresim.engine.follow.Day` of every step, in order.
        ids: (K,) int64, the followed people.
        group: (K,) uint8, the followed people's groups.
        labels: the run's names.
    """
    # The sources may change during a run (a timeline, Simulation.set): name each
    # day's pairs by that day's regime, as columns of the union in order of appearance.
    pairs = list(dict.fromkeys(name for day in days for name in day.pairs))
    where = {name: k for k, name in enumerate(pairs)}
    k = ids.shape[0]
    cols: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    groups = group.astype(np.int64)
    masks: dict[str, list[NDArray[np.bool_]]] = {}
    spelled = {"did": labels.behaviours, "seen_by": pairs, "misread_by": pairs,
               "false_record_by": pairs, "recorded": labels.behaviours,
               "recorded_falsely": labels.behaviours, "wanted": labels.opportunities,
               "denied": labels.opportunities}  # fmt: skip
    fields = {"did": "acts", "seen_by": "seen", "misread_by": "misread",
              "false_record_by": "false_drawn", "recorded": "caught",
              "recorded_falsely": "false_records", "wanted": "wanted", "denied": "denied"}  # fmt: skip
    for day in days:
        cols["step"].append(np.full(k, day.step, np.int32))
        cols["id"].append(ids)
        cols["group"].append(groups)
        for column, name in fields.items():
            mask = getattr(day, name)
            if spelled[column] is pairs:  # onto the run's pairs
                wide = np.zeros((len(pairs), k), np.bool_)
                wide[[where[n] for n in day.pairs]] = mask
                mask = wide
            masks.setdefault(column, []).append(mask)
        cols["tier"].append(day.tier.astype(np.int64))
        cols["left_list"].append(day.left.astype(np.int64))
        for column, values in (
            ("points", day.points), ("score", day.score), ("listed", day.listed),
            ("listed_wrongly", day.listed_wrongly), ("newly_listed", day.newly_listed),
            ("appealed", day.appealed), ("perk", day.perk), ("shamed", day.shamed),
            ("ties_lost", day.ties_lost), ("approval", day.approval), ("stance", day.stance),
        ):  # fmt: skip
            cols[column].append(values)
    out: dict[str, Any] = {c: np.concatenate(parts) if parts else [] for c, parts in cols.items()}
    for column, parts in masks.items():
        out[column] = _names(np.concatenate(parts, axis=1), spelled[column])
    for column, categories in (
        ("group", labels.groups),
        ("tier", labels.tiers),
        ("left_list", LEFT),
    ):
        out[column] = _categorical(np.asarray(out[column], np.int64), categories)
    return pd.DataFrame(out, columns=list(COLUMNS))
