"""Run results: tables, metadata, and writing them to a run folder."""

from scoresim.results.run import RunResult, load_run

__all__ = ["RunResult", "load_run"]
