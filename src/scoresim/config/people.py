"""The ``people:`` section: who the synthetic people are beyond their group.

Age, sex and education are drawn once, at set-up, from shares given per group (so
they vary with urban and rural residence when the groups are urban and rural), and
education may shift income. Every part is optional; a scenario without the section
draws none of them and keeps its outputs bit for bit.

    people:
      age:                         # bands of whole years, lowest first, contiguous
        18-29: {urban: 0.2, rural: 0.15}
        30-59: {urban: 0.6, rural: 0.55}
        60-99: {urban: 0.2, rural: 0.3}
      female: {urban: 0.49, rural: 0.48}
      education:                   # levels, lowest first; shares per group, or per age band
        primary: {urban: 0.2, rural: 0.45}
        secondary: {urban: 0.5, rural: 0.45}
        university: {urban: 0.3, rural: 0.1}
      income_premium: {secondary: 0.23, university: 0.74}   # log points over the first level
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

from scoresim.config.types import PerGroup, StrictModel

MAX_AGE = 120
MAX_LEVELS = 20
_BAND = re.compile(r"^(\d{1,3})-(\d{1,3})$")

LevelName = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
BandName = Annotated[str, Field(pattern=r"^\d{1,3}-\d{1,3}$")]
Premium = Annotated[float, Field(ge=-5.0, le=5.0)]


class PeopleConfig(StrictModel):
    """Attributes of the synthetic people that surveys describe.

    Attributes:
        age: Band ``"A-B"`` (whole years A to B, both included) to its share per
            group; bands lowest first and contiguous (each starts the year after the
            last one ends).
        female: The share of women, per group.
        education: Level name to its share, lowest level first: one share for everyone,
            or a share per group, or a share per age band of ``age`` (then education
            varies with age, and with the group through each group's ages); every
            level is keyed the same way.
        income_premium: Level name to log points added to the income of a person
            with that level, over the first level (which has 0); levels not named
            have 0. The group's income is centred so that its mean log income, and
            hence its geometric mean, stays what ``groups.*.income`` gives.
    """

    age: Annotated[dict[BandName, PerGroup], Field(min_length=1, max_length=MAX_LEVELS)] | None = (
        None
    )
    female: PerGroup | None = None
    education: (
        Annotated[dict[LevelName, PerGroup], Field(min_length=1, max_length=MAX_LEVELS)] | None
    ) = None
    income_premium: dict[LevelName, Premium] = Field(default_factory=dict)


def education_keys(people: PeopleConfig, groups: list[str]) -> tuple[str, list[str]]:
    """What the education shares are given per (``"age"`` or ``"group"``), and its names.

    Shares are per age band when every level that gives a mapping names age bands; a
    mapping that names anything else is read as per group (and checked so).
    """
    bands = list(people.age or {})
    maps = [v for v in (people.education or {}).values() if isinstance(v, dict)]
    if bands and maps and all(set(v) <= set(bands) for v in maps):
        return "age", bands
    return "group", groups


def band_like(key: str) -> bool:
    """Whether ``key`` is written as an age band (``"A-B"``)."""
    return _BAND.match(key) is not None


def band_years(name: str) -> tuple[int, int]:
    """The first and last year of band ``"A-B"``."""
    match = _BAND.match(name)
    assert match is not None, name  # the model's pattern
    return int(match.group(1)), int(match.group(2))
