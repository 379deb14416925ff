"""Run Mesa 3.3's own Epstein example; executed by the Mesa virtual environment only.

Usage: python mesa_worker.py PARAMS_JSON STEPS SEED
Prints one JSON object: seconds per step and the active and jailed series.
"""

import json
import sys
import time

from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence

params = json.loads(sys.argv[1])
steps, seed = int(sys.argv[2]), int(sys.argv[3])
model = EpsteinCivilViolence(seed=seed, **params)
active, jailed = [], []
start = time.perf_counter()
for _ in range(steps):
    model.step()
    active.append(int(model.ACTIVE))
    jailed.append(int(model.ARRESTED))
seconds = time.perf_counter() - start
print(json.dumps({"seconds_per_step": seconds / steps, "active": active, "jailed": jailed}))
