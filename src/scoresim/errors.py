"""Errors raised by scoresim.

Every error a user can cause derives from one root, so that the command line can
print it as one line and exit with code 2 without a traceback::

    ScoresimError
    ├── ScenarioError          a scenario file or name is wrong
    │   ├── UnknownScenarioError   no built-in regime and no file by that name
    │   ├── ScenarioSyntaxError    the YAML does not parse (file and line)
    │   └── ScenarioValueError     a field has a value that is not allowed
    ├── OverrideError          a ``--set PATH=VALUE`` names no field or has a bad value
    ├── RunOptionError         agents, steps or seed out of range
    ├── SweepError             a sweep file is wrong, or its folder holds another sweep
    ├── CalibrationError       a calibration file is wrong, or its folder holds another one
    ├── QueryError             a query of a sweep's results fails
    ├── OutputError            an output path holds something scoresim did not write
    ├── ResultsError           a results folder (a run's or a sweep's) is damaged
    ├── ExtensionError         a plug-in mechanism or a reporter (code scoresim runs but
    │                          did not write) cannot be loaded, fails, or breaks its contract
    └── SimulationError        a Simulation whose step stopped half-way cannot go on

Each message names the file (or source), the field path, the bad value and the fix.
"""

from __future__ import annotations


class ScoresimError(Exception):
    """Root of every error a user of scoresim can cause."""


class ScenarioError(ScoresimError):
    """A scenario cannot be loaded or is invalid."""


class UnknownScenarioError(ScenarioError):
    """No built-in scenario and no file has the given name."""


class ScenarioSyntaxError(ScenarioError):
    """A scenario file is not valid YAML."""


class ScenarioValueError(ScenarioError):
    """A scenario field holds a value that is not allowed.

    Attributes:
        path: The dotted field path the message is about (``None`` for the top level),
            so that a loader holding the YAML text can add the line number.
    """

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class OverrideError(ScoresimError):
    """An override path names no field of the scenario, or its value is invalid."""


class OverlappingOverridesError(OverrideError):
    """Two overrides set a section and a field inside it (which wins would be silent).

    Attributes:
        places: the 1-based places of the two overrides, in the order given.
    """

    def __init__(self, message: str, places: tuple[int, int]) -> None:
        super().__init__(message)
        self.places = places


class RunOptionError(ScoresimError):
    """A run option (agents, steps, seed) is out of range."""


class SweepError(ScoresimError):
    """A sweep file is invalid, or an output folder belongs to a different sweep."""


class CalibrationError(ScoresimError):
    """A calibration file is invalid, or its folder holds a different calibration."""


class QueryError(ScoresimError):
    """A query of a sweep folder cannot run (no such folder, bad SQL, nothing to analyse)."""


class OutputError(ScoresimError):
    """An output path is taken by something scoresim did not write, or is being written."""


class ResultsError(ScoresimError):
    """A results folder is damaged: a file missing, truncated or not what scoresim wrote."""


class ExtensionError(ScoresimError):
    """Code scoresim runs but did not write failed: a plug-in mechanism or a reporter.

    A plug-in that cannot be imported, raises in its step or writes a column that is
    not its own; a reporter that raises or returns something that is not a number. The
    message names the plug-in (and where it was installed from) or the reporter; the
    original exception is the ``__cause__``.

    Attributes:
        path: The dotted field path the message is about (``mechanisms.<name>``), so
            that a loader holding the YAML text can add the line number; or ``None``.
    """

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class SimulationError(ScoresimError):
    """A :class:`~scoresim.Simulation` cannot go on: a step of it stopped half-way.

    A step that runs no code of the user's is not saved before it (for speed), so when
    it is interrupted (Ctrl-C) the state is neither before nor after it; the simulation
    then refuses to step or to be saved, rather than go on from a state no run has.
    """
