"""A poll's survey experiment, one respondent at a time, from docs/polls.md ("Survey experiments")."""

from __future__ import annotations

import math
from typing import Any

from scoresim.core.crn import StepDraws

Z = 1.95996


def _wilson(yes: int, n: int) -> tuple[float, float]:
    p = yes / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


class Trial:
    """The conditions of a poll's respondents and their answers in each arm.

    Args:
        poll_cfg, interviews: the poll and the interview model.
        who: the respondents' ids, in order.
        pressed: per respondent, (x, F, S, u): private position, fear and desirability
            hazards, and the answer draw.
        base: per respondent, the uninformed answer.
        d: the day's draws.
    """

    def __init__(self, poll_cfg: Any, interviews: Any, who: list[int],
                 pressed: list[tuple[float, float, float, float]], base: list[int], d: StepDraws) -> None:  # fmt: skip
        from .opinion import answer

        key = f"polls/{poll_cfg.name}"
        exp = poll_cfg.experiment
        self.within = exp.assignment == "within"
        self.names = ["control", *exp.arms]
        n = len(who)
        order = sorted(range(n), key=lambda k: (d.one(f"{key}/condition", who[k]), who[k]))
        self.cond = [0] * n
        total, start = 0.0, 0
        for a, arm in enumerate(exp.arms.values(), 1):
            total += arm.share
            end = min(math.floor(total * n + 0.5), n)
            for k in order[start:end]:
                self.cond[k] = a
            start = end
        self.base = base
        self.views = [x > 0 for x, _, _, _ in pressed]
        # Per arm, per respondent: (answer, holds the view after, hid).
        self.informed: list[list[tuple[int, bool, bool]]] = []
        for name, arm in exp.arms.items():
            out = []
            for k, i in enumerate(who):
                x, fear, desirability, u = pressed[k]
                if d.one(f"{key}/learn/{name}", i) < arm.learn:
                    x, fear = min(max(x + arm.approval, -1.0), 1.0), fear * arm.fear
                claims = u < 1 - math.exp(-(fear + desirability))
                said, hid = answer(
                    poll_cfg, interviews, x, claims, poll_cfg.neutral, False, d, key, i
                )
                out.append((said, x > 0, hid))
            self.informed.append(out)

    def uninformed(self, k: int) -> bool:
        """Whether respondent k's uninformed answer is one the poll's own columns describe."""
        return self.within or self.cond[k] == 0

    def rows(self, idx: list[int]) -> dict[str, float]:
        """The arm and effect columns of the respondents ``idx`` (positions)."""
        out: dict[str, float] = {}
        control = [k for k in idx if self.cond[k] == 0]
        for a, name in enumerate(self.names[1:], 1):
            members = [k for k in idx if self.cond[k] == a]
            n = len(members)
            yes = [1 if self.informed[a - 1][k][0] == 1 else 0 for k in members]
            nan = math.nan
            estimate = sum(yes) / n if n else nan
            low, high = _wilson(sum(yes), n) if n else (nan, nan)
            truth = sum(self.informed[a - 1][k][1] for k in members) / n if n else nan
            if self.within:
                diffs = [
                    y - (1 if self.base[k] == 1 else 0) for y, k in zip(yes, members, strict=True)
                ]
                effect, se = nan, nan
                if n >= 2:
                    effect = sum(diffs) / n
                    var = sum((x - effect) ** 2 for x in diffs) / (n - 1)
                    se = math.sqrt(var) / math.sqrt(n)
            else:
                c_yes = [1 if self.base[k] == 1 else 0 for k in control]
                effect, se = nan, nan
                if n >= 2 and len(control) >= 2:
                    pa, pc = sum(yes) / n, sum(c_yes) / len(control)
                    effect = pa - pc
                    se = math.sqrt(pa * (1 - pa) / n + pc * (1 - pc) / len(control))
            moved = [int(self.informed[a - 1][k][1]) - int(self.views[k]) for k in members]
            prefix, eff = f"arm.{name}.", f"effect.{name}."
            out |= {prefix + "estimate": estimate, prefix + "low": low, prefix + "high": high,
                    prefix + "truth": truth, prefix + "n": float(n),
                    eff + "estimate": effect, eff + "low": effect - Z * se, eff + "high": effect + Z * se,
                    eff + "truth": sum(moved) / n if n else nan}  # fmt: skip
        return out

    def table(self, hid: list[bool]) -> list[tuple[int, str, int, bool, bool]]:
        """The respondents table's rows of this poll: (asking, condition, answer, view, hid),
        respondents in order within each asking (``hid``: the uninformed answers')."""
        first, second = [], []
        for k, a in enumerate(self.cond):
            plain = (self.base[k], self.views[k], hid[k])
            after = plain if a == 0 else self.informed[a - 1][k]
            name = self.names[a]
            if self.within:
                first.append((1, name, *plain))
                second.append((2, name, *after))
            else:
                first.append((1, name, *after))
        return first + second
