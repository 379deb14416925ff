"""A pyabc sampler whose populations do not depend on timing: proposals in index order.

pyabc's own parallel samplers accept whichever proposals finish first, so two runs of
the same calibration differ. This one numbers the proposals of a generation 0, 1,
2, ... (each with its own seed, :mod:`scoresim.calibrate.model`), evaluates them on
any ``concurrent.futures`` executor with at most twice as many in flight as the
executor has slots, and forms the population from the first ``n`` accepted in index
order, whatever order they finished in. Proposals found in the folder's store are
evaluated again in this process from their stored statistics (no simulation), so
a rerun replays the finished part of a calibration in moments and goes on where it
was killed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Any

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

from scoresim.calibrate.model import (
    Evaluated,
    digest,
    evaluate,
    finished_or_fail,
    proposal_words,
)
from scoresim.experiment.executors import Engine

Cache = dict[int, tuple[tuple[float, ...], dict[str, float]]]
Lookup = Callable[[int], Cache]  # generation -> stored proposals by index
Record = Callable[[Evaluated], None]
Progress = Callable[[int, int, int, int], None]  # (generation, accepted, wanted, evaluated)
Finished = Callable[[int, list[Evaluated]], None]  # (generation, the proposals it used)
Starting = Callable[[int], None]  # (generation), before its first proposal


class OrderedSampler(Sampler):  # type: ignore[misc]  # pyabc has no type hints
    """Evaluate proposals in index order on ``engine``; see the module's docstring."""

    def __init__(
        self,
        engine: Engine,
        root: int,
        lookup: Lookup,
        record: Record,
        progress: Progress | None = None,
        finished: Finished | None = None,
        starting: Starting | None = None,
    ) -> None:
        """``lookup`` gives the stored proposals of a generation, ``record`` stores a new one.

        ``finished`` is told each generation's proposals 0..k, k the n-th accepted;
        ``starting`` is told a generation before its first proposal (and may raise).
        """
        super().__init__()
        self.engine = engine
        self.root = root
        self.lookup = lookup
        self.record = record
        self.progress = progress
        self.finished = finished
        self.starting = starting
        self.simulated = 0  # simulations run by this invocation
        self.reused = 0  # proposals evaluated from the store

    def sample_until_n_accepted(
        self,
        n: int,
        simulate_one: Callable[[], Any],
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,
        ana_vars: Any = None,
    ) -> Any:
        """The first ``n`` accepted proposals of generation ``t`` in index order."""
        if self.starting is not None:
            self.starting(t)
        blob = cloudpickle.dumps(simulate_one)
        name = digest(blob)
        cached = self.lookup(t)
        done: dict[int, Evaluated] = {}
        in_flight: dict[Future[Evaluated], int] = {}
        window = 2 * max(self.engine.slots, 1)
        limit = math.inf if max_eval == np.inf else int(max_eval)
        nxt = 0  # the next index to submit
        prefix = accepted = 0  # indices 0..prefix-1 are done; accepted among them

        def arrived(ev: Evaluated) -> None:
            done[ev.index] = ev
            if ev.reused:
                self.reused += 1
            else:
                self.simulated += 1
                self.record(ev)

        def advance() -> None:
            nonlocal prefix, accepted
            while prefix in done and accepted < n:
                accepted += int(bool(done[prefix].particle.accepted))
                prefix += 1

        while True:
            advance()
            if self.progress is not None:
                self.progress(t, accepted, n, prefix)
            if accepted >= n or prefix >= limit:
                break
            while nxt < limit and len(in_flight) < window and accepted < n:
                words = proposal_words(self.root, t, nxt)
                if nxt in cached:  # stored: evaluate here, from its statistics
                    arrived(evaluate(blob, name, t, nxt, words, cached[nxt]))
                    advance()
                else:
                    future = self.engine.executor.submit(evaluate, blob, name, t, nxt, words, None)
                    in_flight[future] = nxt
                nxt += 1
            if not in_flight:
                continue
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                index = in_flight.pop(future)
                arrived(self._result(future, t, index))
        # Proposals still running are valid simulations: keep them, use none of them.
        for future, index in list(in_flight.items()):
            if not future.cancel():
                arrived(self._result(future, t, index))
        used = [done[i] for i in range(prefix)]
        if self.finished is not None and accepted >= n:
            self.finished(t, used)
        sample = self._create_empty_sample()
        for ev in used:
            sample.append(ev.particle)
        self.nr_evaluations_ = prefix
        if accepted < n:
            sample.ok = False
        return sample

    def _result(self, future: Future[Evaluated], t: int, index: int) -> Evaluated:
        return finished_or_fail(
            future,
            f"generation {t}, proposal {index}",
            "the simulations finished so far are kept, rerun to resume",
        )
