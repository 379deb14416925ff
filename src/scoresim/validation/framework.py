"""What a validation case is, what a check reports, and how ``--set`` values are read.

A case runs one configuration and returns its measures (:meth:`Case.run`); checks
that hold for any configuration where they apply come from :meth:`Case.point_checks`
(for example the analytic active share when there are no cops); checks that need
configurations of their own (trends across parameter values, many seeds) come from
:meth:`Case.suite`, run only when the user sets no parameter.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from scoresim.errors import ScoresimError

Params = dict[str, Any]
Measures = dict[str, float]


class ValidationOptionError(ScoresimError):
    """A ``--set`` key or value, or a case name, given to ``scoresim validate`` is wrong."""


@dataclass(frozen=True)
class Check:
    """One comparison of a measured value with what the source says.

    Attributes:
        name: what is checked, in a few words.
        expected: the expected value (a number) or relation (text).
        measured: the measured value.
        tolerance: the allowed deviation, or the statistical criterion, as text.
        passed: whether the measured value meets it.
    """

    name: str
    expected: float | str
    measured: float | str
    tolerance: str
    passed: bool

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: name, expected, measured, tolerance, passed."""
        return {
            "name": self.name,
            "expected": self.expected,
            "measured": self.measured,
            "tolerance": self.tolerance,
            "passed": self.passed,
        }


def near(name: str, expected: float, measured: float, tol: float) -> Check:
    """|measured - expected| <= tol."""
    ok = bool(abs(measured - expected) <= tol)
    return Check(name, round(expected, 6), round(measured, 6), f"±{tol:g}", ok)


def greater(name: str, low: list[float], high: list[float], alpha: float = 0.01) -> Check:
    """``high`` exceeds ``low``: one-sided Mann-Whitney U test at level ``alpha``."""
    p = float(stats.mannwhitneyu(high, low, alternative="greater").pvalue)
    measured = f"{np.mean(low):.4g} -> {np.mean(high):.4g} (p={p:.2g})"
    return Check(name, "increase", measured, f"one-sided Mann-Whitney p < {alpha:g}", p < alpha)


@dataclass(frozen=True)
class Case:
    """A validation case.

    Attributes:
        name: the CLI name.
        source: the publication it reproduces.
        defaults: parameter name -> default value (the type of each is its default's).
        choices: allowed values of the text parameters.
        bounds: inclusive (low, high) of the numeric parameters.
        consistent: raises ValidationOptionError if parameters contradict each other.
        run: (params, seed) -> measures.
        point_checks: (params, measures) -> the checks that apply to that configuration.
        suite: (seed, full) -> checks needing runs of their own.
    """

    name: str
    source: str
    defaults: Params
    run: Callable[[Params, int], Measures]
    point_checks: Callable[[Params, Measures], list[Check]]
    suite: Callable[[int, bool], list[Check]]
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)
    consistent: Callable[[Params], None] | None = None

    def params(self, sets: Params) -> Params:
        """The defaults with ``sets`` applied, each value checked against its default's type.

        Raises:
            ValidationOptionError: unknown key, wrong type or a value not among the choices.
        """
        out = dict(self.defaults)
        for key, value in sets.items():
            if key not in out:
                near_keys = difflib.get_close_matches(key, list(out), n=1)
                hint = f"did you mean {near_keys[0]!r}?" if near_keys else "see docs/validation.md"
                raise ValidationOptionError(
                    f"--set {key}: {self.name} has no such parameter; {hint} "
                    f"(parameters: {', '.join(out)})"
                )
            out[key] = _coerce(self, key, value)
        if self.consistent is not None:
            self.consistent(out)
        return out


def _coerce(case: Case, key: str, value: Any) -> Any:
    default = case.defaults[key]
    where = f"--set {key}={value!r} ({case.name})"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValidationOptionError(f"{where}: not true or false; use true or false")
        return value
    if isinstance(default, int | float):
        whole = isinstance(default, int)
        if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
            kind = "a whole number" if whole else "a number"
            raise ValidationOptionError(f"{where}: not {kind}; use {kind} such as {default}")
        lo, hi = case.bounds.get(key, (0, np.inf))
        if not lo <= value <= hi:
            raise ValidationOptionError(f"{where}: out of range; use {lo:g} to {hi:g}")
        return value if whole else float(value)
    allowed = case.choices.get(key, ())
    if str(value) not in allowed:
        raise ValidationOptionError(f"{where}: not allowed; use one of: {', '.join(allowed)}")
    return str(value)
