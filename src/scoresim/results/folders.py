"""Reading a run folder back, and refusing a damaged one in one line.

A folder is read only if every part is what :meth:`RunResult.save` writes: ``run.json``
a JSON object (at most :data:`MAX_JSON` bytes, nested at most :data:`MAX_DEPTH`
levels) with every field of :data:`REQUIRED` of the right type, and ``metrics`` and
``agents`` readable Parquet files with their key columns and as many rows as
``run.json`` says. Anything else raises :class:`ResultsError`, naming the file, what
is wrong and the fix, instead of a traceback from PyArrow or json, or a report drawn
from half a run. The fix is one that works: ``scoresim run --out`` replaces only a run
folder whose ``run.json`` it can read (:func:`scoresim.results.outputs.is_run_folder`),
so a folder whose ``run.json`` is damaged is to be run again into a new folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from scoresim import limits
from scoresim.errors import ResultsError

MAX_JSON = limits.RUN_JSON_BYTES
MAX_DEPTH = limits.RUN_JSON_DEPTH
REQUIRED: dict[str, type | tuple[type, ...]] = {
    "scenario": str,
    "scenario_hash": str,
    "parameters": dict,
    "agents": int,
    "steps": int,
    "seed": int,
    "version": str,
    "pressure_free": dict,
}
FIX = "run it again to write the folder anew"
FIX_NEW = (
    "run it again into a new folder (--out NEW): scoresim replaces only a run folder whose "
    "run.json it can read, so this one is yours to remove"
)


def read_info(path: Path) -> dict[str, Any]:
    """``run.json``, checked.

    Raises:
        ResultsError: Missing, too large, not JSON, too deep, or a field missing or of
            the wrong type.
    """
    if not path.is_file():
        raise ResultsError(f"{path}: missing; {FIX_NEW}")
    size = path.stat().st_size
    if size > MAX_JSON:
        raise ResultsError(f"{path}: {size:,} bytes is more than a run.json holds; {FIX_NEW}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: not readable as UTF-8 text ({exc}); {FIX_NEW}") from None
    if limits.json_depth(text) > MAX_DEPTH:
        raise ResultsError(f"{path}: nested more than {MAX_DEPTH} levels; {FIX_NEW}")
    try:
        info = json.loads(text)
    except ValueError as exc:
        raise ResultsError(f"{path}: damaged, not JSON ({exc}); {FIX_NEW}") from None
    if not isinstance(info, dict):
        raise ResultsError(f"{path}: holds a {type(info).__name__}, not an object; {FIX_NEW}")
    for key, kind in REQUIRED.items():
        if key not in info:
            raise ResultsError(f"{path}: field {key!r} is missing; {FIX_NEW}")
        value = info[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ResultsError(f"{path}: field {key!r} holds {str(value)[:40]!r}; {FIX_NEW}")
    return info


def read_table(path: Path, columns: tuple[str, ...], rows: int | None) -> pd.DataFrame:
    """A Parquet file with at least ``columns`` and, if given, exactly ``rows`` rows.

    Raises:
        ResultsError: Missing, not Parquet, truncated, or of the wrong shape.
    """
    if not path.is_file():
        raise ResultsError(f"{path}: missing; {_fix(path)}")
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # PyArrow's errors have no common root worth naming here
        reason = " ".join(str(exc).split())[:120]
        raise ResultsError(
            f"{path}: damaged, not a readable Parquet file ({reason}); {_fix(path)}"
        ) from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ResultsError(f"{path}: column {missing[0]!r} is missing; {_fix(path)}")
    if rows is not None and len(frame) != rows:
        raise ResultsError(f"{path}: {len(frame):,} rows where the run has {rows:,}; {_fix(path)}")
    return frame


def _fix(part: Path) -> str:
    """The fix for a damaged part of a run folder: rerun into it, if a rerun may replace it."""
    from scoresim.results import outputs

    return FIX if outputs.is_run_folder(part.parent) else FIX_NEW


def read_parts(
    path: str | Path,
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read the parts of a run folder written by :meth:`RunResult.save`, refusing a damaged one.

    :func:`scoresim.results.run.load_run` makes the :class:`RunResult` of them (this
    module knows no ``RunResult``, so the two import one way).

    Returns:
        ``(info, metrics, agents, network, respondents, followed)``; the last three
        are empty if the folder has none.

    Raises:
        ResultsError: One line naming the damaged file.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise ResultsError(f"{folder}: no such run folder; give a folder written by scoresim run")
    info = read_info(folder / "run.json")
    groups = info["parameters"].get("groups")
    per_step = len(groups) + 1 if isinstance(groups, dict) else None
    steps = info["steps"]
    metrics = read_table(folder / "metrics.parquet", ("step", "group", "population"),
                         steps * per_step if per_step else None)  # fmt: skip
    agents = read_table(folder / "agents.parquet", ("id", "group"), info["agents"])
    net = folder / "network.parquet"
    network = read_table(net, ("source", "target"), None) if net.exists() else pd.DataFrame()
    asked = folder / "respondents.parquet"
    respondents = read_table(asked, ("poll", "id"), None) if asked.exists() else pd.DataFrame()
    people = folder / "people.parquet"
    followed = read_table(people, ("step", "id"), None) if people.exists() else pd.DataFrame()
    return info, metrics, agents, network, respondents, followed
