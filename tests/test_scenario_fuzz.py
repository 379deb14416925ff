"""Property test: a randomly damaged scenario file either loads (and runs) or fails with
a ScoresimError whose one-line message names the file and the field or line at fault."""

from __future__ import annotations

import copy
import re
from importlib import resources
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoresim.config.loading import builtin_names, scenario_from_text
from scoresim.engine.simulation import simulate
from scoresim.errors import ScoresimError

ORIGIN = "mutant.yaml"
TEXTS = {
    name: resources.files("scoresim.scenarios").joinpath(f"{name}.yaml").read_text()
    for name in builtin_names()
}
# After the file name: an optional line, then a field path or "(top level)", or a
# YAML syntax problem on a line.
LOCATED = re.compile(
    r"^mutant\.yaml: (line \d+: )?(malformed YAML|\(top level\): |[A-Za-z_]\w*|\[)"
)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _parent(raw: Any, path: tuple[Any, ...]) -> Any:
    node = raw
    for key in path[:-1]:
        node = node[key]
    return node


ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(min_size=1, max_size=5), st.integers(), max_size=2),
)


@st.composite
def mutants(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(sorted(TEXTS)))
    text = TEXTS[name]
    kind = draw(st.sampled_from(["delete", "retype", "out_of_range", "unknown_key", "text"]))
    if kind == "text":
        # Break the YAML itself: cut it short, or splice in stray characters.
        at = draw(st.integers(min_value=0, max_value=len(text)))
        junk = draw(
            st.sampled_from(["", ": :", "\t", "{", "]", "- x\n", "&a *b", "!!python/name:os"])
        )
        return text[:at] + junk + (text[at:] if draw(st.booleans()) else "")
    raw = yaml.safe_load(text)
    paths = _paths(raw)
    path = draw(st.sampled_from(paths))
    parent = _parent(raw, path)
    key = path[-1]
    if kind == "delete":
        del parent[key]
    elif kind == "retype":
        parent[key] = draw(ODD_VALUES)
    elif kind == "out_of_range":
        parent[key] = draw(st.sampled_from([-1, -0.5, 1.5, 2, 10**9, -(10**9), 70000, 1e308]))
    else:
        target = parent if isinstance(parent, dict) else raw
        target[draw(st.text(min_size=1, max_size=10))] = draw(ODD_VALUES)
    return yaml.safe_dump(copy.deepcopy(raw), sort_keys=False)


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(mutants())
def test_damaged_files_fail_cleanly_or_run(text: str) -> None:
    try:
        scenario = scenario_from_text(text, ORIGIN)
    except ScoresimError as exc:
        message = str(exc)
        assert "\n" not in message
        assert LOCATED.match(message), message
        return
    # Whatever validates must also run: no engine error may hide behind the checks.
    run = simulate(scenario, agents=60, steps=3, seed=1)
    assert len(run.metrics) == 3 * (len(scenario.config.groups) + 1)
