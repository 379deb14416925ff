"""Run Mesa's own Epstein example; executed by the Mesa virtual environment only.

Usage: python mesa_worker.py PARAMS_JSON STEPS SEED
Prints one JSON object: seconds per step, the Mesa version and the active and jailed
series. Mesa 3.5 takes its parameters as a Scenario; 3.3 as keyword arguments.
"""

import json
import sys
import time

import mesa
from mesa.examples.advanced.epstein_civil_violence import model as epstein

params = json.loads(sys.argv[1])
steps, seed = int(sys.argv[2]), int(sys.argv[3])
if hasattr(epstein, "EpsteinScenario"):  # Mesa 3.5
    width, height = params.pop("width"), params.pop("height")
    scenario = epstein.EpsteinScenario(rng=seed, max_iters=10**9, **params)
    model = epstein.EpsteinCivilViolence(width=width, height=height, scenario=scenario)
else:  # Mesa 3.3
    model = epstein.EpsteinCivilViolence(seed=seed, **params)
active, jailed = [], []
start = time.perf_counter()
for _ in range(steps):
    model.step()
    active.append(int(model.ACTIVE))
    jailed.append(int(model.ARRESTED))
seconds = time.perf_counter() - start
print(
    json.dumps(
        {
            "seconds_per_step": seconds / steps,
            "mesa": mesa.__version__,
            "active": active,
            "jailed": jailed,
        }
    )
)
