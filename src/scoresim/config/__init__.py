"""Scenario configuration: pydantic models, YAML loading, overrides."""

from scoresim.config.loading import Scenario, builtin_names, load_scenario
from scoresim.config.models import ScenarioConfig
from scoresim.config.overrides import parse_override

__all__ = ["Scenario", "ScenarioConfig", "builtin_names", "load_scenario", "parse_override"]
