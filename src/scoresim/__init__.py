"""scoresim: a laboratory for social-scoring regimes on synthetic societies.

The public API is re-exported here; everything else is an implementation detail.
"""

from scoresim.config.loading import Scenario, builtin_names, load_scenario
from scoresim.engine.simulation import simulate
from scoresim.errors import ScoresimError
from scoresim.results.run import RunResult, load_run

__version__ = "0.3.0"

__all__ = [
    "RunResult",
    "Scenario",
    "ScoresimError",
    "__version__",
    "builtin_names",
    "load_run",
    "load_scenario",
    "simulate",
]
