"""The Mesa environment of the comparisons: the newest Mesa this machine's Python can install.

Mesa 3.5.1 needs Python 3.12 or newer; the project runs on 3.11. So the environment is
made with the newest Python found (on ``PATH`` as ``python3.13``/``python3.12``, or
under ``pyenv root``), and with Mesa 3.3.1 on this interpreter only when there is none,
saying so. It lives in ``benchmarks/vs_mesa/.venv-mesa`` (not the project's ``.venv``)
and is rebuilt when a better Python has appeared since it was made.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ENV = HERE / ".venv-mesa"
MARK = ENV / "scoresim-mesa.json"
NEWEST = "3.5.1"
FALLBACK = "3.3.1"


def _version(python: str) -> tuple[int, int] | None:
    try:
        out = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:2])"],
                             capture_output=True, text=True, check=True, timeout=30)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    major, minor = out.stdout.split()
    return int(major), int(minor)


def newest_python() -> tuple[str, tuple[int, int]] | None:
    """The newest Python 3.12+ on this machine, or None."""
    found: list[tuple[tuple[int, int], str]] = []
    for name in ("python3.13", "python3.12"):
        path = shutil.which(name)
        if path and (v := _version(path)):
            found.append((v, path))
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
        for exe in sorted(Path(root, "versions").glob("3.1[2-9]*/bin/python3")):
            if v := _version(str(exe)):
                found.append((v, str(exe)))
    found = [f for f in found if f[0] >= (3, 12)]
    if not found:
        return None
    version, path = max(found)
    return path, version


def ensure_mesa() -> tuple[Path, dict[str, Any]]:
    """The Mesa environment's python and what it holds (python, mesa, note)."""
    best = newest_python()
    want = {"python": ".".join(map(str, best[1])) if best else ".".join(map(str, sys.version_info[:2])),
            "mesa": NEWEST if best else FALLBACK}  # fmt: skip
    python = ENV / "bin" / "python"
    if MARK.exists() and python.exists():
        info: dict[str, Any] = json.loads(MARK.read_text())
        if {k: info.get(k) for k in want} == want:
            return python, info
        shutil.rmtree(ENV)
    base = best[0] if best else sys.executable
    note = (f"Mesa {NEWEST}, the newest release" if best else
            f"no Python 3.12 or newer here, so Mesa {FALLBACK}, the newest release for "
            f"Python {want['python']}")  # fmt: skip
    print(f"creating {ENV} with {base} and mesa=={want['mesa']} ({note}) ...", file=sys.stderr)
    subprocess.run([base, "-m", "venv", str(ENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"mesa=={want['mesa']}",
                    "networkx", "numpy"], check=True)  # fmt: skip
    info = {**want, "note": note}
    MARK.write_text(json.dumps(info) + "\n")
    return python, info
