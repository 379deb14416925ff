"""The scored society's step as an ordered list of parts, and why this order.

Each part wraps one phase module of :mod:`scoresim.society` and runs on the core's
machine (:mod:`scoresim.core.machine`) with the step's shared :class:`Step` context.
It hands its phase only its own parameter object of the compiled regime (the score
part its two, ``score`` and ``listing``); what a phase needs of another part's
numbers was copied into that object when the scenario was compiled
(:mod:`scoresim.engine.compile_parts`). A mechanism (built in or a plug-in) is
placed right after the part it names as ``after``
(:data:`~scoresim.society.hooks.AFTER`), in the scenario's order, and writes its own
columns once every part has acted.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass

from scoresim.core.crn import StepDraws
from scoresim.core.machine import Part
from scoresim.core.network import Network
from scoresim.society import adapt, behave, consequences, measure, observe, score
from scoresim.society.events import StepEvents
from scoresim.society.hooks import AFTER, StepHook
from scoresim.society.params import RegimeParams
from scoresim.society.state import CitizenState


@dataclass
class Step:
    """What the parts of one step share.

    Attributes:
        state, net, params: the run's people, ties and compiled regime (each part
            reads only its own objects of it).
        d: the step's keyed draws.
        ev: the step's events, filled part by part.
        buf: the run's metrics buffer; row ``state.step`` is this step's.
        gini: the wealth Gini started on a helper thread (by ``wealth_gini``), until
            ``measure`` collects it.
    """

    state: CitizenState
    net: Network
    params: RegimeParams
    d: StepDraws
    ev: StepEvents
    buf: measure.MetricsBuffer
    gini: Future[measure.GiniRow] | None = None

    def settle(self) -> None:
        """Wait for the wealth Gini, which writes ``buf``, if it is still running."""
        if self.gini is not None:
            wait([self.gini])


class Phase:
    """A built-in part: one phase of the society; records nothing of its own."""

    name = ""

    def act(self, s: Step) -> None:
        """The phase's work (see its module)."""

    def record(self, s: Step) -> None:
        """No columns: ``measure`` writes the society's columns."""


class Behave(Phase):
    """People act, from their pressure-free rates and their perceived risk."""

    name = "behave"

    def act(self, s: Step) -> None:
        """Decide, drawing inline."""
        behave.apply(s.state, s.net, s.params.behave, s.d, s.ev)


class Observe(Phase):
    """The sources record what they see, true and false."""

    name = "observe"

    def act(self, s: Step) -> None:
        """Draw and record, in one compiled pass."""
        observe.apply(s.state, s.net, s.params.observe, s.d, s.ev)


class Score(Phase):
    """Points, tiers, the list, appeals, in the actual and the error-free world."""

    name = "score"

    def act(self, s: Step) -> None:
        """Score the records."""
        score.apply(s.state, s.net, s.params.score, s.params.listing, s.d, s.ev)


class Consequences(Phase):
    """Opportunities wanted and denied, perks paid."""

    name = "consequences"

    def act(self, s: Step) -> None:
        """Grant, deny, pay."""
        consequences.apply(s.state, s.net, s.params.consequences, s.d, s.ev)


class Association(Phase):
    """The association penalty for listed neighbours."""

    name = "association"

    def act(self, s: Step) -> None:
        """Count the listed neighbours left after the ties shaming cut."""
        consequences.associate(s.state, s.net, s.params.association)


class WealthGini(Phase):
    """Starts the wealth Gini on a helper thread; ``measure`` collects it."""

    name = "wealth_gini"

    def act(self, s: Step) -> None:
        """Start the sort beside ``adapt``."""
        s.gini = measure.begin(s.state, s.buf)


class Adapt(Phase):
    """Beliefs learn from the step: perceived risk, conformity, the list's lesson."""

    name = "adapt"

    def act(self, s: Step) -> None:
        """Learn."""
        adapt.apply(s.state, s.net, s.params.adapt, s.ev)


class Measure(Phase):
    """The society's metric columns of the finished step (docs/model.md section 8)."""

    name = "measure"

    def act(self, s: Step) -> None:
        """Write row ``state.step`` of every society column."""
        gini, s.gini = s.gini, None
        measure.apply(s.state, s.net, s.params.measure, s.ev, s.buf, gini)


ORDER: tuple[Phase, ...] = (
    Behave(),  # people act before anyone watches
    Observe(),  # the sources see today's acts
    Score(),  # points and the list follow what was recorded
    Consequences(),  # sanctions follow today's score and list: listed today, denied today
    Association(),  # after the mechanisms acting after consequences (shaming cuts ties)
    WealthGini(),  # wealth is final now; its sort runs beside adapt
    Adapt(),  # beliefs learn from everything that happened
    Measure(),  # sees the finished step
)
"""The society's parts in the order they act, each with the reason for its place."""


class HookPart:
    """A mechanism's hook as a part: it acts after its phase and writes its columns."""

    def __init__(self, hook: StepHook) -> None:
        self.hook = hook
        self.name = hook.name
        # A hook may change the wealth the Gini is sorting (a plug-in's may): it waits for
        # the sort, unless it says it never writes wealth (the built-in ones).
        self.waits = not getattr(hook, "leaves_wealth", False)

    def act(self, s: Step) -> None:
        """Act on the state and the step's events."""
        if self.waits:
            s.settle()
        self.hook.act(s.state, s.net, s.d, s.ev)

    def record(self, s: Step) -> None:
        """Write its own row of each of its columns, and only those."""
        self.hook.measure(
            s.state, s.ev, {c: s.buf.values[c][s.state.step] for c in self.hook.columns}
        )


def ordered(hooks: Sequence[StepHook]) -> tuple[Part[Step], ...]:
    """The step's parts: :data:`ORDER`, each hook right after the phase it names.

    Hooks acting after the same phase keep the order given (the scenario's).
    """
    parts: list[Part[Step]] = []
    for phase in ORDER:
        parts.append(phase)
        if phase.name in AFTER:
            parts.extend(HookPart(h) for h in hooks if h.after == phase.name)
    return tuple(parts)
