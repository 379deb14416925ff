"""Age, sex and education of the synthetic people, drawn once with their group.

Each attribute has its own purpose (``population/age``, ``population/age/year``,
``population/sex``, ``population/education``), one uniform per person on step 0, so
that adding the attributes leaves every other draw, and so every output but the new
columns, as it was; and a category is read off its group's cumulative shares, so a
share that grows moves people into the category from the next one up, never swaps
them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from scoresim.core.crn import Keys

F64 = NDArray[np.float64]
I32 = NDArray[np.int32]


def _none() -> F64:
    return np.zeros((0, 0), np.float64)


@dataclass(frozen=True)
class PeopleParams:
    """The ``people:`` section compiled; an empty array means the attribute is not drawn.

    Attributes:
        age_cum: (G, A) float64, cumulative shares of the age bands in each group, the
            last column 1; (0, 0) without ages.
        age_first, age_last: (A,) int32, the first and last year of each band.
        female: (G,) float64, the share of women per group; (0,) without sex.
        education_cum: (K, E) float64, cumulative shares of the education levels per
            group (K = G) or per age band (K = A), the last column 1; (0, 0) without.
        education_by_age: whether ``education_cum``'s rows are age bands.
        income_shift: (G, E) float64, log points added to income per group and level:
            the level's premium less the group's expected premium (over its ages, when
            education is given per age band), so that each group's expected log
            income is unchanged; (0, 0) without education.
    """

    age_cum: F64 = field(default_factory=_none)
    age_first: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    age_last: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    female: F64 = field(default_factory=lambda: np.zeros(0, np.float64))
    education_cum: F64 = field(default_factory=_none)
    education_by_age: bool = False
    income_shift: F64 = field(default_factory=_none)


@dataclass(frozen=True)
class People:
    """The drawn attributes; an empty array means the scenario does not draw it.

    Attributes:
        age: (N,) uint8, age in whole years; (0,) without ages.
        age_band: (N,) uint8, index of the age band; (0,) without ages.
        female: (N,) bool, a woman; (0,) without sex.
        education: (N,) uint8, index of the education level, lowest 0; (0,) without.
    """

    age: NDArray[np.uint8] = field(default_factory=lambda: np.zeros(0, np.uint8))
    female: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, np.bool_))
    education: NDArray[np.uint8] = field(default_factory=lambda: np.zeros(0, np.uint8))
    age_band: NDArray[np.uint8] = field(default_factory=lambda: np.zeros(0, np.uint8))


def _category(u: NDArray[np.float32], cum: F64, row: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """(N,) uint8: the first category whose cumulative share exceeds u.

    The shares are those of the person's row of ``cum``: the group's, or the age band's.
    """
    out = np.empty(row.shape[0], np.uint8)
    last = cum.shape[1] - 1
    for g in range(cum.shape[0]):
        mine = row == g
        # float32 draws against float64 edges; a draw at or above the last edge (1.0
        # less rounding) falls in the last category rather than past it.
        out[mine] = np.minimum(np.searchsorted(cum[g], u[mine].astype(np.float64), "right"), last)
    return out


def draw_people(group: NDArray[np.uint8], params: PeopleParams, keys: Keys) -> People:
    """Draw each attribute ``params`` defines for the people of groups ``group`` ((N,) uint8)."""
    n = group.shape[0]
    age = np.zeros(0, np.uint8)
    band = np.zeros(0, np.uint8)
    if params.age_cum.size:
        band = _category(keys.uniform("population/age", 0, n), params.age_cum, group)
        width = (params.age_last - params.age_first + 1)[band]
        year = np.minimum(
            (keys.uniform("population/age/year", 0, n) * width).astype(np.int32), width - 1
        )
        age = (params.age_first[band] + year).astype(np.uint8)
    female = np.zeros(0, np.bool_)
    if params.female.size:
        female = keys.uniform("population/sex", 0, n) < params.female[group]
    education = np.zeros(0, np.uint8)
    if params.education_cum.size:
        row = band if params.education_by_age else group
        education = _category(keys.uniform("population/education", 0, n), params.education_cum, row)
    for a in (age, female, education, band):
        a.setflags(write=False)  # drawn once; read-only arrays are not copied by undo
    return People(age, female, education, band)
