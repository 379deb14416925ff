"""The validation cases by name, and running them into reports."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from scoresim.validation import (
    coverage_case,
    dissent,
    emperor,
    epstein_case,
    polls_case,
    recovery,
    reputation,
    thresholds,
)
from scoresim.validation.framework import Case, Check, Measures, Params, ValidationOptionError

CASES: dict[str, Case] = {
    c.name: c
    for c in (
        epstein_case.CASE,
        reputation.CASE,
        thresholds.CASE,
        emperor.CASE,
        polls_case.CASE,
        dissent.CASE,
        recovery.CASE,
        coverage_case.CASE,
    )
}


@dataclass(frozen=True)
class Report:
    """One case's outcome: the parameters run, the measures, the checks."""

    case: str
    params: Params
    measures: Measures
    checks: list[Check]

    def as_dict(self) -> dict[str, Any]:
        """The JSON object of one case."""
        return {
            "case": self.case,
            "params": self.params,
            "measures": self.measures,
            "checks": [c.as_dict() for c in self.checks],
        }


def select(names: list[str], sets: Params) -> list[tuple[Case, Params]]:
    """The cases to run (all if ``names`` is empty) with their ``--set`` values.

    A key applies to every selected case that has it, and must belong to one.

    Raises:
        ValidationOptionError: an unknown case or key.
    """
    for name in names:
        if name not in CASES:
            raise ValidationOptionError(
                f"{name}: no such validation case; use one of: {', '.join(CASES)}"
            )
    chosen = [CASES[n] for n in names] if names else list(CASES.values())
    for key in sets:
        if not any(key in c.defaults for c in chosen):
            owners = [c.name for c in CASES.values() if key in c.defaults]
            known = sorted({k for c in chosen for k in c.defaults})
            near = difflib.get_close_matches(key, known, n=1)
            if owners:
                hint = f"it belongs to {', '.join(owners)}"
            elif near:
                hint = f"did you mean {near[0]!r}?"
            else:
                hint = f"parameters: {', '.join(known)}"
            raise ValidationOptionError(
                f"--set {key}: not a parameter of {', '.join(c.name for c in chosen)}; {hint}"
            )
    out = []
    for case in chosen:
        mine = {k: v for k, v in sets.items() if k in case.defaults}
        out.append((case, case.params(mine)))
    return out


def run_case(case: Case, params: Params, custom: bool, seed: int, full: bool) -> Report:
    """Run one configuration; with default parameters also the case's own suite."""
    measures = case.run(params, seed)
    checks = case.point_checks(params, measures)
    if not custom:
        seen = {c.name for c in checks}
        checks += [c for c in case.suite(seed, full) if c.name not in seen]
    return Report(case.name, params, measures, checks)
