"""The ``dissent`` case: Daymude, Axelrod & Forrest (2025) on the scoring engine itself.

Their people each want to dissent by some amount and choose how much to show under an
authority's surveillance, tolerance and punishment. Here that is the real engine: one
speech behaviour, every act of it recorded (surveillance 1), people who differ in how
often they would criticise without a regime (their pressure-free rate, the "desired
dissent"), and two punishments of the same severity:

* **uniform**: every recorded criticism costs ``points`` (a fixed penalty per act);
* **proportional**: the first ``free`` records of each ``period`` days cost nothing,
  every one beyond costs ``points`` (``scoring.tolerance``), so the punishment grows
  with the amount of criticism above the tolerance.

Measured over the last four periods of the run: how many criticisms per period each
person voices against how many they would voice pressure-free.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scoresim.validation.framework import Case, Check, Measures, Params, ValidationOptionError

BANDS = {"low": (0.0, 0.5), "moderate": (1.0, 2.5), "extreme": (5.0, np.inf)}
"""Desired criticisms per period, as multiples of the tolerance."""


def society(p: Params, proportional: bool) -> Any:
    """The scenario: one group, one speech behaviour, every act recorded."""
    from scoresim.config.loading import Scenario

    scoring: dict[str, Any] = {"start": 1000, "min": 0, "max": 2000,
                               "points": {"criticise": p["points"]}, "tiers": {"all": {"min": 0}}}  # fmt: skip
    if proportional:
        scoring["tolerance"] = {"criticise": {"free": p["tolerance"], "period": p["period"]}}
    return Scenario.from_dict(
        {
            "name": "daymude-" + ("proportional" if proportional else "uniform"),
            "groups": {
                "people": {
                    "share": 1.0,
                    "stance": {"mean": -0.2, "sd": 0.5},
                    "risk_aversion": {"mean": 0.5, "sd": 0.0},
                    "income": {"median": 30000, "sigma": 0.5},
                }
            },
            "network": {"mean_degree": 10, "homophily": 0.0, "rewire": 0.3},
            "behaviours": {
                "criticise": {
                    "kind": "speech",
                    "base_rate": 0.05,
                    "stance_weight": -3.0,
                    "heterogeneity": 1.0,
                }
            },
            "dissent_behaviour": "criticise",
            "sources": {"posts": {"behaviours": ["criticise"], "coverage": 1.0}},
            "scoring": scoring,
            # Learning from one's own records only: the lesson is the punishment's.
            "response": {"learn_own": 0.2, "learn_social": 0.0, "forget": 0.0},
        },
        "validate dissent",
    )


def voiced(p: Params, proportional: bool, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(desired, voiced) criticisms per period, per person, over the last four periods."""
    from scoresim.engine.stepper import Simulation

    window = 4 * p["period"]
    sim = Simulation(society(p, proportional), agents=p["agents"], seed=seed)
    sim.run(max(p["days"] - window, 0))
    acts = np.zeros(p["agents"])
    for _ in range(window):
        sim.step()
        assert sim.events is not None
        acts += sim.events.acts[0]
    p0 = 1.0 / (1.0 + np.exp(-sim.state.logit0[0].astype(np.float64)))
    return p0 * p["period"], acts / 4


def run(p: Params, seed: int) -> Measures:
    """Share of the desired criticism voiced, per band of desire, under each punishment."""
    out: Measures = {}
    for label, proportional in (("uniform", False), ("proportional", True)):
        want, did = voiced(p, proportional, seed)
        for band, (lo, hi) in BANDS.items():
            m = (want >= lo * p["tolerance"]) & (want < hi * p["tolerance"])
            out[f"{label}.{band}.desired"] = float(want[m].mean()) if m.any() else np.nan
            out[f"{label}.{band}.voiced"] = float(did[m].mean()) if m.any() else np.nan
            out[f"{label}.{band}.people"] = float(m.sum())
    return out


def point_checks(p: Params, m: Measures) -> list[Check]:
    """The paper's two findings, as they read on this engine."""

    def kept(label: str, band: str) -> float:
        return m[f"{label}.{band}.voiced"] / m[f"{label}.{band}.desired"]

    k = p["tolerance"]
    moderate, extreme = kept("uniform", "moderate"), kept("uniform", "extreme")
    said = m["proportional.moderate.voiced"]
    return [
        Check("uniform: moderates fall silent (share of desired criticism voiced)", "<= 0.3",
              round(moderate, 3), "", moderate <= 0.3),
        Check("uniform: the most critical keep speaking (their share against the moderates')",
              ">= 2x", f"{extreme:.3f} vs {moderate:.3f}", "", extreme >= 2 * moderate),
        Check("proportional: moderates criticise up to about the tolerance (per period)",
              float(k), round(said, 3), f"±{0.25 * k:g}", abs(said - k) <= 0.25 * k),
        Check("proportional: those wanting less than half the tolerance are untouched",
              ">= 0.9", round(kept("proportional", "low"), 3), "", kept("proportional", "low") >= 0.9),
    ]  # fmt: skip


def consistent(p: Params) -> None:
    """The run must hold the four periods it measures."""
    if p["days"] < 4 * p["period"]:
        raise ValidationOptionError(
            f"--set days={p['days']} (dissent): shorter than the four periods measured; "
            f"use at least {4 * p['period']}"
        )


def suite(seed: int, full: bool) -> list[Check]:
    """Nothing beyond the point checks."""
    return []


DEFAULTS: Params = {"agents": 20_000, "days": 360, "period": 30, "tolerance": 3, "points": -100}

CASE = Case(
    name="dissent",
    source="Daymude, Axelrod & Forrest (2025), arXiv:2509.03731",
    defaults=DEFAULTS,
    run=run,
    point_checks=point_checks,
    suite=suite,
    bounds={
        "agents": (1000, 10**7),
        "days": (120, 60_000),
        "period": (5, 365),
        "tolerance": (1, 1000),
        "points": (-32768, -1),
    },
    consistent=consistent,
)
