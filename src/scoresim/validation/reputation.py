"""The ``reputation`` case: indirect reciprocity under observation error.

Everyone is a discriminator (helps Good recipients, refuses Bad ones) and every
reputation is public. Each round every agent donates once to a random other agent,
all at once: an intended help fails with probability ``execution_error``, the donor
is then judged by the norm from the act and the recipient's reputation, and the
judgment is recorded wrongly with probability ``assessment_error``. The share of
Good has a closed-form fixed point per norm (Sigmund 2010), which a synchronous
round reaches just as a sequential one does, the update being linear in that share.

Under ``--full``, also Nowak and Sigmund's (1998) evolution of image scoring: scores
-5..5, strategies k in -5..6 (give if the recipient's score >= k), 125 donations
per generation among 100 players, offspring in proportion to payoff.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scoresim.validation.framework import Case, Check, Measures, Params, near
from scoresim.validation.rng import make_streams

NORMS = ("image_scoring", "standing", "stern_judging")


def fixed_point(norm: str, e: float, mu: float) -> float:
    """Stationary share of Good among discriminators under ``norm``."""
    eps = (1 - e) * (1 - mu) + e * mu
    num, den = (mu, 1 - eps + mu) if norm == "image_scoring" else (1 - mu, 2 - eps - mu)
    # With no error at all the update is the identity: everyone stays Good as started.
    return num / den if den > 0 else 1.0


def judge(norm: str, helped: NDArray[np.bool_], good: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """The norm's verdict (True = Good) on a donor from its act and the recipient."""
    if norm == "image_scoring":
        return helped
    if norm == "standing":
        return helped | ~good  # refusing a Bad recipient is justified
    verdict: NDArray[np.bool_] = helped == good  # stern judging
    return verdict


def run(p: Params, seed: int) -> Measures:
    """Good share and cooperation rate after a 20% burn-in."""
    streams, _ = make_streams(seed)
    rng = streams.behave
    n, e, mu = p["n"], p["execution_error"], p["assessment_error"]
    rounds = max(p["updates"] // n, 10)
    burn = rounds // 5
    good = np.ones(n, np.bool_)
    ids = np.arange(n)
    g_sum = c_sum = 0.0
    for t in range(rounds):
        recipient = (ids + rng.integers(1, n, n)) % n
        rg = good[recipient]
        helped = rg & (rng.random(n) >= e)
        verdict = judge(p["norm"], helped, rg)
        good = verdict ^ (rng.random(n) < mu)
        if t >= burn:
            g_sum += float(good.mean())
            c_sum += float(helped.mean())
    kept = rounds - burn
    return {"good_fraction": g_sum / kept, "cooperation": c_sum / kept}


def point_checks(p: Params, m: Measures) -> list[Check]:
    """The closed-form fixed point (tolerance 0.02 needs n >= 200, 10^5 updates)."""
    if p["n"] < 200 or p["updates"] < 100_000:
        return []
    g = fixed_point(p["norm"], p["execution_error"], p["assessment_error"])
    return [near(f"{p['norm']}: Good share = closed-form fixed point", g, m["good_fraction"], 0.02)]


def nowak_sigmund(rng: np.random.Generator, generations: int = 150) -> tuple[float, float]:
    """One evolutionary run (public scores, no mutation); returns (mean k, cooperation)."""
    n, m, b, c = 100, 125, 1.0, 0.1
    k = rng.integers(-5, 7, n)
    coop = 0.0
    for _ in range(generations):
        score = np.zeros(n, np.int64)
        payoff = np.zeros(n)
        donors = rng.integers(0, n, m)
        recipients = (donors + rng.integers(1, n, m)) % n
        gave = 0
        for d, r in zip(donors.tolist(), recipients.tolist(), strict=True):
            payoff[d] += 0.1  # Nowak and Sigmund's constant keeps payoffs positive
            payoff[r] += 0.1
            if score[r] >= k[d]:
                payoff[d] -= c
                payoff[r] += b
                score[d] = min(score[d] + 1, 5)
                gave += 1
            else:
                score[d] = max(score[d] - 1, -5)
        coop = gave / m
        weights = np.maximum(payoff, 0.0)
        total = weights.sum()
        k = k[rng.choice(n, size=n, p=weights / total)] if total > 0 else k
    return float(k.mean()), coop


def suite(seed: int, full: bool) -> list[Check]:
    """Each norm at e = 0.02, mu = 0.01; under --full, the evolutionary runs."""
    out: list[Check] = []
    for norm in NORMS:
        p = {**DEFAULTS, "norm": norm}
        out += point_checks(p, run(p, seed))
    if full:
        streams, _ = make_streams(seed)
        runs = [nowak_sigmund(streams.consequences) for _ in range(100)]
        share = float(np.mean([mk <= 0 and co > 0.8 for mk, co in runs]))
        out.append(
            Check(
                "Nowak-Sigmund: runs ending with discriminators (mean k <= 0) and cooperation > 0.8",
                "> 0.5 (a clear majority)",
                round(share, 3),
                "100 runs of 150 generations",
                share > 0.5,
            )
        )
    return out


DEFAULTS: Params = {
    "norm": "standing",
    "execution_error": 0.02,
    "assessment_error": 0.01,
    "n": 200,
    "updates": 400_000,
}

CASE = Case(
    name="reputation",
    source="Sigmund (2010) The Calculus of Selfishness; Nowak & Sigmund (1998) Nature 393",
    defaults=DEFAULTS,
    run=run,
    point_checks=point_checks,
    suite=suite,
    choices={"norm": NORMS},
    bounds={
        "execution_error": (0.0, 1.0),
        "assessment_error": (0.0, 1.0),
        "n": (2, 10**7),
        "updates": (1, 10**10),
    },
)
