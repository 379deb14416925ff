"""The built-in parts' list, and adding a built-in part with one module, its section
model and one line (issue 24; docs/architecture.md, "Adding a built-in part").

The last test copies the package, makes exactly the three edits the docs name (a new
module, its section model as a field of the scenario, one line in
:data:`~scoresim.mechanisms.catalog.BUILTIN`) and runs a scenario that switches the new
part on in a fresh interpreter: if any other central list still had to be visited, the
copy would fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import scoresim
from scoresim.config.models import ScenarioConfig
from scoresim.config.opinion import PollingConfig
from scoresim.engine.compile import compile_scenario
from scoresim.mechanisms.catalog import BUILTIN

SEED = (Path(scoresim.__file__).parent / "scenarios" / "seed.yaml").read_text()


def test_every_builtin_part_has_its_top_level_section() -> None:
    for part in BUILTIN:
        assert part.name in ScenarioConfig.model_fields, part.name
        section = part.section
        if section is not PollingConfig:  # polls: and interviews: make one section
            assert section.__name__ in str(ScenarioConfig.model_fields[part.name].annotation)


def test_the_parts_switched_on_compile_in_the_lists_order() -> None:
    """court-blacklist has shaming; seed has approval and polls; drift is added here."""
    text = SEED + "\nstance_drift: {resentment: 0.1, pressure: 0.0}\n"
    sc = scoresim.Scenario.from_yaml_text(text, origin="seed-drift.yaml")
    made = [a.mechanism.name for a in compile_scenario(sc.config).mechanisms]
    assert made == [p.name for p in BUILTIN if p.name in made]
    assert {"stance_drift", "approval", "polls"} <= set(made)
    # A section that makes a part act in no way leaves it off.
    off = SEED + "\nstance_drift: {resentment: 0.0, pressure: 0.0}\n"
    sc = scoresim.Scenario.from_yaml_text(off, origin="seed-still.yaml")
    assert "stance_drift" not in [a.mechanism.name for a in compile_scenario(sc.config).mechanisms]


TALLY = '''"""A built-in part: how many listed people are shamed today (a test's example)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from scoresim.config.models import ScenarioConfig, TallyConfig
from scoresim.core.crn import Keys, StepDraws
from scoresim.core.network import Network
from scoresim.parts.base import Mechanism, On
from scoresim.society.events import StepEvents
from scoresim.society.params import Labels, RegimeParams
from scoresim.society.state import CitizenState


class TallyHook:
    name = "tally"
    after = "score"
    columns = ("tally.drawn",)
    leaves_wealth = True

    def __init__(self, share: float) -> None:
        self.share, self.today = share, np.zeros(0, np.bool_)

    def act(self, state: CitizenState, net: Network, d: StepDraws, ev: StepEvents) -> None:
        self.today = d.dense("tally/draw", state.n) < self.share

    def measure(self, state: CitizenState, ev: StepEvents,
                out: Mapping[str, NDArray[np.float64]]) -> None:
        g = int(state.group.max()) + 1 if state.n else 0
        counts = np.bincount(state.group[self.today], minlength=g)
        out["tally.drawn"][:g] = counts
        out["tally.drawn"][-1] = counts.sum()


class Tally(Mechanism):
    name = "tally"
    section = TallyConfig

    @classmethod
    def switched_on(cls, cfg: ScenarioConfig, regime: RegimeParams) -> On | None:
        return None if cfg.tally is None else (cls(), cfg.tally)

    def columns(self, config: TallyConfig, labels: Labels) -> tuple[str, ...]:
        return ("tally.drawn",)

    def start(self, params: TallyConfig, labels: Labels, regime: RegimeParams,
              state: CitizenState, net: Network, keys: Keys) -> TallyHook:
        return TallyHook(params.share)
'''
SECTION = '''

class TallyConfig(_Model):
    """A test's built-in part: a share of people drawn each day."""

    share: Probability

'''


def _add_tally(package: Path) -> None:
    """The three edits: the module, the section model with its field, the list's line."""
    (package / "mechanisms" / "tally.py").write_text(TALLY)
    models = package / "config" / "models.py"
    text = models.read_text()
    text = text.replace(
        "\n\nclass ScenarioConfig(_Model):", SECTION + "\nclass ScenarioConfig(_Model):"
    )
    text = text.replace("    approval: ApprovalConfig | None = None\n",
                        "    approval: ApprovalConfig | None = None\n    tally: TallyConfig | None = None\n")  # fmt: skip
    models.write_text(text)
    catalog = package / "mechanisms" / "catalog.py"
    text = catalog.read_text()
    text = text.replace("from scoresim.mechanisms.polls import Polls\n",
                        "from scoresim.mechanisms.polls import Polls\n"
                        "from scoresim.mechanisms.tally import Tally\n")  # fmt: skip
    text = text.replace(
        "    Polls,  # after adapt",
        "    Tally,  # after score: a test's part\n    Polls,  # after adapt",
    )
    catalog.write_text(text)


RUN = """
import numpy as np
import scoresim
text = open({seed!r}).read()
plain = scoresim.simulate(scoresim.Scenario.from_yaml_text(text, origin="seed.yaml"), agents=2000, steps=15, seed=4)
text += "\\ntally: {{share: 0.25}}\\n"
sc = scoresim.Scenario.from_yaml_text(text, origin="seed-tally.yaml")
sim = scoresim.Simulation(sc, agents=2000, seed=4)
sim.run(15)
m = sim.metrics
drawn = m[m["group"] == "all"]["tally.drawn"].to_numpy()
assert 0.2 * 2000 < drawn.mean() < 0.3 * 2000, drawn
assert m.drop(columns=["tally.drawn"]).equals(plain.metrics), "another column moved"
assert sc.content_hash != scoresim.Scenario.from_yaml_text(open({seed!r}).read()).content_hash
print("tally", int(drawn.sum()), scoresim.__file__)
"""


def test_a_builtin_part_is_one_module_its_section_and_one_line(tmp_path: Path) -> None:
    package = Path(scoresim.__file__).parent
    copy = tmp_path / "src" / "scoresim"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    _add_tally(copy)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}
    seed = str(package / "scenarios" / "seed.yaml")
    res = subprocess.run([sys.executable, "-c", RUN.format(seed=seed)], env=env,
                         capture_output=True, text=True, timeout=600)  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.startswith("tally ")
    assert res.stdout.split()[-1].startswith(str(copy))  # the copy ran, not the package
