"""``scoresim scenarios``: list, show, check, diff the regimes, and print their JSON Schema."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from scoresim.cli.common import FLAG, out, user_errors
from scoresim.config.loading import builtin_names, load_scenario
from scoresim.config.models import ScenarioConfig
from scoresim.config.yamltext import not_a_file, read_text
from scoresim.errors import UnknownScenarioError
from scoresim.experiment.scenario import followable
from scoresim.results import outputs, ownership

app = typer.Typer(
    name="scenarios",
    help="List, show, check and compare regimes; print the scenario JSON Schema.",
    no_args_is_help=True,
)

NameOrPath = Annotated[str, typer.Argument(help="Built-in name or path to a YAML file.")]


def coupling_label(cfg: ScenarioConfig) -> str:
    """What a score does, in the README's words: score or list coupling, perks only, none."""
    if cfg.blacklist is not None:
        return cfg.scoring.coupling
    return "perks only" if cfg.rewards else "none"


def flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Leaf values of nested mappings by dotted path; lists are leaves.

    Empty mappings and ``None`` (an absent section) have no leaves, so that a section
    missing on one side shows as its fields against "—".
    """
    if isinstance(obj, dict):
        flat: dict[str, Any] = {}
        for key, val in obj.items():
            flat.update(flatten(val, f"{prefix}{key}."))
        return flat
    return {} if obj is None else {prefix[:-1]: obj}


def scenario_diff(a: ScenarioConfig, b: ScenarioConfig) -> list[tuple[str, Any, Any]]:
    """Fields whose resolved values differ, as (path, value in a, value in b), sorted.

    Defaults are filled in first, so a field written out in one file and left to its
    default in the other does not count as a difference. A path present in only one
    of them has ``None`` on the other side.
    """
    fa = flatten(a.model_dump(mode="json"))
    fb = flatten(b.model_dump(mode="json"))
    return [
        (p, fa.get(p), fb.get(p)) for p in sorted(fa.keys() | fb.keys()) if fa.get(p) != fb.get(p)
    ]


def _cell(value: Any) -> str:
    return "—" if value is None else json.dumps(value, ensure_ascii=False, allow_nan=False)


@app.command("list")
def list_() -> None:
    """Every built-in regime: name, coupling mode and what it is."""
    with user_errors():
        table = Table(title="built-in regimes", title_justify="left")
        for col in ("name", "coupling", "description"):
            table.add_column(col, overflow="fold")
        for name in builtin_names():
            cfg = load_scenario(name).config
            coupling = coupling_label(cfg)
            table.add_row(name, coupling, cfg.description)
        out.print(table)


@app.command()
def show(
    scenario: NameOrPath,
    resolved: Annotated[
        bool,
        typer.Option("--resolved", help="Show every field with defaults filled in.", metavar=FLAG),
    ] = False,
) -> None:
    """Print a regime's YAML as written, with its source comments."""
    with user_errors():
        sc = load_scenario(scenario)
        if resolved:
            text = yaml.safe_dump(sc.config.model_dump(mode="json"), sort_keys=False)
        elif scenario in builtin_names():
            path = resources.files("scoresim.scenarios").joinpath(f"{scenario}.yaml")
            text = path.read_text(encoding="utf-8")
        else:
            text = read_text(Path(scenario), scenario)
    typer.echo(text, nl=not text.endswith("\n"))


@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="Scenario YAML files to validate.")],
) -> None:
    """Validate scenario files without running them (exit 2 at the first invalid one)."""
    with user_errors():
        for path in files:
            why = not_a_file(path)
            if why is not None:
                raise UnknownScenarioError(f"{path}: {why}; give the path to a YAML file")
            scenario = load_scenario(path)
            followable(scenario)  # a timeline a run could not follow is refused here too
            cfg = scenario.config
            coupling = coupling_label(cfg)
            out.print(
                f"{path}: valid ({cfg.name}; {len(cfg.groups)} groups, "
                f"{len(cfg.behaviours)} behaviours, {len(cfg.sources)} sources, {coupling})",
                markup=False,
                highlight=False,
            )


@app.command()
def schema(
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of scenario files, for editor completion and checking."""
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": "scoresim scenario files, written by `scoresim scenarios schema`",
        **ScenarioConfig.model_json_schema(),
    }
    text = json.dumps(doc, indent=2, allow_nan=False) + "\n"
    if out_file is None:
        typer.echo(text, nl=False)
    else:
        with user_errors():
            outputs.check_file(out_file)
            with outputs.claim(out_file):
                outputs.check_file(out_file)  # again, under the lock: it may have changed
                with ownership.staging(out_file) as tmp:
                    tmp.write_text(text, encoding="utf-8")
                    outputs.put_in_place(tmp, out_file)
        out.print(f"schema written to {out_file}", markup=False, highlight=False)


@app.command()
def diff(a: NameOrPath, b: NameOrPath) -> None:
    """What differs between two regimes, field by field (defaults filled in)."""
    with user_errors():
        ca, cb = load_scenario(a).config, load_scenario(b).config
    rows = scenario_diff(ca, cb)
    if not rows:
        out.print(f"{a} and {b} are the same regime", markup=False, highlight=False)
        return
    table = Table(title=f"{len(rows)} fields differ", title_justify="left")
    table.add_column("field", overflow="fold")
    table.add_column(a, overflow="fold")
    table.add_column(b, overflow="fold")
    for path, va, vb in rows:
        table.add_row(path, _cell(va), _cell(vb))
    out.print(table)
