"""Property test: a randomly damaged scenario file either loads (and runs) or fails with
a ScoresimError whose one-line message names the file and the field or line at fault.

The mutations: a field deleted, retyped or out of range, an unknown key, broken YAML
syntax, and (issue 13) nesting up to 3 000 levels, strings up to 10^6 and
lists up to 10^5 long, YAML 1.1 spellings of numbers and booleans (``yes``, ``0x1``, ``'0.5'``,
``1_000``), duplicate keys, alias bombs, and damaged encodings (a byte-order mark,
bytes that are not UTF-8, NUL bytes), the last read from a file as a user would.
"""

from __future__ import annotations

import copy
import re
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoresim.config.loading import builtin_names, load_scenario, scenario_from_text
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
    kinds = ["delete", "retype", "out_of_range", "unknown_key", "text", "deep", "big",
             "yaml11", "duplicate", "aliases"]  # fmt: skip
    kind = draw(st.sampled_from(kinds))
    if kind == "yaml11":
        # A number or boolean in the text respelled as YAML 1.1 would read it.
        spots = [m.span(1) for m in re.finditer(r": (-?[0-9.]+|true|false)\b", text)]
        a, b = draw(st.sampled_from(spots))
        odd = draw(st.sampled_from(["yes", "no", "on", "off", "0x1", "0o7", "1_000", "'0.5'",
                                    '"1"', "1:30", "2026-01-01", ".NaN", "-.inf"]))  # fmt: skip
        return text[:a] + odd + text[b:]
    if kind == "duplicate":
        lines = text.splitlines(keepends=True)
        keyed = [i for i, line in enumerate(lines) if re.match(r"^\s*\w+:", line)]
        i = draw(st.sampled_from(keyed))
        return "".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])
    if kind == "aliases":
        levels = draw(st.integers(min_value=1, max_value=12))
        bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"a{k}: &a{k} [{', '.join(['*a' + str(k - 1)] * 10)}]\n" for k in range(1, levels)
        )
        return bomb + text
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
    elif kind == "deep":
        depth = draw(st.integers(min_value=1, max_value=3000))
        flavour = draw(st.sampled_from(["list", "map", "mixed"]))
        inner = draw(st.sampled_from(["1", "0.5", "x", "null", "[]", "{}"]))
        opens = [flavour == "list" or (flavour == "mixed" and k % 2 == 0) for k in range(depth)]
        flow = "".join("[" if o else "{k: " for o in opens) + inner
        flow += "".join("]" if o else "}" for o in reversed(opens))
        # Written by hand: PyYAML's own dumper recurses too deep for 3 000 levels.
        pattern = r"^(\s*" + re.escape(str(key)) + r"):.*$"
        return re.sub(pattern, lambda m: m.group(1) + ": " + flow, text, count=1, flags=re.M)
    elif kind == "big":
        size = draw(st.sampled_from([10**3, 10**4, 10**5]))
        parent[key] = "x" * (10 * size) if draw(st.booleans()) else [0.5] * size
    elif kind == "out_of_range":
        parent[key] = draw(st.sampled_from([-1, -0.5, 1.5, 2, 10**9, -(10**9), 70000, 1e308]))
    else:
        target = parent if isinstance(parent, dict) else raw
        target[draw(st.text(min_size=1, max_size=10))] = draw(ODD_VALUES)
    return yaml.safe_dump(copy.deepcopy(raw), sort_keys=False)


@settings(
    max_examples=300,
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


ENCODINGS = st.sampled_from(["bom", "latin1", "nul", "utf16", "cut"])


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.sampled_from(sorted(TEXTS)), ENCODINGS, st.integers(min_value=0, max_value=10**6))
def test_damaged_encodings_fail_cleanly_or_run(name: str, damage: str, where: int) -> None:
    data = TEXTS[name].encode("utf-8")
    at = where % len(data)
    data = {
        "bom": b"\xef\xbb\xbf" + data,
        "latin1": data[:at] + "é".encode("latin-1") + data[at:],
        "nul": data[:at] + b"\x00" + data[at:],
        "utf16": TEXTS[name].encode("utf-16"),
        "cut": data[:at] + "é".encode()[:1],
    }[damage]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mutant.yaml"
        path.write_bytes(data)
        try:
            scenario = load_scenario(path)
        except ScoresimError as exc:
            message = str(exc)
            assert "\n" not in message and message.startswith(str(path)), message
            return
    run = simulate(scenario, agents=60, steps=3, seed=1)
    assert len(run.metrics) == 3 * (len(scenario.config.groups) + 1)
