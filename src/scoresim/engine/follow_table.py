"""The followed people's days as a tidy table, one row per person and step.

docs/model.md, section 8 ("The followed people"), defines each column; the lists name
behaviours, ``source: behaviour`` pairs and opportunities in the scenario's order.
"""

from __future__ import annotations

import functools
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
    if mask.shape[0] <= 16:  # each pattern an integer below 2^16: marked, not sorted
        small = np.uint8 if mask.shape[0] <= 8 else np.uint16  # a narrow key is quicker
        keys = mask[0].astype(small)
        for i in range(1, mask.shape[0]):
            keys |= mask[i].astype(small) << small(i)
        present = np.zeros(1 << mask.shape[0], np.bool_)
        present[keys] = True
        found = np.flatnonzero(present)
        # Codes as narrow as pandas keeps them (fewer than 128 categories: int8).
        code = np.zeros(1 << mask.shape[0], np.int8 if found.shape[0] < 128 else np.int32)
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


@functools.lru_cache(maxsize=256)
def _dtype(categories: tuple[str, ...]) -> pd.CategoricalDtype:
    """The categorical dtype of ``categories``, built (and checked by pandas) once."""
    # Object strings, not pandas' Arrow strings: four times quicker to build, the same
    # column in people.parquet.
    return pd.CategoricalDtype(pd.Index(list(categories), dtype=object))


def _categorical(codes: NDArray[np.integer[Any]], categories: Sequence[str]) -> pd.Series:
    """A categorical column from codes into ``categories`` (no string is built per row)."""
    # Codes are built here, always in range: pandas need not check them again.
    cat = pd.Categorical.from_codes(codes, dtype=_dtype(tuple(categories)), validate=False)
    return pd.Series(cat, copy=False)


SCALARS = ("points", "score", "listed", "listed_wrongly", "newly_listed", "appealed", "perk",
           "shamed", "ties_lost", "approval", "stance")  # fmt: skip
"""The columns copied from :class:`~scoresim.engine.follow.Day` as they are."""
MASKS = {"did": "acts", "seen_by": "seen", "misread_by": "misread",
         "false_record_by": "false_drawn", "recorded": "caught",
         "recorded_falsely": "false_records", "wanted": "wanted", "denied": "denied"}  # fmt: skip
"""The list columns and the Day field (a (R, K) bool) each is spelled from."""
PAIRED = ("seen_by", "misread_by", "false_record_by")
"""The list columns whose rows are the day's ``source: behaviour`` pairs."""


def followed_table(days: Sequence[Day], ids: Ids, group: NDArray[np.uint8], labels: Labels) -> pd.DataFrame:  # fmt: skip
    """One row per followed person and step, in step order then id order.

    Args:
        days: the :class:`~scoresim.engine.follow.Day` of every step, in order.
        ids: (K,) int64, the followed people.
        group: (K,) uint8, the followed people's groups.
        labels: the run's names.
    """
    k, t = ids.shape[0], len(days)
    # The sources may change during a run (a timeline, Simulation.set): name each
    # day's pairs by that day's regime, as rows of the union in order of appearance.
    # A day's pairs are named once per regime, not once per day.
    named: dict[int, tuple[str, ...]] = {}
    for day in days:
        if id(day.observe) not in named:
            named[id(day.observe)] = day.pairs
    pairs = list(dict.fromkeys(name for names in named.values() for name in names))
    where = {key: np.array([pairs.index(n) for n in names], np.int64)
             for key, names in named.items()}  # fmt: skip
    spelled = {"did": labels.behaviours, "recorded": labels.behaviours,
               "recorded_falsely": labels.behaviours, "wanted": labels.opportunities,
               "denied": labels.opportunities} | dict.fromkeys(PAIRED, pairs)  # fmt: skip
    out: dict[str, Any] = {
        "step": np.repeat(np.array([d.step for d in days], np.int32), k),
        "id": np.tile(ids, t),
        "group": _categorical(np.tile(group.astype(np.int64), t), labels.groups),
    }
    for column, field in MASKS.items():
        rows = len(spelled[column])
        mask = np.zeros((rows, t * k), np.bool_)
        for j, day in enumerate(days):
            value = getattr(day, field)
            at = where[id(day.observe)] if column in PAIRED else slice(None)
            mask[at, j * k : (j + 1) * k] = value
        out[column] = _names(mask, spelled[column])
    for column, field, categories in (("tier", "tier", labels.tiers), ("left_list", "left", LEFT)):
        codes = np.concatenate([getattr(d, field) for d in days]) if days else np.zeros(0, np.uint8)
        out[column] = _categorical(codes.astype(np.int64), categories)
    for column in SCALARS:
        out[column] = np.concatenate([getattr(d, column) for d in days]) if days else []
    return pd.DataFrame(out, columns=list(COLUMNS))
