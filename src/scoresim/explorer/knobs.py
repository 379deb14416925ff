"""The main knobs of a regime, as the explorer's page shows them.

Each knob names the scenario fields it sets (as ``--set`` paths) and their current
value; a knob a regime does not have (no source watching conduct, no points for its
dissent behaviour, no list) is left out, so the page offers only what the regime can
change. A number knob's range (and whether it takes whole numbers only) is one the
scenario's own validation accepts from end to end, so a value the page lets through
is never refused by the server; the page refuses the rest before sending.
"""

from __future__ import annotations

import math
from typing import Any

from scoresim.config.loading import Scenario


def _words(name: str) -> str:
    return name.replace("_", " ")


def knobs(sc: Scenario) -> list[dict[str, Any]]:
    """The regime's main knobs: key, label, kind, paths, value and range.

    The first two follow the scenario's own declarations, not fixed names: the
    coverage of the first source (in file order) that watches a conduct behaviour,
    and the points for the dissent behaviour.
    """
    cfg = sc.config
    out: list[dict[str, Any]] = []
    conduct = {b for b, beh in cfg.behaviours.items() if beh.kind == "conduct"}
    watcher = next(
        (n for n, s in cfg.sources.items() if conduct & set(s.behaviours) and s.informants is None),
        None,
    )
    coverage = cfg.sources[watcher].coverage if watcher is not None else None
    if watcher is not None and isinstance(coverage, float):  # not one per group
        out.append(_number("conduct_coverage", f"Coverage of {_words(watcher)}",
                           [f"sources.{watcher}.coverage"], coverage, 0.0, 1.0, 0.05))  # fmt: skip
    dissent = cfg.dissent_behaviour
    points = cfg.scoring.points.get(dissent) if dissent is not None else None
    if dissent is not None and points is not None:
        # A tolerance of the behaviour needs it to cost points (the scenario's checks).
        top = -1 if dissent in cfg.scoring.tolerance else max(0, points)
        out.append(_number("dissent_points", f"Points for {_words(dissent)}",
                           [f"scoring.points.{dissent}"], points, min(-200, points), top, 5,
                           integer=True))  # fmt: skip
    bl = cfg.blacklist
    if bl is not None and bl.threshold is not None:
        out.append(_number("blacklist_threshold", "Blacklist threshold (score)",
                           ["blacklist.threshold"], bl.threshold, cfg.scoring.min,
                           cfg.scoring.max, 10, integer=True))  # fmt: skip
    if cfg.sources:
        paths = [f"sources.{name}.false_positive_rate" for name in cfg.sources]
        rate = max(s.false_positive_rate for s in cfg.sources.values())
        # The arrows step within the rate's own order of magnitude (a court list's
        # 2e-7 must not jump to 0.0005 on one press).
        step = 10.0 ** math.floor(math.log10(rate)) if rate > 0 else 0.0005
        out.append(_number("false_positive_rate", "False-positive rate of every source", paths,
                           rate, 0.0, max(0.01, rate), min(step, 0.0005)))  # fmt: skip
    if cfg.shaming is not None:
        out.append({"key": "shaming", "label": "Public shaming", "kind": "switch",
                    "paths": ["shaming"], "value": True})  # fmt: skip
    return out


def _number(
    key: str,
    label: str,
    paths: list[str],
    value: float,
    lo: float,
    hi: float,
    step: float,
    *,
    integer: bool = False,
) -> dict[str, Any]:
    return {"key": key, "label": label, "kind": "number", "paths": paths, "value": value,
            "min": lo, "max": hi, "step": step, "integer": integer}  # fmt: skip
