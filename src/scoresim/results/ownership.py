"""Proof of ownership for what scoresim writes beside a target: temporaries and locks.

A name is never proof. Every temporary folder scoresim makes beside a target
(``.NAME.XXXXXXXX``, ``.NAME.old.XXXXXXXX``) holds a marker file, :data:`MARKER`,
written before anything else goes in, and every lock file (``.NAME.lock``) *is* such a
marker. A marker is a small JSON object naming what it is for and the process that
wrote it::

    {"scoresim": "temporary", "target": "NAME", "pid": 4242, "host": "box",
     "boot": "6f1c...", "started": 1234567}

(``boot`` is the kernel's boot id and ``started`` the process's start time in clock
ticks, both from ``/proc`` where it exists, so that a reused process id is not taken
for the writer.) A leftover is removed only when its marker reads back whole, names
this target, was written on this host, and its process is no longer running. Anything
else, whatever its name, is left alone; a lock path held by something that is not a
scoresim lock is named in one line (see :func:`take_lock`).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import socket
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scoresim.errors import OutputError

MARKER = ".scoresim-temporary"
MARKER_BYTES = 4096
# The longest name beside a target is ".NAME.old.XXXXXXXX" (mkdtemp's 8 letters).
SPARE_CHARS = len("..old.") + 8
# The highest process id Linux can give (PID_MAX_LIMIT, 2**22); a marker naming a
# higher one is not a marker.
PID_MAX = 2**22


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip() or None
    except OSError:
        return None


def _started(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses; fields follow the last ')'.
    fields = text[text.rfind(")") + 2 :].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def marker(kind: str, target: str) -> bytes:
    """The marker text for a ``kind`` ("temporary" or "lock") of the sibling ``target``."""
    pid = os.getpid()
    doc = {
        "scoresim": kind,
        "target": target,
        "pid": pid,
        "host": socket.gethostname(),
        "boot": _boot_id(),
        "started": _started(pid),
    }
    return (json.dumps(doc, allow_nan=False) + "\n").encode()


def read_marker(data: bytes, kind: str, target: str) -> dict[str, Any] | None:
    """The marker in ``data`` if it is a whole ``kind`` marker for ``target``, else None."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("scoresim") != kind or doc.get("target") != target:
        return None
    pid = doc.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool) or not 0 < pid <= PID_MAX:
        return None  # no process can have that id (a forged or garbled marker)
    return doc


def writer_gone(doc: dict[str, Any]) -> bool:
    """Whether the process a marker names is provably no longer running.

    A marker from another host is never provably gone (a shared folder), so its
    leftover is kept.
    """
    if doc.get("host") != socket.gethostname():
        return False
    boot = _boot_id()
    if doc.get("boot") is not None and boot is not None and doc["boot"] != boot:
        return True  # the machine has restarted since
    pid = int(doc["pid"])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # a process of another user's runs with that id
    except (OverflowError, ValueError):
        return False  # not a process id at all: nothing is proven gone, so keep it
    started = doc.get("started")
    now = _started(pid)
    return started is not None and now is not None and now != started  # id reused


def _read_small(path: Path) -> bytes | None:
    """Up to :data:`MARKER_BYTES` of a regular file (never through a link), else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, MARKER_BYTES)
    finally:
        os.close(fd)


def remove_stale(parent: Path, target: str) -> list[Path]:
    """Remove the temporaries of ``parent/target`` that a killed scoresim left.

    Only folders named ``.TARGET.*`` that hold a marker for ``target`` whose process is
    gone, and spare lock files of the same kind, are removed; anything else is kept.

    Returns:
        The paths removed.
    """
    removed: list[Path] = []
    prefix = f".{target}."
    for leftover in sorted(parent.iterdir()):
        name = leftover.name
        if not name.startswith(prefix) or name == f".{target}.lock" or leftover.is_symlink():
            continue
        if leftover.is_dir():
            data = _read_small(leftover / MARKER)
            doc = None if data is None else read_marker(data, "temporary", target)
            if doc is not None and writer_gone(doc):
                shutil.rmtree(leftover, ignore_errors=True)
                removed.append(leftover)
        elif name.startswith(f"{prefix}lock."):
            data = _read_small(leftover)
            doc = None if data is None else read_marker(data, "lock", target)
            if doc is not None and writer_gone(doc):
                leftover.unlink(missing_ok=True)
                removed.append(leftover)
    return removed


@contextmanager
def staging(out: Path, tag: str = "") -> Iterator[Path]:
    """A marked temporary folder beside ``out``, removed at the end whatever happens.

    Yields ``TMP/NAME``, where to build the new ``out`` (it does not exist yet); move it
    into place with ``os.replace`` before the block ends. The marker is written before
    the path is yielded, so a kill at any later moment leaves a provable leftover.
    """
    out = Path(os.path.normpath(out))  # "real/../real" names nothing once real moves
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.{tag}", dir=out.parent))
    try:
        fd = os.open(tmp / MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(marker("temporary", out.name))
        yield tmp / out.name
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _create_lock(lock: Path, target: str) -> None:
    """Put a whole lock marker at ``lock`` atomically (if nothing is there yet)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target}.lock.", dir=lock.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(marker("lock", target))
        os.link(tmp, lock)
    except FileExistsError:
        pass  # another writer's lock arrived first; take_lock reads it
    finally:
        os.unlink(tmp)


def busy(shown: str) -> str:
    """The one line naming a target that another writer holds now."""
    return (
        f"{shown}: another scoresim command is writing it now; wait for it to finish, "
        "or give another path"
    )


def take_lock(lock: Path, target: str, shown: str) -> int:
    """Hold ``lock`` (an exclusive ``flock``) and return its descriptor.

    Args:
        lock: The lock file's path, ``.NAME.lock`` beside the target.
        target: The target's name.
        shown: How the target is named in messages (``--out PATH``).

    Raises:
        OutputError: Another scoresim command holds it, or something that is not a
            scoresim lock is at that path (which is never removed or overwritten).
    """
    in_way = (
        f"{shown}: {lock} is in the way and is not a lock scoresim wrote; move it "
        "elsewhere or give another path"
    )
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK)
        except FileNotFoundError:
            _create_lock(lock, target)
            continue
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO, errno.EACCES):
                raise OutputError(in_way) from None  # a link, a folder, a socket
            raise OutputError(
                f"{shown}: cannot write beside it ({exc.strerror}); give another path"
            ) from None
        try:
            ino = os.fstat(fd)
            if not stat.S_ISREG(ino.st_mode):
                raise OutputError(in_way)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise OutputError(busy(shown)) from None
            try:
                same = os.lstat(lock).st_ino == ino.st_ino
            except FileNotFoundError:  # its holder removed it as we opened it
                same = False
            if same:
                if read_marker(os.pread(fd, MARKER_BYTES, 0), "lock", target) is None:
                    raise OutputError(in_way)
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
