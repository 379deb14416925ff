"""The network sample's picture: a force-directed layout of the run's tie sample."""

from __future__ import annotations

import html

import numpy as np

from scoresim.report.chartdata import Chart, Picture
from scoresim.report.data import Subject
from scoresim.report.glossary import term


def network_chart(s: Subject, i: int, order: list[str]) -> Chart:
    """Subject ``i``'s tie sample as a picture, tiers coloured in the merged ``order``."""
    net = s.network
    ids = sorted(set(net["source"].tolist()) | set(net["target"].tolist()))
    index = {a: k for k, a in enumerate(ids)}
    pairs = [(index[a], index[b]) for a, b in zip(net["source"], net["target"], strict=True)]
    x, y = layout(len(ids), pairs, seed=i)
    agents = s.agents.set_index("id").loc[ids]
    active = net["active"].tolist()
    shamed_ids: set[int] = set()
    if "source_shamed" in net:  # run folders from before the flag was kept have none
        shamed_ids = set(net.loc[net["source_shamed"], "source"]) | set(
            net.loc[net["target_shamed"], "target"]
        )
    shamed = [a in shamed_ids for a in ids]
    tiers = [str(t) for t in agents["tier"]]
    order = order or sorted(set(tiers))
    listed = [bool(v) for v in agents["listed"]]
    wrongly = [bool(v) for v in agents["listed_wrongly"]] if "listed_wrongly" in agents else []
    kept = [p for p, a in zip(pairs, active, strict=True) if a]
    cut = [p for p, a in zip(pairs, active, strict=True) if not a]
    picture = Picture(x.tolist(), y.tolist(), tiers, order, listed, shamed, kept, cut, wrongly)
    lost = [0] * len(ids)
    for a, b in cut:
        lost[a] += 1
        lost[b] += 1
    scores = [int(v) for v in agents["score"]]
    picture.hover = [
        describe(ids[k], tiers[k], order, scores[k], listed[k], bool(wrongly and wrongly[k]),
                 shamed[k], lost[k])
        for k in range(len(ids))
    ]  # fmt: skip
    title = f"{s.label}: a sample of {len(ids)} people and their ties"
    terms = [term(k) for k in ("network", "tier", "listed", "listed_wrongly", "shamed", "ties_cut")]
    return Chart(f"network-{i}", title, "", "", "network", picture=picture, note=NOTE,
                 terms=terms)  # fmt: skip


NOTE = (
    "Colour: the score tier, red lowest to blue highest (the tier chart's colours). "
    "Black ring: on the list (the blacklist: a listing with its own term and rules, not a "
    "tier; a listed person can be in any tier, and the lowest tier is not the list). "
    "Magenta ring: on the list wrongly (would not be listed without false records). "
    "Square: made public on a shaming channel at the end. Grey lines: ties; red dashes: "
    "ties cut. Point at a person for their id, tier, score, listing and ties cut."
)


def describe(
    pid: int, tier: str, order: list[str], score: int, listed: bool, wrongly: bool,
    shamed: bool, cut: int,
) -> str:  # fmt: skip
    """One person of the sample in words, for the hover: id, tier, score, list, ties cut.

    Ties cut are counted among the sample's ties (either end may have cut them): the
    run keeps no per-person count of ties lost.
    """
    k = order.index(tier) if tier in order else -1
    end = " (lowest)" if k == 0 else " (highest)" if k == len(order) - 1 and k > 0 else ""
    on = "yes, wrongly (would not be without false records)" if wrongly else (
        "yes" if listed else "no")  # fmt: skip
    lines = [
        f"person {pid}",
        f"score tier: {html.escape(tier)}{end}",
        f"score: {score} points",
        f"on the list: {on}",
        f"made public: {'yes' if shamed else 'no'}",
        f"ties cut in this sample: {cut}",
    ]
    return "<br>".join(lines)


def layout(
    n: int, pairs: list[tuple[int, int]], seed: int = 0, rounds: int = 300
) -> tuple[np.ndarray, np.ndarray]:
    """Force-directed positions (Fruchterman-Reingold), seeded: two (n,) float64 arrays."""
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2))
    if n < 2:
        return pos[:, 0], pos[:, 1]
    k = 1.0 / np.sqrt(n)
    src = np.array([p[0] for p in pairs], dtype=np.int64)
    dst = np.array([p[1] for p in pairs], dtype=np.int64)
    temperature = 0.1
    for _ in range(rounds):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.linalg.norm(delta, axis=2), 1e-9)
        force = (delta / dist[:, :, None] * (k * k / dist)[:, :, None]).sum(axis=1)
        if src.size:
            d = pos[src] - pos[dst]
            length = np.maximum(np.linalg.norm(d, axis=1), 1e-9)
            pull = d * (length / k)[:, None]
            np.add.at(force, src, -pull)
            np.add.at(force, dst, pull)
        step = np.linalg.norm(force, axis=1)
        pos += force / np.maximum(step, 1e-9)[:, None] * np.minimum(step, temperature)[:, None]
        temperature *= 0.985
    return pos[:, 0], pos[:, 1]
