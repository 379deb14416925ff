"""Validation cases: published models rebuilt on the engine's core (``scoresim validate``).

Importing this package is cheap; the cases (and Numba) load with
:mod:`scoresim.validation.cases`.
"""

CASE_NAMES = (
    "epstein",
    "reputation",
    "thresholds",
    "emperor",
    "polls",
    "dissent",
    "calibration",
    "coverage",
)
