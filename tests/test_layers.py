"""The layers are contracts in pyproject.toml, checked by import-linter (docs/architecture.md).

``lint-imports`` reads every import of every module from its syntax tree: relative
ones, those inside functions (and under ``TYPE_CHECKING``), and those of third-party
packages. These tests run it on the tree, and on a copy of the package with one
forbidden import planted, to show the check fails on each kind.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CONFIG = PYPROJECT["tool"]["importlinter"]
NAMES = {c["id"]: c["name"] for c in CONFIG["contracts"]}


def lint_imports(src: Path, config: Path) -> tuple[int, str, dict[str, str]]:
    """Run lint-imports on the package under ``src``: (exit code, output, verdict by contract id)."""
    env = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "500", "NO_COLOR": "1"}
    done = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(config)],
        cwd=config.parent, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    out = done.stdout + done.stderr
    verdicts = {}
    for cid, name in NAMES.items():
        found = re.search(rf"^{re.escape(name)} (KEPT|BROKEN)", out, re.MULTILINE)
        verdicts[cid] = found.group(1) if found else "missing"
    return done.returncode, out, verdicts


def test_the_contracts_hold_on_the_tree() -> None:
    code, out, verdicts = lint_imports(ROOT / "src", ROOT / "pyproject.toml")
    assert code == 0, out
    assert set(verdicts.values()) == {"KEPT"}, verdicts


# (contract broken, module of the copy, the line planted in it)
PLANTS = {
    "relative": ("layers", "core/crn.py", "from ..engine.compile import Compiled\n"),
    "function-level": (
        "layers",
        "results/headlines.py",
        "def _planted() -> object:\n    from scoresim.engine.stepper import Simulation\n\n"
        "    return Simulation\n",
    ),
    "type-checking": (
        "layers",
        "config/models.py",
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
        "    from scoresim.engine.compile import Compiled\n",
    ),
    "from-top-package": ("no-top-package", "sweep/design.py", "from scoresim import simulate\n"),
    "import-top-package": (
        "no-top-package",
        "validation/dissent.py",
        "def _planted() -> object:\n    import scoresim\n\n    return scoresim.Simulation\n",
    ),
    "third-party-in-core": ("core-numpy-numba", "core/crn.py", "import pandas\n"),
    "cycle": (
        "acyclic",
        "results/folders.py",
        "def _planted() -> object:\n    from scoresim.results.run import RunResult\n\n"
        "    return RunResult\n",
    ),
}


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A copy of the package and the config, and the verdicts on the copy as it is."""
    base = tmp_path_factory.mktemp("copy")
    shutil.copytree(ROOT / "src" / "scoresim", base / "src" / "scoresim",
                    ignore=shutil.ignore_patterns("__pycache__", "*.yaml", "static"))  # fmt: skip
    shutil.copy(ROOT / "pyproject.toml", base / "pyproject.toml")
    _, _, verdicts = lint_imports(base / "src", base / "pyproject.toml")
    return base, verdicts


@pytest.mark.parametrize("kind", PLANTS)
def test_a_planted_import_breaks_its_contract(
    kind: str, copy: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    contract, module, line = PLANTS[kind]
    base, before = copy
    assert before[contract] == "KEPT", f"{contract} is broken before planting anything"
    tree = tmp_path / "src"
    shutil.copytree(base / "src", tree)
    target = tree / "scoresim" / module
    target.write_text(target.read_text(encoding="utf-8") + "\n\n" + line, encoding="utf-8")
    code, out, verdicts = lint_imports(tree, base / "pyproject.toml")
    assert code == 1, out
    assert verdicts[contract] == "BROKEN", out
    planted = "scoresim." + module.removesuffix(".py").replace("/", ".")
    if contract == "acyclic":  # a cycle is named by its package, and any edge may be cut
        planted = planted.rsplit(".", 1)[0]
    assert planted in out.split("Broken contracts", 1)[1], out


def test_the_core_imports_numpy_numba_and_the_standard_library_only() -> None:
    graph = grimp.build_graph("scoresim", include_external_packages=True, cache_dir=None)
    core = graph.find_descendants("scoresim.core") | {"scoresim.core"}
    outside = {
        imported.split(".")[0]
        for module in core
        for imported in graph.find_modules_directly_imported_by(module)
        if not imported.startswith("scoresim")
    }
    assert outside - set(sys.stdlib_module_names) <= {"numpy", "numba"}


def test_the_core_contract_forbids_every_other_declared_dependency() -> None:
    """A dependency added to pyproject is forbidden to the core, or this fails."""
    project = PYPROJECT["project"]
    runtime = [*project["dependencies"], *project["optional-dependencies"]["cluster"]]
    modules: dict[str, set[str]] = {}
    for module, dists in importlib.metadata.packages_distributions().items():
        for dist in dists:
            modules.setdefault(re.sub(r"[-_.]+", "-", dist).lower(), set()).add(module)
    (contract,) = (c for c in CONFIG["contracts"] if c["id"] == "core-numpy-numba")
    forbidden = set(contract["forbidden_modules"])
    for requirement in runtime:
        dist = re.sub(r"[-_.]+", "-", re.split(r"[^\w.-]", requirement)[0]).lower()
        if dist not in ("numpy", "numba"):
            assert modules.get(dist, set()) & forbidden, f"{requirement}: add it to the contract"
