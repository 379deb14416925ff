"""scoresim's flagship ``seed`` regime written as a Mesa model, the way Mesa teaches it.

One ``CellAgent`` per person on Mesa's ``Network`` cell space; the step runs the six
phases of docs/model.md (behave, observe, score, consequences with the screens,
adapt, measure) agent by agent with ``AgentSet.do``. It reads the resolved scenario
that scoresim prints (so both models share every number) and is written from the
docs, not from scoresim's code. Left out, because ``seed`` does not use them or no
compared measure reads them: the error-free world (wrongful listings), appeals,
payment exits, the ringtone and map channels, association penalties, consent,
stance drift, approval and polls. Executed by the Mesa environment only.

Usage: python scored_society.py SCENARIO_JSON AGENTS STEPS SEED
Prints one JSON object: seconds per step (set-up excluded) and the ``all`` series of
the compared measures.
"""

from __future__ import annotations

import json
import math
import sys
import time
from typing import Any

import mesa
import networkx as nx
from mesa.discrete_space import CellAgent, Network


def per_group(value: Any, group: str) -> float:
    return float(value[group]) if isinstance(value, dict) else float(value)


def sigmoid(x: float) -> float:
    return 0.5 * (1.0 + math.tanh(0.5 * x))


class Person(CellAgent):  # type: ignore[misc]  # Mesa lives in its own environment
    """One person: traits, beliefs, score, listing, and what happened today."""

    def __init__(self, model: ScoredSociety, group: str) -> None:
        super().__init__(model)
        cfg, rng = model.cfg, model.random
        g = cfg["groups"][group]
        self.group = group
        self.stance = min(max(rng.gauss(g["stance"]["mean"], g["stance"]["sd"]), -1.0), 1.0)
        self.risk_aversion = min(max(rng.gauss(g["risk_aversion"]["mean"], g["risk_aversion"]["sd"]), 0.0), 1.0)  # fmt: skip
        self.income = g["income"]["median"] * math.exp(rng.gauss(0.0, g["income"]["sigma"]))
        self.aware = rng.random() < cfg["scoring"]["awareness"]
        self.logit0 = {}
        for b, spec in cfg["behaviours"].items():
            rate = per_group(spec["base_rate"], group)
            noise = rng.gauss(0.0, spec["heterogeneity"])
            self.logit0[b] = (
                math.log(rate / (1 - rate)) + noise + spec["stance_weight"] * self.stance
            )
        inf = model.informants
        self.informant = (
            inf is not None and self.stance >= inf["min_stance"] and rng.random() < inf["share"]
        )
        self.score = cfg["scoring"]["start"]
        self.tier = model.tier_of(self.score)
        self.listed_until = 0
        self.wealth = 0.0
        self.last_dissent = -(10**9)
        self.told: set[int] = set()  # listed people this person was confronted with
        self.acts: dict[str, bool] = {}
        self.caught: dict[str, bool] = {}
        self.recorded: dict[str, bool] = {}
        self.newly_listed = False

    def neighbours(self) -> list[Person]:
        return list(self.cell.neighborhood.agents)

    # 1. behave ------------------------------------------------------------------
    def behave(self) -> None:
        m, cfg = self.model, self.model.cfg
        r = cfg["response"]
        aware = 1.0 if self.aware else 0.0
        prox = 0.0
        if m.has_list:
            prox = min(max(1 - (self.score - m.threshold) / r["proximity_margin"], 0.0), 1.0)
        for b, spec in cfg["behaviours"].items():
            pts = cfg["scoring"]["points"].get(b, 0)
            pr = self.perceived[b]
            logit = self.logit0[b]
            if pts < 0:
                pen = -pts / 100
                cost = aware * (r["deterrence"] * pen * (1 + r["stakes"] * prox)
                                + r["shame_aversion"] * m.exposure * prox)  # fmt: skip
                logit -= self.risk_aversion * pr * cost
            elif pts > 0:
                logit += aware * r["reward_sensitivity"] * pr * pts / 100
            if spec["conformity"] > 0:
                ref = max(self.seen_ref[b], 1e-6)
                logit += spec["conformity"] * min(max((self.seen[b] - ref) / ref, -1.0), 1.0)
            self.acts[b] = self.random.random() < sigmoid(logit)

    # 2. observe -----------------------------------------------------------------
    def observe(self) -> None:
        cfg = self.model.cfg
        self.caught = dict.fromkeys(cfg["behaviours"], False)
        false = dict.fromkeys(cfg["behaviours"], False)
        informant_ties = None
        for src in cfg["sources"].values():
            cover = per_group(src["coverage"], self.group)
            speech = [b for b in src["behaviours"] if cfg["behaviours"][b]["kind"] == "speech"]
            for b in src["behaviours"]:
                p = cover
                if src["informants"] is not None:
                    if informant_ties is None:
                        informant_ties = sum(1 for n in self.neighbours() if n.informant)
                    p *= 1 - (1 - src["informants"]["report_probability"]) ** informant_ties
                if self.acts[b] and self.random.random() < p:
                    if (
                        len(speech) == 2
                        and b in speech
                        and self.random.random() < src["misclassification"]
                    ):
                        false[speech[1] if b == speech[0] else speech[0]] = True
                    else:
                        self.caught[b] = True
                if self.random.random() < cover * src["false_positive_rate"]:
                    false[b] = True
        self.recorded = {b: self.caught[b] or false[b] for b in cfg["behaviours"]}

    # 3. score -------------------------------------------------------------------
    def score_step(self) -> None:
        m, sc = self.model, self.model.cfg["scoring"]
        s = self.score + sum(sc["points"].get(b, 0) for b, rec in self.recorded.items() if rec)
        if s < sc["start"]:
            s += min(sc["start"] - s, sc["recovery"])
        self.score = min(max(s, sc["min"]), sc["max"])
        self.tier = m.tier_of(self.score)
        self.newly_listed = False
        if not m.has_list:
            return
        t = m.steps - 1
        listed = self.listed_until > 0
        expired = listed and self.listed_until <= t
        below = self.score < m.threshold
        if below and (not listed or expired):
            self.listed_until = t + m.cfg["blacklist"]["term"]
            self.newly_listed = not listed
        elif expired:
            self.listed_until = 0

    # 4. consequences ------------------------------------------------------------
    def consequences(self) -> None:
        m = self.model
        for o, spec in m.cfg["opportunities"].items():
            if self.random.random() < spec["demand"]:
                listed_out = self.listed_until > 0 and o in m.denied_listed
                if listed_out or o in m.tier_denies[self.tier]:
                    m.denied[o] += 1
                else:
                    self.wealth += spec["value"]
        self.wealth += self.income / 365 + m.perks[self.tier]

    # 5. adapt -------------------------------------------------------------------
    def adapt(self) -> None:
        m, r = self.model, self.model.cfg["response"]
        nbs = self.neighbours()
        neighbour_listed = any(n.newly_listed for n in nbs)
        viewer = self in m.screen_viewers
        for b in m.cfg["behaviours"]:
            pr = self.perceived[b]
            if self.acts[b]:
                pr += r["learn_own"] * ((1.0 if self.caught[b] else 0.0) - pr)
            if b in m.penalised:
                if neighbour_listed:
                    pr += r["learn_social"] * (1 - pr)
                if viewer:
                    pr += m.cfg["shaming"]["risk_effect"] * (1 - pr)
            pr += r["forget"] * (m.prior[b] - pr)
            self.perceived[b] = pr
        for b in m.conform:
            share = sum(1 for n in nbs if n.acts[b]) / len(nbs) if nbs else float(self.acts[b])
            self.seen[b] += r["conformity_smoothing"] * (share - self.seen[b])
        if self.acts[m.dissent]:
            self.last_dissent = m.steps - 1

    def refresh_reference(self) -> None:
        """seen_ref: pressure-free probability of each conformity behaviour, neighbours' mean."""
        nbs = self.neighbours()
        for b in self.model.conform:
            vals = [sigmoid(n.logit0[b]) for n in nbs] or [sigmoid(self.logit0[b])]
            self.seen_ref[b] = sum(vals) / len(vals)


class ScoredSociety(mesa.Model):  # type: ignore[misc]
    """The seed regime on a synthetic society."""

    def __init__(self, cfg: dict[str, Any], agents: int, seed: int) -> None:
        super().__init__(rng=seed)
        self.cfg = cfg
        self.informants = next(
            (s["informants"] for s in cfg["sources"].values() if s["informants"]), None
        )
        tiers = sorted(cfg["scoring"]["tiers"].items(), key=lambda kv: kv[1]["min"])
        self.tier_names = [t for t, _ in tiers]
        self.tier_mins = [spec["min"] for _, spec in tiers]
        self.tier_denies = [set(spec["denies"]) for _, spec in tiers]
        self.perks = [
            sum(rw["value"] for rw in cfg["rewards"].values() if t in rw["tiers"])
            for t in self.tier_names
        ]
        bl = cfg["blacklist"]
        self.has_list = bl is not None
        self.threshold = bl["threshold"] if bl else 0
        self.denied_listed = set(bl["denies"]) if bl else set()
        sh = cfg["shaming"] or {}
        screens = sh.get("screens") or {}
        self.exposure = screens.get("display_share", 0.0)
        self.penalised = {b for b, p in cfg["scoring"]["points"].items() if p < 0}
        self.conform = [b for b, spec in cfg["behaviours"].items() if spec["conformity"] > 0]
        self.dissent = cfg["dissent_behaviour"]
        self.denied = dict.fromkeys(cfg["opportunities"], 0)
        self.ties_cut = 0
        self.screen_viewers: set[Person] = set()
        names, shares = list(cfg["groups"]), [g["share"] for g in cfg["groups"].values()]
        people = [
            Person(self, self.random.choices(names, weights=shares)[0]) for _ in range(agents)
        ]
        self.grid = Network(self.graph(people), capacity=1, random=self.random, layout=None)
        for person, cell in zip(people, self.grid.all_cells, strict=True):
            person.cell = cell
        self.prior = self.prior_risk(people)
        for p in people:
            p.perceived = dict(self.prior)
            p.seen, p.seen_ref = {}, {}
            p.refresh_reference()
            p.seen = dict(p.seen_ref)
        self.series: dict[str, list[float]] = {"rate": [], "falsification": [], "listed": [],
                                               "denied_travel": [], "ties_cut": []}  # fmt: skip

    def graph(self, people: list[Person]) -> nx.Graph:
        """docs/model.md: a ring per group, ties rewired to the same group or anyone."""
        net, rng = self.cfg["network"], self.random
        g = nx.Graph()
        g.add_nodes_from(range(len(people)))
        by_group: dict[str, list[int]] = {}
        for i, p in enumerate(people):
            by_group.setdefault(p.group, []).append(i)
        everyone = list(range(len(people)))
        for members in by_group.values():
            n = len(members)
            for k, i in enumerate(members):
                for step in range(1, net["mean_degree"] // 2 + 1):
                    if n <= 1:
                        break
                    j = members[(k + step) % n]
                    if rng.random() < net["rewire"]:
                        j = (
                            rng.choice(members)
                            if rng.random() < net["homophily"]
                            else rng.choice(everyone)
                        )
                    if j != i:
                        g.add_edge(i, j)
        return g

    def prior_risk(self, people: list[Person]) -> dict[str, float]:
        """The chance that an act is recorded by some source: mean coverage, informants."""
        cfg = self.cfg
        degree = 2 * self.grid.G.number_of_edges() / len(people)
        informant_share = sum(p.informant for p in people) / len(people)
        miss = dict.fromkeys(cfg["behaviours"], 1.0)
        for src in cfg["sources"].values():
            p = sum(per_group(src["coverage"], q.group) for q in people) / len(people)
            if src["informants"] is not None:
                p *= 1 - (1 - src["informants"]["report_probability"]) ** (degree * informant_share)
            for b in src["behaviours"]:
                miss[b] *= 1 - p
        return {b: 1 - v for b, v in miss.items()}

    def tier_of(self, score: int) -> int:
        k = 0
        for i, lo in enumerate(self.tier_mins):
            if score >= lo:
                k = i
        return k

    def shame(self) -> None:
        """The screens: the newly listed shown, their neighbours confronted, an audience."""
        sh = self.cfg["shaming"]
        screens = sh["screens"]
        self.screen_viewers = set()
        shown = [
            p
            for p in self.agents
            if p.newly_listed and self.random.random() < screens["display_share"]
        ]
        if shown:
            self.screen_viewers = {
                p for p in self.agents if self.random.random() < screens["reach"]
            }
        for person in shown:
            for n in person.neighbours():
                if person.unique_id in n.told:
                    continue
                n.told.add(person.unique_id)
                if self.random.random() < sh["tie_cut_probability"]:
                    person.cell.disconnect(n.cell)
                    n.cell.disconnect(person.cell)
                    self.ties_cut += 1
                    person.refresh_reference()
                    n.refresh_reference()

    def measure(self) -> None:
        t, window = self.steps - 1, self.cfg["response"]["dissent_window"]
        people = self.agents
        n = len(people)
        self.series["rate"].append(sum(p.acts[self.dissent] for p in people) / n)
        silent = sum(1 for p in people if p.stance < 0 and p.last_dissent <= t - window) / n
        k = min(window, t + 1)
        pf = sum((1 - sigmoid(p.logit0[self.dissent])) ** k for p in people if p.stance < 0) / n
        self.series["falsification"].append(silent - pf)
        self.series["listed"].append(sum(1 for p in people if p.listed_until > 0) / n)
        self.series["denied_travel"].append(self.denied.get("travel", 0))
        self.series["ties_cut"].append(self.ties_cut)

    def step(self) -> None:
        self.agents.do("behave")
        self.agents.do("observe")
        self.agents.do("score_step")
        self.agents.do("consequences")
        if self.cfg["shaming"]:
            self.shame()
        self.agents.do("adapt")
        self.measure()


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        scenario = json.load(f)
    agents, steps, seed = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    t0 = time.perf_counter()
    model = ScoredSociety(scenario, agents, seed)
    setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(steps):
        model.step()
    seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "seconds_per_step": seconds / steps,
                "setup_seconds": setup,
                "mesa": mesa.__version__,
                "series": model.series,
            }
        )
    )
