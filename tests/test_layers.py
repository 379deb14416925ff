"""The code's layers point one way (docs/architecture.md), checked on every import.

Every ``import`` and ``from ... import`` in every module is read from its syntax tree,
function-level imports included, so a late import cannot hide a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "scoresim"

# package -> the scoresim packages it must never import
FORBIDDEN = {
    "core": {"config", "engine", "results", "sweep", "report", "explorer", "cli", "validation"},
    "config": {"engine", "results", "sweep", "report", "explorer", "cli", "validation", "core"},
    "engine": {"validation", "sweep", "report", "explorer", "cli"},
    "results": {"sweep", "report", "explorer", "cli", "validation"},
    "sweep": {"calibrate", "report", "explorer", "cli", "validation"},
    "calibrate": {"report", "explorer", "cli", "validation"},
    "report": {"explorer", "cli", "validation"},
    "explorer": {"cli", "validation", "sweep", "calibrate"},
    "validation": {"sweep", "report", "explorer", "cli"},
    "mechanisms": {
        "engine",
        "results",
        "sweep",
        "calibrate",
        "report",
        "explorer",
        "cli",
        "validation",
    },
}
# Modules outside a package's own rule that are one-line errors and limits, shared by all.
SHARED = {"errors", "limits"}


def imports(path: Path) -> set[str]:
    """The scoresim sub-packages (first part after ``scoresim.``) a module imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "scoresim":  # from scoresim import limits
                names.update(f"scoresim.{a.name}" for a in node.names)
    return {n.split(".")[1] for n in names if n.startswith("scoresim.") and n.count(".") >= 1}


def modules() -> list[tuple[str, Path]]:
    return [(p.relative_to(PACKAGE).parts[0], p) for p in sorted(PACKAGE.rglob("*.py"))
            if len(p.relative_to(PACKAGE).parts) > 1]  # fmt: skip


@pytest.mark.parametrize(("package", "path"), modules(), ids=lambda x: str(x))
def test_no_module_imports_against_the_layers(package: str, path: Path) -> None:
    bad = imports(path) & FORBIDDEN.get(package, set())
    assert not bad, f"{path.relative_to(PACKAGE)} imports scoresim.{sorted(bad)[0]}"


def test_the_rule_itself_would_catch_a_breach(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from scoresim.engine.simulation import simulate\n")
    assert "engine" in imports(module)
    assert "engine" in FORBIDDEN["config"] and "config" in FORBIDDEN["core"]


def test_core_is_a_package() -> None:
    assert (PACKAGE / "core" / "__init__.py").is_file()
