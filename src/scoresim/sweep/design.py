"""Design points of a sweep: every combination of a grid, or a sample of ranges.

``grid`` takes the Cartesian product of the listed values (the first parameter
varies slowest). ``lhs`` draws a Latin hypercube (SciPy); ``sobol`` and ``morris``
draw SALib's samples for the matching analyses (Sobol without second-order terms,
so N (D + 2) points; Morris N (D + 1) points on ``levels`` levels). Sampled values
of a whole-number field are rounded when run; the analysis reads the unrounded
matrix. The samplers are seeded from the sweep's seed, so a sweep file always
gives the same points.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoresim.experiment.seeds import child_words
from scoresim.sweep.spec import RangeConfig, Sweep

# Spawn key of the design's own stream, apart from the runs' (point, replicate) keys.
DESIGN_KEY = 2**32 - 1


@dataclass(frozen=True)
class Design:
    """The points of a sweep.

    Attributes:
        names: (D,) parameter paths, in file order.
        points: P mappings of path to the value each run sets.
        matrix: (P, D) float64 design matrix for SALib (sampled designs), else None.
        problem: SALib's problem (names and bounds), for sampled designs, else None.
    """

    names: list[str]
    points: list[dict[str, Any]]
    matrix: NDArray[np.float64] | None
    problem: dict[str, Any] | None


def build_design(sweep: Sweep) -> Design:
    """The design points of ``sweep``."""
    cfg = sweep.config
    names = list(cfg.parameters)
    if cfg.design == "grid":
        lists = [list(v) for v in cfg.parameters.values() if isinstance(v, list)]
        points = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*lists)]
        return Design(names, points, None, None)
    ranges = [v for v in cfg.parameters.values() if isinstance(v, RangeConfig)]
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [[r.low, r.high] for r in ranges],
    }
    seed = int(child_words(cfg.seed, DESIGN_KEY, count=1)[0])
    n = cfg.samples or 1
    if cfg.design == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(seed)).random(n)
        lows = np.array([r.low for r in ranges])
        highs = np.array([r.high for r in ranges])
        matrix = qmc.scale(unit, lows, highs)
    elif cfg.design == "sobol":
        from SALib.sample import sobol

        matrix = sobol.sample(dict(problem), n, calc_second_order=False, seed=seed)
    else:
        from SALib.sample import morris

        # SALib adds keys to the problem it is given; keep ours as declared.
        matrix = morris.sample(dict(problem), n, num_levels=cfg.levels, seed=seed)
    matrix = np.asarray(matrix, dtype=np.float64)
    points = [
        {
            name: round(float(x)) if name in sweep.integer else float(x)
            for name, x in zip(names, row, strict=True)
        }
        for row in matrix
    ]
    return Design(names, points, matrix, problem)
