"""Where scoresim writes: never over anything it did not write itself.

Every command that writes checks its target before any work starts, and again when it
writes:

- a **run folder** (``run --out``, ``demo --out``, ``compare --out``,
  :meth:`RunResult.save`) may replace only a folder that holds nothing but a run's
  files and a ``run.json`` scoresim wrote (or an empty folder, or nothing);
- a **sweep or calibration folder** is new, empty, or holds a catalogue
  (``results.duckdb``) that is scoresim's own, of the same kind, which the command
  then resumes (:mod:`scoresim.experiment.catalogue` reads its stored kind);
- a **file** (a report, a figure, a schema) may replace only a regular file that
  scoresim wrote, recognised by one of the exact marks scoresim writes (:data:`MARKS`:
  a report's generator tag, a PNG's Software or an SVG's Creator metadata, a schema's
  ``$comment``) in its first 4 KiB; the word ``scoresim`` alone is not enough;
- a **figures folder** is new, empty, or holds only files scoresim wrote.

Anything else (a folder of the user's, a device, a FIFO, the current folder) is
refused with a one-line :class:`OutputError` before anything is computed. While a
command writes a path it holds a lock beside it (``.NAME.lock``, removed at the
end), so that two commands cannot both write the same path and both report success;
holding it, it removes the temporaries that a killed earlier scoresim left, and only
those it can prove it wrote (:mod:`scoresim.results.ownership`).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scoresim.errors import OutputError
from scoresim.results import ownership

RUN_FILES = frozenset(
    {
        "metrics.parquet",
        "agents.parquet",
        "network.parquet",
        "respondents.parquet",
        "people.parquet",
        "run.json",
    }
)
# The exact marks each writer puts near the start of its file (unchanged since 0.3).
MARKS = (
    b'<meta name="generator" content="scoresim">',  # a report (report/render.py)
    b"tEXtSoftware\x00scoresim (drawn with Matplotlib)",  # a PNG figure
    b"<dc:title>scoresim (drawn with Matplotlib)</dc:title>",  # an SVG figure (Creator)
    b'"$comment": "scoresim scenario files, written by `scoresim scenarios schema`"',
)
HEAD = 4096
# The targets this thread holds (claim is re-entrant within a thread), and one lock per
# target for the whole process, so that another thread is refused like another process.
_local = threading.local()
_guard = threading.Lock()
_locks: dict[Path, threading.Lock] = {}


def _held() -> set[Path]:
    held: set[Path] | None = getattr(_local, "held", None)
    if held is None:
        held = _local.held = set()
    return held


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


def normal(path: str | os.PathLike[str]) -> Path:
    """``path`` with ``.`` and ``..`` taken out by name (not by following links).

    Every writer works on this form from the start: ``real/../real`` stops naming
    anything once ``real`` is moved aside, so the target, its lock and its temporaries
    must not depend on it.
    """
    return Path(os.path.normpath(path))


def _refuse_cwd(path: Path, flag: str) -> None:
    """Refuse the current folder (or one holding it), and a path under a file."""
    for up in _absolute(path).parents:
        if os.path.lexists(up):
            if not up.is_dir():
                raise OutputError(f"{flag} {path}: {up} is a file, not a folder; give a new path")
            break
    here = Path.cwd()
    target = _absolute(path)
    if target == here or target in here.parents:
        raise OutputError(
            f"{flag} {path}: is the current folder or holds it; give a new folder, "
            "such as runs/NAME"
        )


def _kind(path: Path) -> str:
    if path.is_symlink():
        return "a symbolic link"
    if path.is_dir():
        return "a folder"
    if path.is_file():
        return "a file"
    return "not a regular file or folder (a device, FIFO or socket)"


def _some(names: list[str]) -> str:
    """The first three names, and an ellipsis if there are more."""
    return ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")


def is_run_folder(path: Path) -> bool:
    """Whether ``path`` is a folder holding nothing but a run's files, run.json included.

    Each entry must be a regular file (not a folder, not a symbolic link), whatever its name.
    """
    if path.is_symlink() or not path.is_dir():
        return False
    entries = list(path.iterdir())
    names = {p.name for p in entries}
    if "run.json" not in names or not names <= RUN_FILES:
        return False
    if any(p.is_symlink() or not p.is_file() for p in entries):
        return False
    try:
        info = json.loads((path / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(info, dict) and "scenario_hash" in info and "version" in info


def check_run_folder(path: Path, flag: str = "--out") -> None:
    """Refuse ``path`` as a run folder unless it is new, empty, or a run folder.

    Raises:
        OutputError: it is something else, named in one line with the fix.
    """
    path = normal(path)
    _refuse_cwd(path, flag)
    if not os.path.lexists(path):
        return
    if path.is_dir() and not path.is_symlink():
        entries = sorted(p.name for p in path.iterdir())
        if not entries or is_run_folder(path):
            return
        shown = _some(entries)
        raise OutputError(
            f"{flag} {path}: holds files scoresim did not write ({shown}); it replaces only "
            "a run folder of its own, so give a new folder or empty this one yourself"
        )
    raise OutputError(
        f"{flag} {path}: exists and is {_kind(path)}, not a run folder; give a new folder"
    )


def check_sweep_folder(path: Path, flag: str = "--out") -> None:
    """Refuse ``path`` as a sweep folder unless it is new, empty, or holds a sweep.

    Raises:
        OutputError: it is something else.
    """
    _refuse_cwd(path, flag)
    if not os.path.lexists(path):
        return
    if path.is_dir() and not path.is_symlink():
        entries = sorted(p.name for p in path.iterdir())
        if not entries or "results.duckdb" in entries:
            return
        shown = _some(entries)
        raise OutputError(
            f"{flag} {path}: holds files that are not a sweep's ({shown}); give a new "
            "folder, or the folder of the sweep to resume"
        )
    raise OutputError(f"{flag} {path}: exists and is {_kind(path)}; give a new folder")


def written_by_scoresim(path: Path) -> bool:
    """Whether the regular file ``path`` carries one of scoresim's exact marks near its start."""
    try:
        with path.open("rb") as f:
            head = f.read(HEAD)
            return any(mark in head for mark in MARKS)
    except OSError:
        return False


def check_file(path: Path, flag: str = "--out") -> None:
    """Refuse ``path`` as an output file unless it is new or a file scoresim wrote.

    Raises:
        OutputError: it is a folder, a device, or a file of someone else's.
    """
    _refuse_cwd(path, flag)
    if not os.path.lexists(path):
        return
    if path.is_symlink() or not path.is_file():
        raise OutputError(f"{flag} {path}: exists and is {_kind(path)}; give a file name")
    if not written_by_scoresim(path):
        raise OutputError(
            f"{flag} {path}: exists and was not written by scoresim; it replaces only its "
            "own files, so give a new file name or remove this one yourself"
        )


def check_figures_folder(path: Path, flag: str = "--figures") -> None:
    """Refuse ``path`` as a figures folder unless it is new, empty or scoresim's figures.

    Raises:
        OutputError: it holds anything scoresim did not write.
    """
    _refuse_cwd(path, flag)
    if not os.path.lexists(path):
        return
    if path.is_symlink() or not path.is_dir():
        raise OutputError(f"{flag} {path}: exists and is {_kind(path)}; give a folder")
    foreign = sorted(
        p.name
        for p in path.iterdir()
        if p.is_symlink() or not (p.is_file() and written_by_scoresim(p))
    )
    if foreign:
        shown = _some(foreign)
        raise OutputError(
            f"{flag} {path}: holds files scoresim did not write ({shown}); give a new "
            "folder or empty this one yourself"
        )


FIGURE_SUFFIXES = (".png", ".svg")


def figure_metadata(path: Path) -> dict[str, str]:
    """Metadata for ``savefig`` that signs a PNG or SVG figure as scoresim's."""
    key = "Software" if path.suffix.lower() == ".png" else "Creator"
    return {key: "scoresim (drawn with Matplotlib)"}


def check_figure_file(path: Path, flag: str) -> None:
    """Refuse a figure file that is not .png or .svg, or that someone else wrote.

    Raises:
        OutputError: another suffix, or a file scoresim did not write.
    """
    if path.suffix.lower() not in FIGURE_SUFFIXES:
        raise OutputError(f"{flag} {path}: give a .png or .svg file name")
    check_file(path, flag)


@contextmanager
def claim(path: Path, flag: str = "--out") -> Iterator[None]:
    """Hold the right to write ``path`` (a lock file beside it) for the block.

    Re-entrant within a thread; another thread of the same process is refused as another
    process is. On entry it removes the temporaries of ``path`` that a
    killed scoresim left, and only those it can prove are its own (see
    :mod:`scoresim.results.ownership`).

    Raises:
        OutputError: another process is writing ``path`` now, or something that is not
            scoresim's lock is where the lock goes.
    """
    path = normal(path)
    key = _absolute(path)
    held = _held()
    if key in held:
        yield
        return
    parent = key.parent
    limit = 255 - ownership.SPARE_CHARS
    if len(os.fsencode(key.name)) > limit:
        raise OutputError(
            f"{flag} {path}: the name is too long to write beside (its temporaries need "
            f"{ownership.SPARE_CHARS} more bytes); give a name of at most {limit} bytes"
        )
    parent.mkdir(parents=True, exist_ok=True)
    lock = parent / f".{key.name}.lock"
    with _guard:
        in_process = _locks.setdefault(key, threading.Lock())
    if not in_process.acquire(blocking=False):
        raise OutputError(ownership.busy(f"{flag} {path}"))
    try:
        fd = ownership.take_lock(lock, key.name, f"{flag} {path}")
        held.add(key)
        try:
            ownership.remove_stale(parent, key.name)
            yield
        finally:
            held.discard(key)
            lock.unlink(missing_ok=True)  # ours: we hold it, and it carries our marker
            os.close(fd)
    finally:
        in_process.release()


def put_in_place(new: Path, out: Path) -> None:
    """Move the finished ``new`` (a staged file or folder) to ``out``, replacing it.

    A folder already at ``out`` is first moved into a marked temporary of its own, so
    that at every moment either the old or the new one is whole on disk; if the new one
    cannot then be moved in, the old one is moved back before the error goes on.
    """
    out = normal(out)
    if os.path.lexists(out) and out.is_dir() and not out.is_symlink():
        with ownership.staging(out, "old.") as old:
            os.replace(out, old)
            try:
                os.replace(new, out)
            except BaseException:
                os.replace(old, out)
                raise
    else:
        os.replace(new, out)
