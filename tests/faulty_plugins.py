"""A package of plug-in mechanisms that go wrong, installed into a temporary folder.

:func:`install` writes a real distribution (``scoresim-faulty 0.1``: a ``dist-info``
folder with its ``entry_points.txt``, and its modules) that Python finds on ``sys.path``
or ``PYTHONPATH``, as ``pip install`` would leave it. Its mechanisms:

- ``jolt``: works (draws from a random generator of its own, keeps a history, nudges
  a person's perceived risk, writes its column ``jolt.draw``), and raises in the steps its
  section's ``fail_at`` lists, or once in each step the module's ``FAIL_ONCE`` holds;
- ``greedy``: declares ``greedy.share`` and writes the core column ``population``;
- ``wrong_phase``: its hook acts after a phase that does not exist;
- ``broken``: its module imports a package that is not installed;
- ``notmech``: its entry point names a function, not a mechanism;
- ``strings``: its ``columns()`` gives a string, not a tuple of names;
- ``garbled``: its entry point's value is not ``module:Class``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import scoresim
from scoresim.parts import registry

SCENARIO = (Path(scoresim.__file__).parent / "scenarios" / "seed.yaml").read_text()

FAULTY = '''
"""Plug-ins that go wrong, for scoresim's tests."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from scoresim.mechanisms import Mechanism

FAIL_ONCE: set[int] = set()  # steps in which jolt raises once (a test sets them)
INTERRUPT = False  # raise KeyboardInterrupt (a Ctrl-C) instead of an error
EXIT = False  # call sys.exit(3) instead


class JoltSection(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    after: str = "adapt"
    fail_at: list[int] = []


class JoltHook:
    name = "jolt"
    columns = ("jolt.draw",)

    def __init__(self, section: JoltSection, rng: np.random.Generator, n: int) -> None:
        self.after, self.fail_at, self.rng = section.after, section.fail_at, rng
        self.history: list[float] = []
        self.total = 0.0
        self.nudged = np.zeros(n, np.int64)

    def act(self, state: Any, net: Any, d: Any, ev: Any) -> None:
        # Everything it keeps shapes what it does: the generator, the list, the number
        # and the array (so a step undone in part would show in the results).
        x = float(self.rng.random())
        self.history.append(x)
        self.total += x
        who = int((self.total % 1.0) * state.n)
        self.nudged[who] += 1
        lift = np.float32(0.1 * min(int(self.nudged[who]), 3))
        state.perceived_risk[:, who] = np.minimum(state.perceived_risk[:, who] + lift, 1.0)
        if state.step in self.fail_at or state.step in FAIL_ONCE:
            FAIL_ONCE.discard(state.step)
            if INTERRUPT:
                raise KeyboardInterrupt
            if EXIT:
                sys.exit(3)
            raise ZeroDivisionError("jolt failed on purpose")

    def measure(self, state: Any, ev: Any, out: Any) -> None:
        out["jolt.draw"][:] = float(np.mean(self.history))


class Jolt(Mechanism):
    name = "jolt"
    section = JoltSection

    def columns(self, config: Any, labels: Any) -> tuple[str, ...]:
        return JoltHook.columns

    def start(self, params: Any, labels: Any, regime: Any, state: Any, net: Any,
              keys: Any) -> JoltHook:
        return JoltHook(params, keys.generator("jolt/stream"), state.n)


class GreedyHook:
    name = "greedy"
    after = "adapt"
    columns = ("population",)

    def act(self, state: Any, net: Any, d: Any, ev: Any) -> None:
        pass

    def measure(self, state: Any, ev: Any, out: Any) -> None:
        out["population"][:] = -1.0


class Greedy(Mechanism):
    name = "greedy"
    section = JoltSection

    def columns(self, config: Any, labels: Any) -> tuple[str, ...]:
        return ("greedy.share",)

    def start(self, params: Any, labels: Any, regime: Any, state: Any, net: Any,
              keys: Any) -> GreedyHook:
        return GreedyHook()


class WrongPhaseHook(GreedyHook):
    name = "wrong_phase"
    after = "lunch"
    columns = ()


class WrongPhase(Mechanism):
    name = "wrong_phase"
    section = JoltSection

    def start(self, params: Any, labels: Any, regime: Any, state: Any, net: Any,
              keys: Any) -> WrongPhaseHook:
        return WrongPhaseHook()


class Unnamed(Mechanism):
    name = "strings"
    section = JoltSection

    def columns(self, config: Any, labels: Any) -> Any:
        return "strings.share"

    def start(self, params: Any, labels: Any, regime: Any, state: Any, net: Any,
              keys: Any) -> WrongPhaseHook:
        return WrongPhaseHook()


def helper() -> None:
    """Not a mechanism."""
'''

BROKEN = '''
"""A plug-in whose dependency is not installed."""

import no_such_dependency  # noqa: F401
'''

ENTRY_POINTS = """[scoresim.mechanisms]
jolt = scoresim_faulty:Jolt
greedy = scoresim_faulty:Greedy
wrong_phase = scoresim_faulty:WrongPhase
broken = scoresim_broken:Broken
notmech = scoresim_faulty:helper
strings = scoresim_faulty:Unnamed
garbled = not a module path!
"""


def line(source: str, text: str) -> int:
    """The number of the line of ``source`` (FAULTY or BROKEN) that holds ``text``."""
    return next(k for k, row in enumerate(source.splitlines(), start=1) if text in row)


def install_package(folder: Path, name: str, entry_points: str, modules: dict[str, str]) -> Path:
    """Install a distribution ``name`` 0.1 into ``folder``, as ``pip install`` would leave it.

    Args:
        folder: where (made if need be); put it on ``sys.path`` or ``PYTHONPATH``.
        name: the distribution's name (``scoresim-faulty``).
        entry_points: the text of its ``entry_points.txt``.
        modules: module name to source text.

    Returns:
        ``folder``.
    """
    info = folder / (name.replace("-", "_") + "-0.1.dist-info")
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(entry_points)
    for module, text in modules.items():
        (folder / f"{module}.py").write_text(text)
    return folder


def forget_entry_points() -> None:
    """Make the registry look for entry points again (it caches what it found)."""
    for name in ("_entry_points", "_load", "_from_entry_points"):
        cached = getattr(registry, name, None)
        if cached is not None:
            cached.cache_clear()


def install(folder: Path) -> Path:
    """Install the package into ``folder`` (made if need be); return it, for ``sys.path``."""
    modules = {"scoresim_faulty": FAULTY, "scoresim_broken": BROKEN}
    return install_package(folder, "scoresim-faulty", ENTRY_POINTS, modules)


def scenario(folder: Path, section: str, name: str = "mine.yaml") -> Path:
    """seed.yaml with a ``mechanisms:`` section (YAML text), as a file in ``folder``."""
    path = folder / name
    path.write_text(SCENARIO + f"\nmechanisms:\n{section}\n")
    return path


def env(site: Path) -> dict[str, str]:
    """The environment of a ``scoresim`` command that finds this scoresim and the package."""
    src = Path(scoresim.__file__).resolve().parents[1]
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(site)])}


def command() -> str:
    """The ``scoresim`` command of this environment."""
    return str(Path(sys.executable).with_name("scoresim"))
