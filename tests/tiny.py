"""The smallest sweep and calibration files the tests use, each finishing in seconds."""

from __future__ import annotations

SWEEP = """\
scenario: seed
agents: 200
steps: 2
parameters:
  scoring.points.criticise_government: [-50, 0]
"""
"""Two runs of seed at 200 agents for 2 days."""

CALIBRATION = """\
scenario: court-blacklist
seed: 3
run: {agents: 200, steps: 10, replicates: 1}
parameters:
  sources.courts.coverage: {prior: uniform, low: 0.2, high: 1.0}
targets:
  - {name: listed_day9, value: 0.004, sd: 1.0, day: 9, metric: listed, source: made up}
abc: {population: 10, generations: 1, predictive: 2}
"""
"""One generation of ten particles of the court list at 200 agents for 10 days."""
