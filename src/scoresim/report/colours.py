"""The report's colours: one per subject, and one per score tier shared by every chart."""

from __future__ import annotations

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
# Lowest tier first, red to blue: the town page's ramp (explorer/static/town-draw.js), so
# a tier looks the same in the report and in the explorer. No stop is pale enough to
# vanish on white, nor dark enough to pass for the black ring of the listed.
TIER_RAMP = ["#b2182b", "#ef8a62", "#bdbdbd", "#67a9cf", "#2166ac"]
LISTED_RING = "#000000"
WRONGLY_RING = "#d01c8b"  # magenta, as on the town page


def colour(i: int) -> str:
    """The colour of subject ``i``."""
    return PALETTE[i % len(PALETTE)]


def tier_colour(k: int, tiers: int) -> str:
    """Tier ``k`` of ``tiers`` (lowest first), from red (low) to blue (high).

    Up to five tiers take the town page's stops; more are spread along the ramp, so
    that no two tiers share a colour.
    """
    if tiers <= 1:
        return TIER_RAMP[2]
    at = k * (len(TIER_RAMP) - 1) / (tiers - 1)
    if tiers <= len(TIER_RAMP):
        return TIER_RAMP[round(at)]
    lo = min(int(at), len(TIER_RAMP) - 2)
    u = at - lo
    a, b = (tuple(int(c[j : j + 2], 16) for j in (1, 3, 5)) for c in TIER_RAMP[lo : lo + 2])
    return "#" + "".join(f"{round(x + (y - x) * u):02x}" for x, y in zip(a, b, strict=True))
