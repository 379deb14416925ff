"""Value types and the strict base model shared by the scenario's models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
PerGroup = Probability | dict[str, Probability]


def per_group(value: float | dict[str, float], groups: Sequence[str]) -> list[float]:
    """A per-group value in the order of ``groups`` (a number applies to every group)."""
    return [value[g] for g in groups] if isinstance(value, dict) else [value] * len(groups)


class StrictModel(BaseModel):
    """The base of every scenario section."""

    # Strict: a boolean or a quoted number is not a number (true is not 1.0, "0.5" is
    # not 0.5); a typo of that kind is named, not converted.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)
