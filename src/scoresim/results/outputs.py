"""Where scoresim writes: never over anything it did not write itself.

Every command that writes checks its target before any work starts, and again when it
writes:

- a **run folder** (``run --out``, ``demo --out``, ``compare --out``,
  :meth:`RunResult.save`) may replace only a folder that holds nothing but a run's
  files and a ``run.json`` scoresim wrote (or an empty folder, or nothing);
- a **sweep folder** is new, empty, or holds a sweep's catalogue (``results.duckdb``),
  which the sweep then resumes;
- a **file** (a report, a figure, a schema) may replace only a regular file that
  scoresim wrote, recognised by the word ``scoresim`` in its first 4 KiB (every
  file scoresim writes carries it: a report's generator tag, a figure's Software or
  Creator metadata, a schema's ``$comment``);
- a **figures folder** is new, empty, or holds only files scoresim wrote.

Anything else (a folder of the user's, a device, a FIFO, the current folder) is
refused with a one-line :class:`OutputError` before anything is computed. While a
command writes a path it holds a lock beside it (``.NAME.lock``, removed at the
end), so that two commands cannot both write the same path and both report success;
holding it, it removes the hidden temporaries that a killed earlier writer left.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scoresim.errors import OutputError

RUN_FILES = frozenset({"metrics.parquet", "agents.parquet", "network.parquet", "run.json"})
SIGNATURE = b"scoresim"
HEAD = 4096
_held: set[Path] = set()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def public(path: Path) -> None:
    """Give a file or folder made by ``mkstemp``/``mkdtemp`` (0600/0700) the usual mode."""
    mode = 0o777 if path.is_dir() else 0o666
    os.chmod(path, mode & ~_umask())


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


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
    """Whether ``path`` is a folder holding nothing but a run's files, run.json included."""
    if path.is_symlink() or not path.is_dir():
        return False
    names = {p.name for p in path.iterdir()}
    if "run.json" not in names or not names <= RUN_FILES:
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
    """Whether the regular file ``path`` carries scoresim's signature near its start."""
    try:
        with path.open("rb") as f:
            return SIGNATURE in f.read(HEAD)
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
    foreign = sorted(p.name for p in path.iterdir() if not (p.is_file() and written_by_scoresim(p)))
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

    Re-entrant within a process. On entry it removes hidden temporaries of ``path``
    left by a writer that was killed (only a holder of the lock makes them).

    Raises:
        OutputError: another process is writing ``path`` now.
    """
    key = _absolute(path)
    if key in _held:
        yield
        return
    parent = key.parent
    parent.mkdir(parents=True, exist_ok=True)
    lock = parent / f".{key.name}.lock"
    while True:
        fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputError(
                f"{flag} {path}: another scoresim command is writing it now; wait for it "
                "to finish, or give another path"
            ) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:  # its holder removed it as we opened it
            same = False
        if same:
            break
        os.close(fd)
    _held.add(key)
    try:
        stale = re.compile(rf"^\.{re.escape(key.name)}\.(old\.)?[A-Za-z0-9_]{{8}}$")
        for leftover in parent.iterdir():
            if not stale.match(leftover.name) or leftover.is_symlink():
                continue
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            elif leftover.is_file():
                leftover.unlink(missing_ok=True)
        yield
    finally:
        _held.discard(key)
        lock.unlink(missing_ok=True)
        os.close(fd)
