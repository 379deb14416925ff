"""The network sample's picture: a force-directed layout of the run's tie sample."""

from __future__ import annotations

import numpy as np

from scoresim.report.chartdata import Chart, Picture
from scoresim.report.data import Subject


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
    tiers = agents["tier"]
    order = order or sorted({str(t) for t in tiers})
    picture = Picture(
        x.tolist(),
        y.tolist(),
        [str(t) for t in tiers],
        order,
        [bool(v) for v in agents["listed"]],
        [bool(v) for v in shamed],
        [p for p, a in zip(pairs, active, strict=True) if a],
        [p for p, a in zip(pairs, active, strict=True) if not a],
    )
    title = f"{s.label}: a sample of {len(ids)} people and their ties"
    note = "colour: tier; ring: listed; square: shamed; red dashes: ties cut"
    return Chart(f"network-{i}", title, "", "", "network", picture=picture, note=note)


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
