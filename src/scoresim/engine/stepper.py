"""``scoresim.Simulation``: a run you hold, step, look into and extend with your measures.

As in Mesa, a model is an object: build it from a scenario, step it one day or many,
read its metrics so far, its agents now and the last step's events, and add measures
of your own (``reporters``) that are collected after every step, like Mesa's
DataCollector. Stepping 1 + 1 + ... + 1 gives bit for bit what ``run(n)`` and
:func:`scoresim.simulate` give, because every random number is keyed by (purpose,
step, person) and does not depend on how the steps are batched.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from scoresim import limits
from scoresim.config.loading import Scenario, load_scenario
from scoresim.config.models import ScenarioConfig
from scoresim.engine.compile import compile_scenario, start_hooks
from scoresim.engine.follow import (
    Follower,
    PersonReporter,
    Rule,
    choose,
    person_reporters_of,
    person_values,
    with_follower,
)
from scoresim.engine.follow_table import followed_table
from scoresim.engine.options import check_options, function, integer, overrides_of, reporters_of
from scoresim.engine.start import setup
from scoresim.engine.timeline import RunTimeline, with_change
from scoresim.engine.undo import Undo
from scoresim.errors import ExtensionError, RunOptionError, SimulationError
from scoresim.mechanisms.polls import PollsHook
from scoresim.parts.guard import describe
from scoresim.results.network_sample import sample_network
from scoresim.results.polls import poll_table
from scoresim.results.run import RunResult, build_agents, build_metrics
from scoresim.society.events import StepEvents
from scoresim.society.measure import MetricsBuffer
from scoresim.society.state import CitizenState
from scoresim.society.step import step
from scoresim.version import VERSION

Reporter = Callable[[CitizenState, StepEvents], float]
"""A measure of the user's: a function of the (read-only) state and the step's events."""
ProgressFn = Callable[[int, int], None]
INITIAL_ROWS = 64


def _readonly(obj: Any) -> Any:
    """A copy of a dataclass of arrays whose arrays are read-only views of the originals."""
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, np.ndarray):
            value = _frozen(value)
        elif isinstance(value, dict):  # the mechanisms' traits
            value = {k: _frozen(v) for k, v in value.items()}
        fields[f.name] = value
    return type(obj)(**fields)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _number(value: object) -> float | None:
    """A reporter's value as a float, or None if it is not a number (a bool is not)."""
    if isinstance(value, bool | np.bool_):
        return None
    if not isinstance(value, int | float | np.integer | np.floating):
        return None
    try:
        return float(value)
    except OverflowError:  # an int beyond a float's range
        return None


def _frozen(a: np.ndarray) -> np.ndarray:
    view = a.view()
    view.flags.writeable = False
    return view


def as_scenario(scenario: Scenario | ScenarioConfig | str | Path) -> Scenario:
    """A checked :class:`Scenario` from a scenario, a config built in code, a name or a path.

    A :class:`ScenarioConfig` made in code is re-validated with every check a file gets.
    """
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, ScenarioConfig):
        return Scenario.from_dict(scenario.model_dump(mode="json"), "ScenarioConfig in code")
    return load_scenario(scenario)


class Simulation:
    """A scored society you can step.

    Args:
        scenario: A :class:`Scenario`, a :class:`ScenarioConfig`, a built-in name or a
            path to a YAML file.
        agents: Number of agents N (with ``network``, its number of nodes).
        seed: Root seed; the same seed gives the same bits.
        overrides: Dotted field paths to values, as ``--set`` takes them.
        network: Your own network instead of the generated one: an (E, 2) array of
            node pairs, a SciPy sparse adjacency matrix, or a networkx graph, with
            node ids ``0 .. agents - 1`` (see :mod:`scoresim.engine.own_network`).
        reporters: ``{"name": fn}``; after every step ``fn(state, events)`` is called
            with read-only views and its number becomes the ``name`` column of
            :attr:`metrics` (in the ``all`` rows; NaN in the group rows).
        follow: people to follow through the run (:meth:`followed`, ``people.parquet``):
            a number N (N people at random, from their own set-up stream), their ids
            (your node ids with your own network), or ``rule(state)`` returning ids or
            an (N,) bool mask, called on the state of step 0. Following changes no
            result.
        person_reporters: ``{"name": fn}``; after every step ``fn(state, events, ids)``
            returns one number per followed person ((K,) array-like), which becomes the
            ``name`` column of :meth:`followed`. Needs ``follow``.

    A step, reporters included, either completes or leaves the simulation as it was
    before it: when a reporter or a plug-in mechanism raises, the step is undone
    (state, metrics, step count, random streams; see :mod:`scoresim.engine.undo`)
    and stepping again gives the same bits as a simulation that never failed.

    Raises:
        ScoresimError: For an unknown scenario, bad overrides, options (an option that
            is not an integer too: ``seed=True`` is not 1) or network.
        ExtensionError: A plug-in mechanism fails as the run starts.
    """

    def __init__(
        self,
        scenario: Scenario | ScenarioConfig | str | Path,
        *,
        agents: int = 100_000,
        seed: int = 0,
        overrides: Mapping[str, Any] | None = None,
        network: Any = None,
        reporters: Mapping[str, Reporter] | None = None,
        follow: int | Sequence[int] | NDArray[Any] | Rule | None = None,
        person_reporters: Mapping[str, PersonReporter] | None = None,
        _rows: int = INITIAL_ROWS,
        _undo: bool | None = None,
    ) -> None:
        agents, _, seed = check_options(agents, 1, seed)
        self.reporters: dict[str, Reporter] = reporters_of(reporters)
        extra = overrides_of(overrides)
        self.scenario = as_scenario(scenario).with_overrides(extra, label="overrides")
        t0 = time.perf_counter()
        self.compiled = compile_scenario(self.scenario.config)
        columns = list(self.compiled.columns)
        clash = sorted(set(self.reporters) & {*columns, "step", "group"})
        if clash:
            raise RunOptionError(
                f"reporters: {clash[0]!r} is already a metrics column; give it another name"
            )
        if network is None:
            self._state, self.net, self.keys, self.root = setup(self.compiled, agents, seed)
            self.ids: np.ndarray | None = None
        else:
            from scoresim.engine.own_network import setup_with_network

            built = setup_with_network(self.compiled, agents, seed, network)
            self._state, self.net, self.keys, self.root, self.ids = built
        self.agents_n, self.seed = agents, seed
        self._timeline = (
            RunTimeline.of(self.scenario, self.compiled) if self.scenario.config.timeline else None
        )
        self._set_entry: tuple[int, int] | None = None  # (day, position) of set()'s last entry
        self.hooks = start_hooks(self.compiled, self._state, self.net, self.keys)
        self.follower: Follower | None = None
        self.person_reporters = person_reporters_of(person_reporters, follow)
        self._follow_how = (
            "at random" if isinstance(follow, int | np.integer) and not isinstance(follow, bool)
            else "by a rule" if callable(follow) else "by id"
        )  # fmt: skip
        if follow is not None:
            # A rule reads a read-only view: choosing whom to follow changes nothing.
            self.follower = Follower(
                choose(follow, self.state, self.keys, self.ids), self.keys, self._state.group
            )
            self.hooks = with_follower(self.hooks, self.follower)
        self.buf = MetricsBuffer(self.compiled.columns, len(self.compiled.labels.groups), _rows)
        self._reported: dict[str, list[float]] = {name: [] for name in self.reporters}
        self._events: StepEvents | None = None
        # A step that runs code scoresim did not write is saved first, to be undone if
        # that code raises; otherwise a step that stops half-way (Ctrl-C) stops the
        # simulation for good (``_broken``), rather than leaving it half a step on.
        plugins = any(a.plugin is not None for a in self.compiled.mechanisms)
        users = bool(self.reporters) or bool(self.person_reporters)
        undo = users or plugins if _undo is None else _undo
        self._undo = self._undo_of() if undo else None
        self._broken: str | None = None
        self._busy = False  # stepping now: a reporter or progress function may not step
        self.setup_seconds = time.perf_counter() - t0
        self.run_seconds = 0.0

    def _undo_of(self) -> Undo:
        """What a step changes (state, ties, hooks, buffer), and what it never enters."""
        roots = [self._state, self.net, self.hooks, self.buf]
        fixed = [self, self.net.indptr, self.net.indices, self.buf.values, self.buf.table]
        if self.follower is not None:  # it keeps a day only once the step has succeeded
            fixed.append(self.follower)
        return Undo(roots, fixed, sealed=[self.compiled, self.keys])

    @property
    def steps(self) -> int:
        """Steps done so far."""
        return self._state.step

    @property
    def state(self) -> CitizenState:
        """The agents' state now, as read-only views (they follow the simulation)."""
        state: CitizenState = _readonly(self._state)
        return state

    @property
    def events(self) -> StepEvents | None:
        """What happened in the last step (read-only), or None before the first."""
        return None if self._events is None else _readonly(self._events)

    def step(self, n: int = 1) -> None:
        """Advance ``n`` steps, drawing each step's numbers as it comes.

        Raises:
            RunOptionError: ``n`` is not an integer of 0 or more, or would take the run
                past the most steps a run may have.
            ExtensionError: A reporter or a plug-in mechanism failed; that step was
                undone, the steps before it are kept.
        """
        self._advance(integer("n", n), None, name="n")

    def set(self, path: str, value: Any) -> None:
        """From the next step on, the field ``path`` takes ``value``: a change of the regime.

        The same as the timeline entry ``{day: D, set: {path: value}}`` with D the
        next step (:attr:`steps`), bit for bit, and checked as that entry would be
        (docs/model.md, "Regimes in time"): the path is one ``--set`` accepts outside the
        people and their network, the value is allowed there, and the run can follow
        the change. The entry is added to :attr:`scenario`'s timeline, so the run's
        ``run.json`` and its saved scenario say what was changed, and when. A second
        ``set`` of one path before the next step replaces the first; a change the
        scenario's timeline makes later still happens on its day, and one its timeline
        makes the same day to the same path is refused (as two such entries in a file).

        Raises:
            OverrideError, ScenarioValueError: The path or the value is not allowed
                (one line); nothing is changed.
            SimulationError: Called while the simulation is stepping, or after a step
                stopped half-way.
        """
        if self._broken is not None:
            raise SimulationError(self._broken)
        if self._busy:
            raise SimulationError(
                "simulation: set() was called while it is stepping (from a reporter, a "
                "progress function or a plug-in); call it between steps"
            )
        own = self._set_entry[1] if self._set_entry and self._set_entry[0] == self.steps else None
        scenario, k, found = with_change(self.scenario, self.compiled, self.steps, path, value, own)
        timeline = RunTimeline.of(scenario, self.compiled, found)
        if self._timeline is not None:
            timeline.now = self._timeline.now
        self.scenario, self._timeline = scenario, timeline
        self._set_entry = (self.steps, k)

    def run(self, steps: int, progress: ProgressFn | None = None) -> None:
        """Advance ``steps`` steps, calling ``progress(done, steps)`` after each.

        The same steps as calling :meth:`step` ``steps`` times.

        Raises:
            RunOptionError: ``steps`` is not an integer of 0 or more, or would take the
                run past the most steps a run may have; ``progress`` is not a function.
            ExtensionError: A reporter or a plug-in mechanism failed; that step was
                undone, the steps before it are kept.
        """
        steps = integer("steps", steps)
        function("progress", progress, "progress(done, total)", optional=True)
        self._advance(steps, progress, name="steps")

    def _advance(self, n: int, progress: ProgressFn | None, name: str) -> None:
        if self._broken is not None:
            raise SimulationError(self._broken)
        if self._busy:  # the steps being made would no longer be the ones drawn for
            raise SimulationError(
                "simulation: step() or run() was called while it is stepping (from a "
                "reporter, a progress function or a plug-in); step it after run() returns"
            )
        if n < 0:
            raise RunOptionError(f"{name}: {n} is negative; give 0 or more")
        if n > 0:
            check_options(self.agents_n, self.steps + n, self.seed)
            people = 0 if self.follower is None else self.follower.ids.size
            kept = people * (self.steps + n)
            if kept > limits.FOLLOWED_DAYS:
                raise RunOptionError(
                    f"follow: {people:,} people over {self.steps + n:,} steps are {kept:,} "
                    f"person-days, more than the {limits.FOLLOWED_DAYS:,} a run may keep; "
                    "follow fewer people or run fewer steps"
                )
        t0 = time.perf_counter()
        self._busy = True
        try:
            for done in range(1, n + 1):
                self._one_step()
                if progress is not None:
                    progress(done, n)
        finally:
            self._busy = False
            self.run_seconds += time.perf_counter() - t0

    def _one_step(self) -> None:
        """One step and its reporters, all or nothing."""
        t = self.steps
        regime = self.compiled.regime
        if self._timeline is not None:
            # Before the save: a step undone and made again finds the day's change made.
            self._timeline.apply(t, self._state, self.net, self.hooks, self.buf)
            regime = self._timeline.now.regime
        if self._undo is not None:
            self._undo.save()
        if self.follower is not None:
            self.follower.before(self._state)
        try:
            events = step(self._state, self.net, regime, self.keys, self.buf, self.hooks)
            values = self._report(events, t)
            personal = self._report_people(events, t)
        except BaseException as exc:
            if self._undo is None:
                self._broken = (
                    f"simulation: step {t} stopped half-way ({describe(exc)}), so the state "
                    "is neither before nor after it; this Simulation cannot step or be saved "
                    "any more: make a new one"
                )
                self.buf.rows = t  # the metrics of the steps that completed still read
                raise
            self._undo.restore()
            if isinstance(exc, ExtensionError):
                undone = f"{exc}; the step was undone: {t} steps done, as before it"
                raise ExtensionError(undone, exc.path) from exc.__cause__ or exc
            raise
        self._events = events
        for name, value in values.items():
            self._reported[name].append(value)
        if self.follower is not None:
            self.follower.after(self._state, events, regime, personal)

    def _report(self, events: StepEvents, t: int) -> dict[str, float]:
        """Each reporter's number for the step just done (nothing is kept yet).

        Raises:
            ExtensionError: A reporter raised, or returned something that is not a number.
        """
        if not self.reporters:
            return {}
        values: dict[str, float] = {}
        view, ev = self.state, _readonly(events)
        for name, fn in self.reporters.items():
            try:
                value = fn(view, ev)
            except Exception as exc:  # the user's code can raise anything
                raise ExtensionError(
                    f"reporters.{name}: in step {t}, raised {describe(exc)}", f"reporters.{name}"
                ) from exc
            number = _number(value)
            if number is None:
                raise ExtensionError(
                    f"reporters.{name}: in step {t}, returned {_short(value)}; a reporter "
                    "returns a number (an int or a float)",
                    f"reporters.{name}",
                )
            values[name] = number
        return values

    def _report_people(self, events: StepEvents, t: int) -> dict[str, NDArray[np.float64]]:
        """Each person reporter's (K,) values for the step just done.

        Raises:
            ExtensionError: A person reporter raised, or did not return K numbers.
        """
        if not self.person_reporters or self.follower is None:
            return {}
        ids = self.follower.ids.copy()
        ids.flags.writeable = False
        view, ev = self.state, _readonly(events)
        return {name: person_values(name, fn, view, ev, ids, t)
                for name, fn in self.person_reporters.items()}  # fmt: skip

    def _followed_info(self) -> dict[str, Any] | None:
        """run.json's ``followed``: how many, how chosen, and the person reporters."""
        if self.follower is None:
            return None
        return {"people": int(self.follower.ids.shape[0]), "chosen": self._follow_how,
                "person_reporters": list(self.person_reporters)}  # fmt: skip

    def followed(self) -> pd.DataFrame:
        """The followed people's days so far: one row per person and step.

        Columns as docs/model.md, section 8 ("The followed people") defines them, then
        one per person reporter; an empty table when nobody is followed.
        """
        f = self.follower
        if f is None:
            return pd.DataFrame()
        table = followed_table(f.resolved(), f.ids, f.group, self.compiled.labels)
        for name in self.person_reporters:
            table[name] = np.concatenate([d.reported[name] for d in f.days]) if f.days else []
        if self.ids is not None:  # your node ids, people by id within each step
            table["id"] = self.ids[table["id"].to_numpy()]
            table = table.sort_values(["step", "id"], kind="stable").reset_index(drop=True)
        return table

    @property
    def metrics(self) -> pd.DataFrame:
        """One row per (step, group) of the steps done so far, ``all`` last in each step."""
        table = build_metrics(self.buf, self.compiled.labels.groups)
        width = len(self.compiled.labels.groups) + 1
        for name, values in self._reported.items():
            column = np.full(len(table), np.nan)
            column[width - 1 :: width] = values
            table[name] = column
        return table

    def agents(self) -> pd.DataFrame:
        """The agents table now (ids are your network's node ids when you gave one)."""
        table = build_agents(self._state, self.compiled.labels)
        if self.ids is not None:
            table["id"] = self.ids
            table = table.sort_values("id", kind="stable").reset_index(drop=True)
        return table

    def respondents(self) -> pd.DataFrame:
        """Every respondent of the polls asked so far: one row per person asked per poll.

        Columns ``poll``, ``step``, ``id``, ``answer``, ``treated``, ``hid``, ``view``
        (docs/model.md, section 8); an empty table without them when the scenario has
        no polls.
        """
        hook = next((h for h in self.hooks.hooks if isinstance(h, PollsHook)), None)
        if hook is None:
            return pd.DataFrame()
        table = pd.DataFrame(hook.respondents())
        table["poll"] = pd.Categorical(table["poll"], categories=[p.name for p in hook.p.polls])
        if self.ids is not None:  # your node ids, in their order within each asking
            table["id"] = self.ids[table["id"].to_numpy()]
            table = table.sort_values(["poll", "asking", "id"], kind="stable").reset_index(
                drop=True
            )
        return table

    def network(self) -> pd.DataFrame:
        """Every tie now, once: ``source`` < ``target``, and ``active`` (False once cut).

        The ids are your network's node ids when you gave one.
        """
        net = self.net
        rows = np.repeat(np.arange(net.n, dtype=np.int64), np.diff(net.indptr))
        cols = net.indices.astype(np.int64)
        if self.ids is not None:
            rows, cols = self.ids[rows], self.ids[cols]
        once = rows < cols
        return pd.DataFrame({"source": rows[once], "target": cols[once],
                             "active": net.active[once]})  # fmt: skip

    def info(self, metrics: pd.DataFrame | None = None) -> dict[str, Any]:
        """What ``run.json`` records of this simulation (see docs/model.md, section 8).

        ``metrics`` is :attr:`metrics` if the caller has built it already (the polls'
        summary reads it); otherwise it is built here when the scenario has polls.
        """
        sc, steps = self.scenario, self.steps
        polls = sc.config.polls
        return {
            "scenario": sc.name,
            "scenario_origin": sc.origin,
            "scenario_hash": sc.content_hash,
            "overrides": sc.overrides,
            "parameters": sc.config.model_dump(mode="json"),
            "agents": self.agents_n,
            "steps": steps,
            "seed": self.seed,
            "seed_entropy": str(self.root.entropy),
            "version": VERSION,
            "edges": int(self.net.indices.shape[0] // 2),
            "own_network": self.ids is not None,
            "setup_seconds": round(self.setup_seconds, 4),
            "run_seconds": round(self.run_seconds, 4),
            "agent_steps_per_second": round(self.agents_n * steps / max(self.run_seconds, 1e-9), 1),
            "pressure_free": dict(
                zip(self.compiled.labels.behaviours, self._state.pf_rate[-1].tolist(), strict=True)
            ),
            "reporters": list(self.reporters),
            "followed": self._followed_info(),
            "polls": poll_table(
                self.metrics if metrics is None else metrics,
                [p.model_dump(mode="json") for p in polls],
            )
            if polls
            else [],
        }

    def result(self) -> RunResult:
        """The run so far as a :class:`RunResult` (metrics, agents, run.json, network sample, respondents).

        Raises:
            SimulationError: A step stopped half-way (see :meth:`step`).
        """
        if self._broken is not None:
            raise SimulationError(self._broken)
        sample = sample_network(self._state, self.net, self.root)
        if self.ids is not None and not sample.empty:
            for end in ("source", "target"):
                sample[end] = self.ids[sample[end].to_numpy()]
        metrics = self.metrics  # built once: run.json's polls read it too
        return RunResult(
            metrics=metrics, agents=self.agents(), info=self.info(metrics), network=sample,
            respondents=self.respondents(), followed=self.followed(),
        )  # fmt: skip

    def save(self, path: str | Path) -> Path:
        """Write the run folder so far (the same rule as :meth:`RunResult.save`).

        Raises:
            SimulationError: A step stopped half-way (see :meth:`step`).
        """
        return self.result().save(path)
