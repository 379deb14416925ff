"""Following chosen people through a run: every day of theirs, as a table.

A run with ``follow`` keeps, for each followed person and each step, what they did,
which source saw it and what was recorded (true or false), the points, score and
tier that followed, whether they were listed and why, what they wanted and were
denied, whether they were shamed, the ties they lost, and their private approval and
stance. docs/model.md, section 8 ("The followed people") defines every column.

Nothing here draws a number: the sources' and opportunities' details are read again
from the step's keyed draws (the same draw for the same person, purpose and day), so
following people moves no other draw and changes no result.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoresim.core.crn import Keys
from scoresim.engine.follow_draws import opportunities, sources_seen
from scoresim.engine.follow_gather import gather_after
from scoresim.errors import ExtensionError, RunOptionError
from scoresim.parts.guard import describe
from scoresim.society.events import StepEvents
from scoresim.society.params import ConsequenceParams, ObserveParams, RegimeParams
from scoresim.society.parts import Consequences, Score
from scoresim.society.state import CitizenState
from scoresim.society.step import Plan

Ids = NDArray[np.int64]
Rule = Callable[[CitizenState], Any]
FOLLOW_PURPOSE = "follow"
"""The set-up stream that chooses ``follow=N`` people (no other draw uses it)."""
MAX_FOLLOWED = 100_000
COLUMNS = (
    "step", "id", "group", "did", "seen_by", "misread_by", "false_record_by", "recorded",
    "recorded_falsely", "points", "score", "tier", "listed", "listed_wrongly",
    "newly_listed", "left_list", "appealed", "wanted", "denied", "perk", "shamed",
    "ties_lost", "approval", "stance",
)  # fmt: skip
"""The followed table's own columns (:mod:`scoresim.engine.follow_table`)."""


def choose(follow: int | Sequence[int] | NDArray[Any] | Rule, state: CitizenState, keys: Keys,
           nodes: Ids | None = None) -> Ids:  # fmt: skip
    """The followed people's positions, sorted: N at random, the ids given, or a rule's.

    Args:
        follow: an int N (N people drawn without replacement from the ``follow``
            set-up stream), a sequence of ids, or ``rule(state)`` returning positions
            (indices into the state's arrays) or an (N,) bool mask, called once on the
            state of step 0.
        state: the run's people before the first step (a read-only view).
        keys: the run's keys.
        nodes: (N,) the node id of each position, with a network of the user's; ids
            given as a list are then node ids.

    Raises:
        RunOptionError: not one of those, an id out of range or repeated, nobody, or
            too many; one line that names the value and the fix.
    """
    n = state.n
    most = min(n, MAX_FOLLOWED)
    if isinstance(follow, bool):
        raise RunOptionError(f"follow: {follow!r} is not allowed; give a number of people, ids or a rule")  # fmt: skip
    if isinstance(follow, int | np.integer):
        k = int(follow)
        if not 0 < k <= most:
            raise RunOptionError(
                f"follow: {k} is not allowed; follow between 1 and {most:,} people"
            )
        u = keys.generator(FOLLOW_PURPOSE).random(n)
        return np.sort(np.argpartition(u, k - 1)[:k] if k < n else np.arange(n)).astype(np.int64)
    if callable(follow):
        try:
            chosen = follow(state)
        except Exception as exc:  # the user's code can raise anything
            raise RunOptionError(f"follow: the rule raised {describe(exc)}; fix the rule") from exc
        ids = _positions(chosen, n, "follow: the rule returned", None)
    else:
        ids = _positions(follow, n, "follow:", nodes)
    if ids.size == 0 or ids.size > most:
        raise RunOptionError(f"follow: {ids.size:,} people chosen; follow between 1 and {most:,}")
    return np.sort(ids)


def _positions(value: object, n: int, what: str, nodes: Ids | None) -> Ids:
    """``value`` as positions: ids (node ids with ``nodes``) or an (n,) bool mask."""
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    try:
        ids = np.asarray(value)
    except ValueError:  # ragged nesting
        ids = np.asarray([None])
    if ids.dtype == np.bool_:
        if ids.shape != (n,):
            raise RunOptionError(
                f"{what} a mask of shape {ids.shape}; this run has {n:,} people: give one bool per person"
            )
        return np.flatnonzero(ids).astype(np.int64)
    if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
        raise RunOptionError(
            f"{what} {shown}, which is not ids; give whole numbers (a list of ids), "
            "an (N,) bool mask or a number of people"
        )
    ids = ids.astype(np.int64)
    if nodes is not None:
        order = np.argsort(nodes, kind="stable")
        at = np.minimum(np.searchsorted(nodes, ids, sorter=order), n - 1)
        known = nodes[order[at]] == ids
        if not known.all():
            raise RunOptionError(
                f"follow: {int(ids[~known][0])} is not a node of your network; give node ids "
                f"from 0 to {n - 1}"
            )
        ids = order[at].astype(np.int64)
    elif ids.size and (ids.min() < 0 or ids.max() >= n):
        bad = int(ids[(ids < 0) | (ids >= n)][0])
        raise RunOptionError(f"{what} id {bad}, which is not a person of this run; ids go from 0 to {n - 1}")  # fmt: skip
    unique, counts = np.unique(ids, return_counts=True)
    if (counts > 1).any():
        raise RunOptionError(f"{what} id {int(unique[counts > 1][0])} twice; give each person once")
    return ids


PersonReporter = Callable[[CitizenState, StepEvents, Ids], Any]
"""A measure of the user's per followed person: ``fn(state, events, ids)`` -> (K,) numbers."""


def person_reporters_of(value: Mapping[str, PersonReporter] | None, follow: object) -> dict[str, PersonReporter]:  # fmt: skip
    """The ``person_reporters`` argument as a dict of names to functions.

    Raises:
        RunOptionError: not a mapping of names to functions, a name that is a column of
            the followed table, or given without ``follow``.
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise RunOptionError(
            "person_reporters: give a mapping of names to functions fn(state, events, ids)"
        )
    if follow is None:
        raise RunOptionError("person_reporters: they report on followed people; give follow= too")
    out: dict[str, PersonReporter] = {}
    for name, fn in value.items():
        if not isinstance(name, str) or not name.isidentifier() or name in COLUMNS:
            raise RunOptionError(
                f"person_reporters: the name {name!r} is not allowed; use an identifier that "
                "is not a column of the followed table"
            )
        if not callable(fn):
            raise RunOptionError(f"person_reporters.{name}: give a function fn(state, events, ids)")
        out[name] = fn
    return out


def person_values(name: str, fn: PersonReporter, state: CitizenState, ev: StepEvents,
                  ids: Ids, t: int) -> NDArray[np.float64]:  # fmt: skip
    """A person reporter's (K,) float64 values for step t.

    Raises:
        ExtensionError: it raised, or did not return K real numbers.
    """
    try:
        raw = fn(state, ev, ids)
    except Exception as exc:  # the user's code can raise anything
        raise ExtensionError(
            f"person_reporters.{name}: in step {t}, raised {describe(exc)}",
            f"person_reporters.{name}",
        ) from exc
    values = np.asarray(raw)
    if values.shape != ids.shape or values.dtype == np.bool_ or not np.issubdtype(values.dtype, np.number):  # fmt: skip
        raise ExtensionError(
            f"person_reporters.{name}: in step {t}, returned {type(raw).__name__} of shape "
            f"{values.shape}; return one number per followed person, shape {ids.shape}",
            f"person_reporters.{name}",
        )
    return values.astype(np.float64)


def with_follower(plan: Plan, follower: Follower) -> Plan:
    """``plan`` with the follower's looks placed right before ``score`` and ``consequences``."""
    parts = list(plan.parts)
    # By type, not name: a plug-in mechanism may be called "consequences" too.
    at = next(k for k, part in enumerate(parts) if isinstance(part, Consequences))
    parts.insert(at, AtConsequences(follower))
    at = next(k for k, part in enumerate(parts) if isinstance(part, Score))
    parts.insert(at, AtScore(follower))
    return dataclasses.replace(plan, parts=tuple(parts))


@dataclass
class Day:
    """One step of the followed people, K of them; (B, K), (P, K), (O, K) or (K,).

    The sources' and opportunities' details (``seen`` to ``denied``) are read from the
    draws later, for many days at once (:meth:`Follower.resolved`); until then they are
    None, and ``observe``, ``consequences``, ``informants``, ``tier_seen`` and
    ``listed_seen`` keep what reading them needs.
    """

    step: int
    observe: ObserveParams  # that day's sources
    consequences: ConsequenceParams  # that day's opportunities
    informants: NDArray[np.int32]  # (K,) informant neighbours when the sources watched
    tier_seen: NDArray[np.uint8]  # (K,) the tier the consequences phase saw
    listed_seen: NDArray[np.bool_]  # (K,) listed, as the consequences phase saw it
    acts: NDArray[np.bool_]
    caught: NDArray[np.bool_]
    false_records: NDArray[np.bool_]
    points: NDArray[np.int64]
    score: NDArray[np.int16]
    tier: NDArray[np.uint8]
    listed: NDArray[np.bool_]
    listed_wrongly: NDArray[np.bool_]
    newly_listed: NDArray[np.bool_]
    left: NDArray[np.uint8]  # 0 none, 1 paid, 2 repaired, 3 expired, 4 appeal won
    appealed: NDArray[np.bool_]
    perk: NDArray[np.float64]
    shamed: NDArray[np.bool_]
    ties_lost: NDArray[np.int64]
    approval: NDArray[np.float32]
    stance: NDArray[np.float32]
    reported: dict[str, NDArray[np.float64]]
    seen: NDArray[np.bool_] | None = None  # (P, K): pair q's source saw the act (misread or not)
    misread: NDArray[np.bool_] | None = None  # (P, K)
    false_drawn: NDArray[np.bool_] | None = None  # (P, K): pair q's false-positive draw came up
    wanted: NDArray[np.bool_] | None = None  # (O, K)
    denied: NDArray[np.bool_] | None = None  # (O, K)

    @property
    def pairs(self) -> tuple[str, ...]:
        """(P,) that day's ``"source: behaviour"`` pairs, in the order of ``seen``'s rows."""
        o = self.observe
        return tuple(f"{o.source_names[s]}: {o.behaviour_names[b]}" for s, b in o.pairs)


class Follower:
    """Keeps the followed people's days; the stepper calls it around every step.

    Args:
        ids: (K,) int64, the followed people, sorted.
        keys: the run's keys, to read the days' draws again.
        group: (N,) uint8, everyone's group (fixed for the run).
    """

    def __init__(self, ids: Ids, keys: Keys, group: NDArray[np.uint8]) -> None:
        self.ids = ids
        self.keys = keys
        self.group = group[ids]
        self.days: list[Day] = []
        self._before: tuple[NDArray[np.int16], NDArray[np.uint32], NDArray[np.int32]] | None = None
        self._seen_by_consequences: tuple[NDArray[np.uint8], NDArray[np.bool_]] | None = None
        self._records: tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]] | None = None

    def before(self, state: CitizenState) -> None:
        """Before a step: the score, ties lost and informant neighbours of the morning."""
        ids = self.ids
        # Indexing with an id array copies already (no .copy() needed).
        self._before = state.score[ids], state.ties_lost[ids], state.informant_count[ids]

    def at_score(self, ev: StepEvents) -> None:
        """Right before the score phase: the acts and the records it will read.

        Read here, just written by the sources, rather than at the end of the step,
        when they are far from the caches (docs/performance.md).
        """
        ids = self.ids
        self._records = ev.acts.take(ids, axis=1), ev.caught.take(ids, axis=1), ev.false_records.take(ids, axis=1)  # fmt: skip

    def at_consequences(self, state: CitizenState) -> None:
        """Right before the consequences phase: the tier and listing it will see."""
        self._seen_by_consequences = state.tier[self.ids], state.listed_until[self.ids] > 0

    def after(self, state: CitizenState, ev: StepEvents, regime: RegimeParams,
              reported: dict[str, NDArray[np.float64]]) -> Day:  # fmt: skip
        """After the step (``state.step`` already advanced): the day, kept and returned."""
        assert self._before is not None and self._seen_by_consequences is not None
        ids = self.ids
        score0, lost0, informants = self._before
        tier_c, listed_c = self._seen_by_consequences
        assert self._records is not None
        acts, caught, false_records = self._records
        k = ids.shape[0]
        flags = np.empty((6, k), np.bool_)
        left = np.empty(k, np.uint8)
        score, tier = np.empty(k, np.int16), np.empty(k, np.uint8)
        ties, stance, approval = np.empty(k, np.uint32), np.empty(k, np.float32), np.empty(k, np.float32)  # fmt: skip
        no_approval = np.empty(0, np.float32)
        gather_after(ids, (ev.paid, ev.repaired, ev.expired, ev.appeals_won),
                     (ev.newly_listed, ev.appeals_filed, ev.newly_shamed, state.consented),
                     state.listed_until, state.listed_wrongly, state.score, state.tier,
                     state.ties_lost, state.stance, state.traits.get("approval", no_approval),
                     flags, left, score, tier, ties, stance, approval)  # fmt: skip
        c = regime.consequences
        perk = c.perk[tier_c].astype(np.float64)
        if c.consent_required:
            perk = np.where(flags[3], perk, 0.0)
        day = Day(
            step=state.step - 1,
            observe=regime.observe,
            consequences=c,
            informants=informants,
            tier_seen=tier_c,
            listed_seen=listed_c,
            acts=acts,
            caught=caught,
            false_records=false_records,
            points=score.astype(np.int64) - score0,
            score=score,
            tier=tier,
            listed=flags[4],
            listed_wrongly=flags[5],
            newly_listed=flags[0],
            left=left,
            appealed=flags[1],
            perk=perk,
            shamed=flags[2],
            ties_lost=ties.astype(np.int64) - lost0,
            approval=approval,
            stance=stance,
            reported=reported,
        )
        self.days.append(day)
        return day

    def resolved(self, days: Sequence[Day] | None = None) -> list[Day]:
        """``days`` (default: all kept) with their sources' and opportunities' details read.

        Consecutive days under the same regime are read together: one call of the
        keyed draws per purpose for all their person-days, and detection only where
        there was an act.
        """
        todo = list(self.days if days is None else days)
        k = self.ids.shape[0]
        start = 0
        while start < len(todo):
            first = todo[start]
            end = start + 1
            while (
                end < len(todo)
                and todo[end].observe is first.observe
                and (todo[end].consequences is first.consequences)
            ):
                end += 1
            batch = [d for d in todo[start:end] if d.seen is None]
            start = end
            if not batch:
                continue
            t = len(batch)
            steps = np.repeat(np.array([d.step for d in batch], np.int64), k)
            ids = np.tile(self.ids, t)
            group = np.tile(self.group, t)
            acts = np.concatenate([d.acts for d in batch], axis=1)
            informants = np.concatenate([d.informants for d in batch])
            recorded = np.concatenate([d.caught | d.false_records for d in batch], axis=1)
            seen, misread, false_drawn = sources_seen(
                first.observe, group, informants, acts, recorded, ids, steps, self.keys
            )
            tier = np.concatenate([d.tier_seen for d in batch])
            listed = np.concatenate([d.listed_seen for d in batch])
            wanted, denied = opportunities(first.consequences, tier, listed, ids, steps, self.keys)
            for j, d in enumerate(batch):
                cols = slice(j * k, (j + 1) * k)
                d.seen, d.misread, d.false_drawn = (
                    seen[:, cols],
                    misread[:, cols],
                    false_drawn[:, cols],
                )
                d.wanted, d.denied = wanted[:, cols], denied[:, cols]
        return todo


class AtConsequences:
    """The step's part, placed before ``consequences``, that shows the follower the state."""

    name = "follow"

    def __init__(self, follower: Follower) -> None:
        self.follower = follower

    def act(self, s: Any) -> None:
        """Keep the tier and listing the consequences phase is about to read."""
        self.follower.at_consequences(s.state)

    def record(self, s: Any) -> None:
        """No columns of its own."""


class AtScore(AtConsequences):
    """The step's part, placed before ``score``, that shows the follower the records."""

    name = "follow_records"

    def act(self, s: Any) -> None:
        """Keep the acts and records the score phase is about to read."""
        self.follower.at_score(s.ev)
