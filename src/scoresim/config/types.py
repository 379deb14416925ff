"""Value types shared by the scenario's models."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
PerGroup = Probability | dict[str, Probability]
