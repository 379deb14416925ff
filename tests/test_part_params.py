"""Each part reads only its own parameters (issue 24.2).

What a part needs of another part's numbers is copied into its own parameter object
when the scenario is compiled (:mod:`scoresim.engine.compile_parts`). Three checks
hold every part to that, each failing where the others might not look:

* a run's step, part by part, where each part is handed a stand-in for the compiled
  regime that holds only the object(s) it owns: any read of another part's object
  (through the part's ``act`` or a phase function handed the whole regime) raises,
  and the run must equal the ordinary one bit for bit;
* the phase modules' source: no module names ``RegimeParams`` (a mechanism only in
  the protocol's ``start`` signature, and never reads it), each annotates only its
  own parameter classes, and every attribute it reads of such an object (an argument,
  or a hook's ``self.p``) is a field of that class, so a nested read such as
  ``p.listing.threshold`` on a ``BehaveParams`` fails even on a branch no run takes;
* the parameter objects hold no other part's object, and no hook keeps the regime.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import typing
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

import scoresim
from scoresim.core.crn import StepDraws
from scoresim.engine.compile import compile_scenario, start_hooks
from scoresim.engine.simulation import setup
from scoresim.mechanisms.approval import ApprovalParams
from scoresim.mechanisms.polls import PollsParams
from scoresim.society import params as society_params
from scoresim.society import step as step_mod
from scoresim.society.events import StepEvents
from scoresim.society.measure import MetricsBuffer
from scoresim.society.params import RegimeParams
from scoresim.society.parts import Step

OWN: dict[str, tuple[str, ...]] = {
    "behave": ("behave",),
    "observe": ("observe",),
    "score": ("score", "listing"),  # the score part owns the scoring and the list
    "consequences": ("consequences",),
    "association": ("association",),
    "wealth_gini": (),
    "adapt": ("adapt",),
    "measure": ("measure",),
}
"""The objects of the compiled regime each society part may be handed (mechanisms: none)."""

# Everything on: both couplings, tolerances, consent, every shaming channel, stance
# drift, association penalties, appeals, approval and three polls in the first steps.
COMMON = {
    "sources.street_cameras.false_positive_rate": 0.05,
    "sources.social_media.misclassification": 0.3,
    "blacklist.appeals.share": 0.8,
    "blacklist.appeals.success": 0.7,
    "blacklist.appeals.delay": 2,
    "blacklist.association_penalty": 2,
    "blacklist.extension": 3,
    "scoring.awareness": 0.6,
    "scoring.consent": 0.7,
    "scoring.consent_required": True,
    "scoring.tiers.model_citizen.min": 1010,
    "scoring.recovery": 7,
    "shaming.screens.display_share": 0.8,
    "shaming.screens.reach": 0.3,
    "shaming.tie_cut_probability": 0.5,
    "shaming.ringtone": {"share": 0.7, "contact_rate": 0.3},
    "shaming.map": {"share": 0.6, "usage": 0.5},
    "shaming.risk_effect": 0.2,
    "stance_drift": {"resentment": 0.2, "pressure": 0.05},
    "polls.kostka_online.day": 3,
    "polls.rt_direct.day": 4,
    "polls.rt_list.day": 5,
}
WORLDS: dict[str, dict[str, Any]] = {
    "score": {
        **COMMON,
        "blacklist.threshold": 990,
        "blacklist.term": 5,
        "scoring.tolerance": {"jaywalk": {"free": 1, "period": 3}},
    },
    "list": {
        **COMMON,
        "scoring.coupling": "list",
        "blacklist.entry_events": ["unpaid_debt", "criticise_government"],
        "blacklist.payment_exit": 0.2,
        "blacklist.term": 4,
        "sources.payment_records.false_positive_rate": 0.05,
    },
}
AGENTS, STEPS = 600, 8


class OnlyOwn:
    """A stand-in for the compiled regime holding only the objects one part owns."""

    def __init__(self, regime: RegimeParams, part: str) -> None:
        self._part = part
        for name in OWN.get(part, ()):
            setattr(self, name, getattr(regime, name))

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(
            f"part {self._part!r} read the regime's {name!r}, which is not its own: copy "
            "what it needs into its own parameters when the scenario is compiled"
        )


def _run(overrides: dict[str, Any], only_own: bool) -> tuple[Any, list[StepEvents], Any]:
    sc = scoresim.load_scenario("seed").with_overrides(overrides)
    compiled = compile_scenario(sc.config)
    regime = compiled.regime
    state, net, keys, _ = setup(compiled, AGENTS, 5)
    buf = MetricsBuffer(compiled.columns, len(compiled.labels.groups), STEPS)
    plan = start_hooks(compiled, state, net, keys)
    names = {part.name for part in plan.parts}
    assert {"shaming", "stance_drift", "approval", "polls"} <= names
    events = []
    for _ in range(STEPS):
        if not only_own:
            events.append(step_mod.step(state, net, regime, keys, buf, hooks=plan))
            continue
        ev = StepEvents.empty(state.n, regime.n_behaviours, regime.n_opportunities,
                              regime.n_groups)  # fmt: skip
        s = Step(state, net, regime, StepDraws(keys, state.step), ev, buf)
        for part in plan.parts:  # as core.machine.advance, with each part's own objects
            s.params = cast(RegimeParams, OnlyOwn(regime, part.name))
            part.act(s)
        s.params = cast(RegimeParams, OnlyOwn(regime, "record"))
        for part in plan.parts:
            part.record(s)
        state.step += 1
        events.append(ev)
    return state, events, buf


@pytest.mark.parametrize("world", list(WORLDS))
def test_each_part_acts_with_only_its_own_parameters(world: str) -> None:
    """Every part, handed only its own objects, runs the same step as with the whole regime."""
    state, events, buf = _run(WORLDS[world], only_own=True)
    ref_state, ref_events, ref_buf = _run(WORLDS[world], only_own=False)
    for name, value in vars(ref_state).items():
        if isinstance(value, dict):
            for key in value:
                np.testing.assert_array_equal(getattr(state, name)[key], value[key], name)
        elif dataclasses.is_dataclass(value):  # the people's attributes
            for key, array in vars(value).items():
                np.testing.assert_array_equal(getattr(getattr(state, name), key), array, name)
        else:
            np.testing.assert_array_equal(getattr(state, name), value, err_msg=name)
    for ev, ref_ev in zip(events, ref_events, strict=True):
        for name, value in vars(ref_ev).items():
            np.testing.assert_array_equal(getattr(ev, name), value, err_msg=name)
    for name, column in ref_buf.values.items():
        np.testing.assert_array_equal(buf.values[name], column, err_msg=name)
    # The comparison is not hollow: the harsh world listed, shamed, cut and polled.
    assert sum(int(ev.newly_listed.sum()) for ev in ref_events) > 10
    assert ref_state.ties_cut > 0 and ref_state.shamings.sum() > 0
    assert not np.isnan(ref_buf.values["poll.rt_list.estimate"][5]).all()


SRC = Path(scoresim.__file__).resolve().parent
MODULES: dict[str, set[str]] = {
    "society/behave.py": {"BehaveParams"},
    "society/behave_kernel.py": {"BehaveParams"},
    "society/observe.py": {"ObserveParams"},
    "society/score.py": {"ScoreParams", "ListParams"},
    "society/consequences.py": {"ConsequenceParams", "AssociationParams"},
    "society/shaming.py": {"ShamingParams"},
    "society/adapt.py": {"AdaptParams", "DriftParams"},  # adapt, and stance drift's work
    "society/measure.py": {"MeasureParams"},
    "mechanisms/builtin.py": {"ShamingParams", "DriftParams"},
    "mechanisms/approval.py": {"ApprovalParams"},
    "mechanisms/polls.py": {"PollsParams", "BehaveParams"},  # the rule, copied in compile
}
"""Each phase or mechanism module, and the parameter classes it may name."""

PARAMS: dict[str, type] = {
    name: cls
    for name, cls in vars(society_params).items()
    if inspect.isclass(cls) and name.endswith("Params")
} | {"ApprovalParams": ApprovalParams, "PollsParams": PollsParams}


COMPILE_STEPS = {"switched_on"}
"""A mechanism's functions that run when the scenario is compiled, not in a run: they
make the part with its copies of other parts' numbers, so they read the regime."""


def _members(cls: type) -> set[str]:
    """The names an object of ``cls`` may be read by: its fields and properties."""
    props = {n for n, v in vars(cls).items() if isinstance(v, property)}
    return {f.name for f in dataclasses.fields(cls)} | props


def _annotation(node: ast.expr | None) -> str:
    return "" if node is None else ast.unparse(node).strip("'\"").split(".")[-1]


def _loads(fn: ast.AST, name: str) -> list[ast.Name]:
    return [
        n for n in ast.walk(fn) if isinstance(n, ast.Name) and n.id == name and
        isinstance(n.ctx, ast.Load)
    ]  # fmt: skip


def _reads(tree: ast.AST, typed: dict[str, str], self_typed: dict[str, str]) -> list[str]:
    """Reads of a missing member: ``x.attr`` for a typed name ``x`` or ``self.x.attr``."""
    bad = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value
        cls = None
        if isinstance(owner, ast.Name) and owner.id in typed:
            cls = typed[owner.id]
        elif isinstance(owner, ast.Attribute) and _is_self(owner, self_typed):
            cls = self_typed[owner.attr]
        if cls is not None and node.attr not in _members(PARAMS[cls]):
            bad.append(f"line {node.lineno}: {ast.unparse(node)} ({cls} has no {node.attr!r})")
    return bad


def _pairs(node: ast.Assign) -> list[tuple[ast.expr, ast.expr]]:
    """(target, value) of ``a = b`` and of each item of ``a, c = b, d``."""
    target, value = node.targets[0], node.value
    if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
        return list(zip(target.elts, value.elts, strict=False))
    return [(target, value)]


def _is_self(node: ast.expr, attrs: dict[str, str]) -> bool:
    """Whether ``node`` is ``self.x`` for an ``x`` in ``attrs``."""
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "self" and node.attr in attrs)  # fmt: skip


def _aliases(fn: ast.AST, self_typed: dict[str, str]) -> dict[str, str]:
    """Local names bound to ``self.x`` (also ``a, b = self.x, self.y``) in a method."""
    out = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            for t, v in _pairs(node):
                if isinstance(t, ast.Name) and _is_self(v, self_typed):
                    assert isinstance(v, ast.Attribute)
                    out[t.id] = self_typed[v.attr]
    return out


def _self_types(tree: ast.AST) -> dict[ast.AST, dict[str, str]]:
    """For each method, its object's attributes set in ``__init__`` from typed arguments."""
    out: dict[ast.AST, dict[str, str]] = {}
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        given: dict[str, str] = {}
        for init in cls.body:
            if not isinstance(init, ast.FunctionDef) or init.name != "__init__":
                continue
            kinds = {a.arg: _annotation(a.annotation) for a in init.args.args}
            for node in ast.walk(init):
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    for t, v in _pairs(node):
                        if (isinstance(t, ast.Attribute) and isinstance(v, ast.Name)
                                and kinds.get(v.id) in PARAMS):  # fmt: skip
                            given[t.attr] = kinds[v.id]
        out |= {fn: given for fn in cls.body if isinstance(fn, ast.FunctionDef)}
    return out


def problems(source: str, allowed: set[str], part: bool) -> list[str]:
    """What a module does that a part reading only its own parameters would not.

    Args:
        source: The module's text.
        allowed: The parameter classes it may name.
        part: A society phase module (which may not name ``RegimeParams`` at all);
            else a mechanism module, which may only in a signature, never reading it.
    """
    tree = ast.parse(source)
    found = []
    named = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    for name in sorted(named & set(PARAMS) - allowed - {"RegimeParams"}):
        found.append(f"imports {name}, another part's parameters")
    if part and "RegimeParams" in source:
        found.append("names RegimeParams: a phase takes its own parameter object")
    self_types = _self_types(tree)
    for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        args = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
        typed = {a.arg: _annotation(a.annotation) for a in args}
        typed = {a: c for a, c in typed.items() if c in PARAMS}
        for arg, cls_name in typed.items():
            if cls_name == "RegimeParams":
                if part or (_loads(fn, arg) and fn.name not in COMPILE_STEPS):
                    found.append(f"{fn.name}() reads the whole regime ({arg}: RegimeParams)")
            elif cls_name not in allowed:
                found.append(f"{fn.name}() takes {cls_name}, another part's parameters")
        self_typed = self_types.get(fn, {})
        typed = {a: c for a, c in typed.items() if c != "RegimeParams"}
        typed |= _aliases(fn, self_typed)
        found += [f"{fn.name}(), {r}" for r in _reads(fn, typed, self_typed)]
    return found


@pytest.mark.parametrize("module", list(MODULES))
def test_module_reads_only_its_own_parameter_classes(module: str) -> None:
    source = (SRC / module).read_text()
    assert problems(source, MODULES[module], module.startswith("society/")) == []


def test_the_source_check_finds_planted_cross_reads() -> None:
    """The check above fails on each way a cross-read could come back."""
    behave = (SRC / "society/behave.py").read_text()
    planted = {
        # a nested read of another part's object through its own
        "nested": behave.replace("p.has_list and p.coupling", "p.listing.has_list and p.coupling"),
        # the whole regime again
        "regime": behave.replace("p: BehaveParams,\n    d:", "p: RegimeParams,\n    d:"),
        # another part's object as an extra argument
        "other": behave.replace("p: BehaveParams, b: int, day", "p: ScoreParams, b: int, day"),
        # a field that does not exist on its own object
        "missing": behave.replace("p.tol_rows.shape[0] > 0", "p.tolerance_rows.shape[0] > 0"),
    }
    for how, source in planted.items():
        assert source != behave, how
        assert problems(source, MODULES["society/behave.py"], part=True), how
    approval = (SRC / "mechanisms/approval.py").read_text()
    reads_regime = approval.replace(
        "return ApprovalHook(params, state, net, keys)",
        "print(regime.score.lo)\n        return ApprovalHook(params, state, net, keys)",
    )
    hook_reads = approval.replace("np.float32(p.smoothing)", "np.float32(p.adapt.smoothing)")
    for how, source in {"start": reads_regime, "hook": hook_reads}.items():
        assert source != approval, how
        assert problems(source, MODULES["mechanisms/approval.py"], part=False), how


def test_parameter_objects_hold_no_other_parts_object() -> None:
    """A copy is of numbers, not of another part's object (except the polls' rule)."""
    # The polls evaluate behave's decision rule; the people: section is set-up's own,
    # compiled as a part of the population's parameters.
    allowed = {("PollsParams", "rule"), ("PopulationParams", "people")}
    for name, cls in PARAMS.items():
        if name == "RegimeParams":
            continue
        hints = typing.get_type_hints(cls)
        for field in dataclasses.fields(cls):
            held = set(_within(hints[field.name])) & set(PARAMS.values())
            if held:
                assert (name, field.name) in allowed, f"{name}.{field.name} holds {held}"


def _within(hint: Any) -> list[Any]:
    """The hint and every type inside it (``X | None``, ``tuple[X, ...]``, ...)."""
    return [hint, *(t for arg in typing.get_args(hint) for t in _within(arg))]


def test_no_hook_keeps_the_regime() -> None:
    """The mechanisms' hooks keep their own parameters, never the compiled regime."""
    sc = scoresim.load_scenario("seed").with_overrides(WORLDS["list"])
    compiled = compile_scenario(sc.config)
    state, net, keys, _ = setup(compiled, 200, 1)
    plan = start_hooks(compiled, state, net, keys)
    assert len(plan.hooks) == 4
    for hook in plan.hooks:
        for attr, value in vars(hook).items():
            assert not isinstance(value, RegimeParams), f"{hook.name}.{attr} is the regime"


def test_phase_functions_take_their_own_parameter_object() -> None:
    """Each phase function's parameter object is annotated with its own class."""
    own = {
        "behave": ("apply", "BehaveParams"),
        "observe": ("apply", "ObserveParams"),
        "score": ("apply", "ScoreParams"),
        "consequences": ("apply", "ConsequenceParams"),
        "adapt": ("apply", "AdaptParams"),
        "measure": ("apply", "MeasureParams"),
        "shaming": ("apply", "ShamingParams"),
    }
    for module, (fn, cls) in own.items():
        mod = importlib.import_module(f"scoresim.society.{module}")
        hints = typing.get_type_hints(getattr(mod, fn))
        assert PARAMS[cls] in hints.values(), f"{module}.{fn}"
        assert RegimeParams not in hints.values(), f"{module}.{fn}"
