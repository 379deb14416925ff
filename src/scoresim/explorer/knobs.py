"""The main knobs of a regime, as the explorer's page shows them.

Each knob names the scenario fields it sets (as ``--set`` paths) and their current
value; a knob a regime does not have (no street cameras, no points for criticism, no
list) is left out, so the page offers only what the regime can change.
"""

from __future__ import annotations

from typing import Any

from scoresim.config.loading import Scenario


def knobs(sc: Scenario) -> list[dict[str, Any]]:
    """The regime's main knobs: key, label, kind, paths, value and range."""
    cfg = sc.config
    out: list[dict[str, Any]] = []
    cameras = cfg.sources.get("street_cameras")
    if cameras is not None and isinstance(cameras.coverage, float):
        out.append(_number("camera_coverage", "Street camera coverage",
                           ["sources.street_cameras.coverage"], cameras.coverage, 0.0, 1.0, 0.05))  # fmt: skip
    points = cfg.scoring.points.get("criticise_government")
    if points is not None:
        out.append(_number("criticism_points", "Points for criticising the government",
                           ["scoring.points.criticise_government"], points, -200, 0, 5))  # fmt: skip
    bl = cfg.blacklist
    if bl is not None and bl.threshold is not None:
        out.append(_number("blacklist_threshold", "Blacklist threshold (score)",
                           ["blacklist.threshold"], bl.threshold, cfg.scoring.min,
                           cfg.scoring.max, 10))  # fmt: skip
    if cfg.sources:
        paths = [f"sources.{name}.false_positive_rate" for name in cfg.sources]
        rate = max(s.false_positive_rate for s in cfg.sources.values())
        out.append(_number("false_positive_rate", "False-positive rate of every source", paths,
                           rate, 0.0, 0.01, 0.0005))  # fmt: skip
    if cfg.shaming is not None:
        out.append({"key": "shaming", "label": "Public shaming", "kind": "switch",
                    "paths": ["shaming"], "value": True})  # fmt: skip
    return out


def _number(
    key: str, label: str, paths: list[str], value: float, lo: float, hi: float, step: float
) -> dict[str, Any]:
    return {"key": key, "label": label, "kind": "number", "paths": paths, "value": value,
            "min": lo, "max": hi, "step": step}  # fmt: skip
