"""Property test: a randomly damaged calibration file loads, or fails in one line, writing nothing.

Like tests/test_scenario_fuzz.py, for calibration files (issue 23): the two shipped
calibrations and a small one are damaged by deleting, retyping or pushing a field out
of range, adding unknown keys, breaking the YAML, nesting up to 3 000 levels, strings
up to 10^6 and lists up to 10^4 long, YAML 1.1 spellings, duplicate keys, alias bombs,
names (the catalogue's own columns in any case, names equal but for case, empty,
too long, not identifiers, SQL words), and damaged encodings read from a file.

A mutant that fails must fail with a CalibrationError whose one line names the file
and the line or field, and ``scoresim calibrate`` must exit 2 with that line and leave
no folder behind. A mutant that loads must be one the real catalogue can hold: its
folder is created with real DuckDB tables, a predictive and a noise row go in, and its
configuration is strict JSON. Hypothesis is derandomised, so the run is the same each
time; the module takes about 30 seconds.
"""

from __future__ import annotations

import copy
import math
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from scoresim import strictjson
from scoresim.calibrate.checks import RESERVED
from scoresim.calibrate.spec import calibration_from_text, load_calibration
from scoresim.calibrate.store import CalibrationStore
from scoresim.cli.app import app
from scoresim.errors import CalibrationError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "calibration"
SMALL = """\
scenario: court-blacklist
seed: 3
run: {agents: 400, steps: 40, replicates: 1}
fixed: {blacklist.payment_exit: 0.001}
parameters:
  behaviours.refuse_to_perform.base_rate: {prior: log-uniform, low: 1.0e-5, high: 1.0e-3}
  sources.courts.coverage: {prior: uniform, low: 0.2, high: 1.0}
targets:
  - {name: listed_day39, value: 0.004, sd: 0.002, day: 39, metric: listed, source: made up}
  - {name: denials, value: 0.0005, sd: 0.0005, day: 39, metric: denied.travel,
     aggregate: sum, per_person: true, source: made up}
forecasts:
  - {name: listed_later, metric: listed, day: 59, scale: 1000, unit: per thousand}
abc: {population: 12, generations: 2, min_epsilon: 0.1, predictive: 6, noise: 3}
"""
TEXTS = {
    "small": SMALL,
    "court": (EXAMPLES / "court-blacklist.yaml").read_text(),
    "polls": (EXAMPLES / "polls.yaml").read_text(),
}
ORIGIN = "mutant.yaml"
LOCATED = re.compile(
    r"^mutant\.yaml: (line \d+: )?(malformed YAML|\(top level\): |[A-Za-z_]\w*|\[|[\d,]+ bytes is larger)"
)
runner = CliRunner()

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(min_size=1, max_size=5), st.integers(), max_size=2),
)
ODD_NAMES = st.one_of(
    st.sampled_from(RESERVED).map(lambda n: n.upper()),
    st.sampled_from(RESERVED),
    st.sampled_from(["", "a b", "ü", "x" * 65, "1abc", 'quo"te', "select", "GROUP", "order",
                     "p0", "step", "population", "Listed_Day39", "DENIALS", "listed_2015"]),
    st.text(max_size=6),
)  # fmt: skip


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


def _rename(draw: st.DrawFn, raw: dict[str, Any]) -> None:
    """Give a target, a forecast or a parameter an odd name."""
    spots: list[tuple[str, int | None]] = [
        ("targets", k) for k in range(len(raw.get("targets") or []))
    ]
    spots += [("forecasts", k) for k in range(len(raw.get("forecasts") or []))]
    spots += [("parameters", None)]
    section, k = draw(st.sampled_from(spots))
    name = draw(ODD_NAMES)
    if k is None:
        params = raw["parameters"]
        first = next(iter(params))
        params[name] = params.pop(first)
    else:
        raw[section][k]["name"] = name


@st.composite
def mutants(draw: st.DrawFn) -> str:
    text = TEXTS[draw(st.sampled_from(sorted(TEXTS)))]
    kinds = ["delete", "retype", "out_of_range", "unknown_key", "text", "deep", "big",
             "yaml11", "duplicate", "aliases", "names", "names"]  # fmt: skip
    kind = draw(st.sampled_from(kinds))
    if kind == "yaml11":
        spots = [m.span(1) for m in re.finditer(r": (-?[0-9.]+(?:e-?[0-9]+)?|true|false)\b", text)]
        a, b = draw(st.sampled_from(spots))
        odd = draw(st.sampled_from(["yes", "no", "on", "0x1", "0o7", "1_000", "'0.5'", '"1"',
                                    "1:30", "2026-01-01", ".NaN", "-.inf", ".inf", "1e999"]))  # fmt: skip
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
        at = draw(st.integers(min_value=0, max_value=len(text)))
        junk = draw(
            st.sampled_from(["", ": :", "\t", "{", "]", "- x\n", "&a *b", "!!python/name:os"])
        )
        return text[:at] + junk + (text[at:] if draw(st.booleans()) else "")
    raw = yaml.safe_load(text)
    if kind == "names":
        _rename(draw, raw)
        return yaml.safe_dump(raw, sort_keys=False)
    path = draw(st.sampled_from(_paths(raw)))
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
        parent[key] = "__DEEP__"
        dumped = yaml.safe_dump(raw, sort_keys=False, width=10**9)
        return dumped.replace("__DEEP__", flow, 1)
    elif kind == "big":
        # Strings to 10^6 characters (past the file limit); lists to 10^4 items, because
        # PyYAML takes seconds for 10^5 (the scenario fuzz covers those).
        if draw(st.booleans()):
            parent[key] = "x" * draw(st.sampled_from([10**4, 10**5, 10**6]))
        else:
            parent[key] = [0.5] * draw(st.sampled_from([10**2, 10**3, 10**4]))
    elif kind == "out_of_range":
        parent[key] = draw(
            st.sampled_from([-1, 0, -0.5, 1.5, 2, 10**9, -(10**9), 70000, 1e308, 1e-320, 2**63])
        )
    else:
        target = parent if isinstance(parent, dict) else raw
        target[draw(st.text(min_size=1, max_size=10))] = draw(ODD_VALUES)
    return yaml.safe_dump(copy.deepcopy(raw), sort_keys=False, width=10**9)


def _refused_by_the_command_too(path: Path, message: str) -> None:
    """``scoresim calibrate`` prints the same one line, exits 2 and writes nothing."""
    out = path.parent / "out"
    res = runner.invoke(app, ["calibrate", str(path), "--out", str(out), "--quiet"])
    assert res.exit_code == 2, res.output
    assert res.output == f"error: {message}\n", res.output
    assert not out.exists()


def _the_catalogue_holds_it(text: str) -> None:
    """A mutant that loads gets real tables, a row in each, and strict JSON."""
    cal = calibration_from_text(text, ORIGIN)
    strictjson.dumps(cal.config.model_dump(mode="json"))  # no NaN or Infinity got through
    assert len(cal.fingerprint) == 64
    with tempfile.TemporaryDirectory() as tmp:
        store = CalibrationStore.open(Path(tmp) / "out", cal)
        try:
            values = {n: p.quantile(0.5) for n, p in cal.config.parameters.items()}
            names = [t.name for t in cal.config.targets] + [f.name for f in cal.config.forecasts]
            store.record_predictive(0, values, dict.fromkeys(names, math.nan), 1)
            store.record_noise(0, values, dict.fromkeys(names, 0.5), 1)
            assert len(store.predictive()) == 1 and len(store.noise()) == 1
        finally:
            store.close()


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutants())
def test_damaged_calibration_files_fail_cleanly_or_load(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ORIGIN
        path.write_text(text, encoding="utf-8")
        try:
            load_calibration(path)
        except CalibrationError as exc:
            message = str(exc)
            assert "\n" not in message, message
            assert LOCATED.match(message.replace(str(path), ORIGIN, 1)), message
            _refused_by_the_command_too(path, message)
            return
    _the_catalogue_holds_it(text)


ENCODINGS = st.sampled_from(["bom", "latin1", "nul", "utf16", "cut"])


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.sampled_from(sorted(TEXTS)), ENCODINGS, st.integers(min_value=0, max_value=10**6))
def test_damaged_encodings_fail_cleanly_or_load(name: str, damage: str, where: int) -> None:
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
        path = Path(tmp) / ORIGIN
        path.write_bytes(data)
        try:
            load_calibration(path)
        except CalibrationError as exc:
            message = str(exc)
            assert "\n" not in message and message.startswith(str(path)), message
            _refused_by_the_command_too(path, message)
            return
    _the_catalogue_holds_it(data.decode("utf-8-sig"))
