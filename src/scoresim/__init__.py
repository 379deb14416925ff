"""scoresim: a laboratory for social-scoring regimes on synthetic societies.

The public API is re-exported here; everything else is an implementation detail.
"""

from scoresim.config.loading import Scenario, builtin_names, load_scenario
from scoresim.config.models import ScenarioConfig
from scoresim.engine.simulation import simulate
from scoresim.engine.stepper import Simulation
from scoresim.errors import ScoresimError
from scoresim.results.run import RunResult, load_run
from scoresim.version import VERSION

__version__ = VERSION

__all__ = [
    "RunResult",
    "Scenario",
    "ScenarioConfig",
    "ScoresimError",
    "Simulation",
    "__version__",
    "builtin_names",
    "load_run",
    "load_scenario",
    "simulate",
]
