"""What happens within one step, handed from phase to phase.

N agents, B behaviours. Phases fill the fields in order: ``behave`` sets ``acts``,
``observe`` the records, ``score`` the listings and appeals, ``consequences`` the
denials and shamings; ``adapt`` and ``measure`` read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray


def _bools(shape: tuple[int, ...]) -> NDArray[np.bool_]:
    return np.zeros(shape, dtype=np.bool_)


@dataclass
class StepEvents:
    """One step's events.

    Attributes:
        acts: (B, N) bool, who did what today.
        detected: (B, N) bool, true acts seen by at least one source, including those
            then misread; the records of the error-free world.
        caught: (B, N) bool, true acts recorded by at least one source.
        false_records: (B, N) bool, records of acts not done (false positives and
            misread speech), excluding agents also truly caught for that behaviour.
        newly_listed: (N,) bool, put on the list this step.
        paid: (N,) bool, listing ended this step because the person paid (list coupling).
        repaired: (N,) bool, listing ended this step by credit repair (list coupling).
        expired: (N,) bool, listing reached its term this step and was not renewed or
            extended (a new entry event that day starts a new listing, counted as an
            entry).
        appeals_filed: (N,) bool, appeals lodged this step.
        appeals_won: (N,) bool, appeals decided in the person's favour this step.
        wanted: (O, G) int64, people wanting each opportunity this step, per group.
        denied: (O, G) int64, denials of each opportunity this step, per group.
        denied_any: (N,) bool, denied at least one opportunity this step.
        newly_shamed: (N,) bool, made public on some shaming channel this step.
        screen_viewers: (K,) int64, ids of people who saw the screens today.
        shame_learners: (K,) int64, ids of neighbours who learned of a listing through
            the map or the ringtone today (one entry per agent).
    """

    acts: NDArray[np.bool_]
    detected: NDArray[np.bool_]
    caught: NDArray[np.bool_]
    false_records: NDArray[np.bool_]
    newly_listed: NDArray[np.bool_]
    paid: NDArray[np.bool_]
    repaired: NDArray[np.bool_]
    expired: NDArray[np.bool_]
    appeals_filed: NDArray[np.bool_]
    appeals_won: NDArray[np.bool_]
    wanted: NDArray[np.int64]
    denied: NDArray[np.int64]
    denied_any: NDArray[np.bool_]
    newly_shamed: NDArray[np.bool_]
    screen_viewers: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    shame_learners: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))

    @classmethod
    def empty(cls, n: int, b: int, o: int, g: int) -> StepEvents:
        """Events of a step in which nothing has happened yet."""
        return cls(
            acts=_bools((b, n)),
            detected=_bools((b, n)),
            caught=_bools((b, n)),
            false_records=_bools((b, n)),
            newly_listed=_bools((n,)),
            paid=_bools((n,)),
            repaired=_bools((n,)),
            expired=_bools((n,)),
            appeals_filed=_bools((n,)),
            appeals_won=_bools((n,)),
            wanted=np.zeros((o, g), dtype=np.int64),
            denied=np.zeros((o, g), dtype=np.int64),
            denied_any=_bools((n,)),
            newly_shamed=_bools((n,)),
        )

    @property
    def recorded(self) -> NDArray[np.bool_]:
        """(B, N) bool, everything the sources recorded, true or false."""
        return self.caught | self.false_records
