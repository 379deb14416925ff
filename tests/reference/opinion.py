"""Approval and polls, one person at a time, from docs/model.md (section 6) and docs/polls.md.

Written from the documents, in float64, without NumPy's vector operations on the
people: a loop per person and per neighbour. The keyed draws are asked for one
person at a time; the set-up streams are read in full, as the docs say they are.
"""

from __future__ import annotations

import math
from typing import Any

from scoresim.core.crn import Keys, StepDraws
from scoresim.core.network import Network
from scoresim.society.events import StepEvents
from scoresim.society.params import Labels, RegimeParams
from scoresim.society.state import CitizenState

from .experiment import Trial
from .phases import active_neighbours, cost, sig

Z = 1.95996


def toward(a: float, r: float, end: float) -> float:
    return a + r * (end - a)


class Approval:
    """Everyone's approval, kept by the reference."""

    def __init__(self, cfg: Any, labels: Labels, state: CitizenState, net: Network,
                 keys: Keys) -> None:  # fmt: skip
        self.cfg = cfg
        n = state.n
        groups = list(labels.groups)
        noise = keys.generator("approval/initial").standard_normal(n)
        rho = cfg.stance_correlation
        self.a = [0.0] * n
        for g in range(len(groups)):
            members = [i for i in range(n) if state.group[i] == g]
            stances = [float(state.stance[i]) for i in members]
            mean = sum(stances) / len(stances)
            sd = math.sqrt(sum((s - mean) ** 2 for s in stances) / len(stances))
            m = cfg.mean[groups[g]] if isinstance(cfg.mean, dict) else cfg.mean
            for i in members:
                z = (float(state.stance[i]) - mean) / max(sd, 1e-9)
                value = m + cfg.sd * (rho * z + math.sqrt(1 - rho * rho) * noise[i])
                self.a[i] = min(max(value, -1.0), 1.0)
        self.conduct = [b for b, kind in enumerate(labels.kinds) if kind == "conduct"]
        self.expected = []
        for i in range(n):
            nbs = active_neighbours(net, i)
            p0 = [sum(sig(float(state.logit0[b, j])) for b in self.conduct) for j in nbs]
            own = sum(sig(float(state.logit0[b, i])) for b in self.conduct)
            self.expected.append(sum(p0) / len(p0) if nbs else own)
        self.seen = list(self.expected)

    def day(self, state: CitizenState, net: Network, p: RegimeParams, keys: Keys,
            ev: StepEvents, t: int) -> None:  # fmt: skip
        """One day's moves, in the order of docs/model.md."""
        cfg, n = self.cfg, state.n
        d = StepDraws(keys, t)
        for i in range(n):
            nbs = active_neighbours(net, i)
            a = self.a[i]
            if self.conduct:
                did = sum(1 for j in nbs for b in self.conduct if ev.acts[b, j])
                share = did / max(len(nbs), 1)
                self.seen[i] += p.adapt.conformity_smoothing * (share - self.seen[i])
                if nbs:
                    drop = 1 - self.seen[i] / max(self.expected[i], 1e-6)
                    a += cfg.order_effect * min(max(drop, -1.0), 1.0)
            paid = p.consequences.perk[state.tier[i]] > 0
            if p.score.consent_required and not state.consented[i]:
                paid = False
            if paid:
                a = toward(a, cfg.perk_effect, 1.0)
            if ev.newly_listed[i] or ev.denied_any[i]:
                a = toward(a, cfg.sanction_effect, -1.0)
                if state.listed_wrongly[i]:
                    a = toward(a, cfg.wrongful_effect, -1.0)
            k = sum(1 for j in nbs if ev.newly_listed[j])
            if k:
                if a > 0:
                    a = toward(a, 1 - (1 - cfg.condemn_effect) ** k, 1.0)
                else:
                    a = toward(a, 1 - (1 - cfg.sympathy_effect) ** k, -1.0)
            for e, news in enumerate(cfg.information):
                if news.day == t and d.one(f"approval/information/{e}", i) < news.reach:
                    a += news.effect
            self.a[i] = min(max(a, -1.0), 1.0)


def answer(poll_cfg: Any, interviews: Any, x: float, claims: bool, offered: bool, arm: bool,
            d: StepDraws, key: str, i: int) -> tuple[int, bool]:  # fmt: skip
    """One respondent's answer and whether they hid, from docs/polls.md."""
    view = x > 0
    if poll_cfg.design == "direct":
        if not offered:
            return (1 if view or claims else 0), (not view and claims)
        band = interviews.neutral
        if x > band or claims:
            return 1, (not view and claims)
        if abs(x) <= band:
            return -1, False
        refuge = interviews.refuge > 0 and d.one(f"{key}/refuge", i) < interviews.refuge
        return (-1 if refuge else 0), False
    if poll_cfg.design == "list":
        count = sum(1 for j, c in enumerate(poll_cfg.control) if d.one(f"{key}/item/{j}", i) < c)
        hides = arm and count == 0 and not view and claims
        return count + (1 if arm and (view or hides) else 0), hides
    u = d.one(f"{key}/device", i)
    told_truth = u < poll_cfg.forced.truth
    forced_yes = not told_truth and u < poll_cfg.forced.truth + poll_cfg.forced.yes
    return (1 if (told_truth and view) or forced_yes else 0), False


def _estimate(poll_cfg: Any, answers: list[int], treated: list[bool]) -> float:
    if not answers:
        return math.nan
    if poll_cfg.design == "direct":
        return sum(1 for a in answers if a == 1) / len(answers)
    if poll_cfg.design == "list":
        t_c = [x for x, tr in zip(answers, treated, strict=True) if tr]
        c_c = [x for x, tr in zip(answers, treated, strict=True) if not tr]
        if len(t_c) < 2 or len(c_c) < 2:
            return math.nan
        return sum(t_c) / len(t_c) - sum(c_c) / len(c_c)
    return float((sum(answers) / len(answers) - poll_cfg.forced.yes) / poll_cfg.forced.truth)


def _per_group(value: Any, group: str) -> float:
    return float(value[group] if isinstance(value, dict) else value)


def categories(attribute: str, people_cfg: Any, state: CitizenState, i: int) -> tuple[list[str], str]:  # fmt: skip
    """An attribute's categories in order, and person i's (docs/model.md, section 5)."""
    people = state.people
    if attribute == "sex":
        return ["women", "men"], ("women" if people.female[i] else "men")
    if attribute == "age":
        bands = list(people_cfg.age)
        age = int(people.age[i])
        for band in bands:
            first, last = (int(x) for x in band.split("-"))
            if first <= age <= last:
                return bands, band
        raise AssertionError(f"age {age} is in no band of {bands}")
    levels = list(people_cfg.education)
    return levels, levels[int(people.education[i])]


def poll(poll_cfg: Any, interviews: Any, state: CitizenState, p: RegimeParams, keys: Keys,
         approval: list[float] | None, online: list[bool], t: int,
         groups: tuple[str, ...] = (), people_cfg: Any = None) -> dict[str, Any]:  # fmt: skip
    """One poll on day t: each respondent's answer, view, arm and whether they hid (the
    respondents table, docs/model.md section 8); and, for all respondents and for each
    group's (``groups`` names them), the estimate, truth, n, neutral share and the four
    parts of the bias (docs/polls.md)."""
    d = StepDraws(keys, t)
    key = f"polls/{poll_cfg.name}"
    frame = [i for i in range(state.n) if poll_cfg.frame == "everyone" or online[i]]
    ranked = sorted(frame, key=lambda i: (d.one(f"{key}/sample", i), i))
    who = sorted(ranked[: poll_cfg.size])
    incomes = sorted(float(x) for x in state.income)
    m = len(incomes)
    median = (incomes[(m - 1) // 2] + incomes[m // 2]) / 2
    arm = set(sorted(who, key=lambda i: (d.one(f"{key}/arm", i), i))[: len(who) // 2])
    people = state.people
    # Each respondent's answer under each switch: (fear, desirability, neutral offered).
    switches = [(True, True, poll_cfg.neutral), (True, False, poll_cfg.neutral),
                (False, True, poll_cfg.neutral), (False, False, poll_cfg.neutral),
                (False, False, False)]  # fmt: skip
    said: list[list[int]] = [[] for _ in switches]
    views, treated, hid, group_of = [], [], [], []
    pressed: list[tuple[float, float, float, float]] = []  # x, F, S and u of each respondent
    for i in who:
        g = groups[int(state.group[i])] if groups else ""
        if poll_cfg.question == "scoring_system":
            assert approval is not None
            x = approval[i]
        else:
            x = float(state.stance[i])
        dis = p.behave.dissent
        fear = 0.0
        if dis >= 0:
            weight = (interviews.fear * getattr(interviews.modes, poll_cfg.mode)
                      * getattr(interviews.sensitivity, poll_cfg.question)
                      * (float(state.income[i]) / median) ** interviews.income_elasticity)  # fmt: skip
            fear = weight * float(state.risk_aversion[i]) * float(state.perceived_risk[dis, i]) * cost(state, p, dis, i, t + 1)  # fmt: skip
        desirability = _per_group(interviews.desirability, g) * getattr(
            interviews.presence, poll_cfg.mode
        )
        if people.female.size and people.female[i]:
            desirability *= interviews.desirability_women
        if people.age.size:
            desirability *= interviews.desirability_per_decade ** ((int(people.age[i]) - 45) / 10)
        u = d.one(f"{key}/answer", i)
        in_arm = poll_cfg.design == "list" and i in arm
        for k, s in enumerate(switches):  # the same switch may come twice: keep by position
            hazard = (fear if s[0] else 0.0) + (desirability if s[1] else 0.0)
            answer_k, hides = answer(
                poll_cfg, interviews, x, u < 1 - math.exp(-hazard), s[2], in_arm, d, key, i
            )
            said[k].append(answer_k)
            if k == 0:
                hid.append(hides)
        views.append(x > 0)
        treated.append(in_arm)
        group_of.append(g)
        pressed.append((x, fear, desirability, u))
    trial = None
    if poll_cfg.experiment is not None:
        trial = Trial(poll_cfg, interviews, who, pressed, said[0], d)
    rows: dict[str, dict[str, float]] = {}
    for name in ["all", *groups]:
        idx = [k for k, g in enumerate(group_of) if name in ("all", g)]
        if trial is not None:
            trial_rows = trial.rows(idx)
            idx = [k for k in idx if trial.uninformed(k)]
        both, f, s_, none, yes_no = (
            _estimate(poll_cfg, [answers[k] for k in idx], [treated[k] for k in idx])
            for answers in said
        )
        truth = sum(views[k] for k in idx) / len(idx) if idx else math.nan
        rows[name] = {
            "estimate": both, "truth": truth, "n": len(idx),
            "neutral": sum(1 for k in idx if said[0][k] == -1) / len(idx) if idx else math.nan,
            "bias_fear": 0.5 * ((f - none) + (both - s_)),
            "bias_desirability": 0.5 * ((s_ - none) + (both - f)),
            "bias_neutral": none - yes_no,
            "bias_design": yes_no - truth,
        }  # fmt: skip
        for attribute in poll_cfg.by:
            order, _ = categories(attribute, people_cfg, state, who[0])
            for c in order:
                mine = [k for k in idx if categories(attribute, people_cfg, state, who[k])[1] == c]
                est = _estimate(poll_cfg, [said[0][k] for k in mine], [treated[k] for k in mine])
                rows[name] |= {
                    f"by.{attribute}.{c}.estimate": est,
                    f"by.{attribute}.{c}.truth": sum(views[k] for k in mine) / len(mine) if mine else math.nan,
                    f"by.{attribute}.{c}.n": len(mine),
                }  # fmt: skip
        if trial is not None:
            rows[name] |= trial_rows
    return {"who": who, "answers": said[0], "views": views, "treated": treated,
            "hid": hid, "rows": rows, "trial": trial, **{k: rows["all"][k] for k in ("estimate", "truth", "n")}}  # fmt: skip


def online_frame(interviews: Any, labels: Labels, state: CitizenState, keys: Keys) -> list[bool]:
    """Who is online: the set-up stream ``polls/online`` against the group's share."""
    u = keys.generator("polls/online").random(state.n)
    shares = interviews.online
    out = []
    for i in range(state.n):
        g = labels.groups[int(state.group[i])]
        share = shares[g] if isinstance(shares, dict) else shares
        out.append(bool(u[i] < share))
    return out
