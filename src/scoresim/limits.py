"""Every input limit of scoresim, in one place (the table in docs/robustness.md).

Each limit is far above what a real use needs and low enough that nothing scoresim
does with an input at the limit can exhaust memory, recurse too deep, or take more
than moments. The modules that enforce them import them from here.
"""

from __future__ import annotations

SCENARIO_BYTES = 1_000_000
"""Largest scenario or sweep file (the largest built-in regime is about 8 KB)."""
YAML_DEPTH = 32
"""Deepest nesting of mappings and lists in a scenario, a sweep or a ``--set`` value."""
YAML_VALUES = 200_000
"""Most values in one YAML text, an alias counted as the size of what it repeats."""
NAME_CHARS = 64
"""Longest name of a regime, group, behaviour, source, opportunity, tier or reward."""
DESCRIPTION_CHARS = 2_000
"""Longest description of a regime."""
API_BODY_BYTES = 16_384
"""Largest request body the explorer reads."""
API_DEPTH = 8
"""Deepest nesting of a request body."""
API_OVERRIDES = 20
"""Most overrides in one explorer request."""
API_ERRORS = 5
"""Most validation errors one explorer answer lists."""
API_MESSAGE_CHARS = 200
"""Longest validation message one explorer answer carries."""
RUN_AGENTS = 50_000_000
"""Most agents in one run (the network's int32 tie index allows about 200 million)."""
RUN_STEPS = 60_000
"""Most steps in one run (per-agent counters are uint32 and rise at most a few times a step)."""
TIMELINE_ENTRIES = 500
"""Most entries in a scenario's timeline."""
SEED_MAX = 2**63 - 1
"""Largest seed, on the command line, in sweeps, in the explorer and in Python."""
RUN_JSON_BYTES = 10_000_000
"""Largest run.json read back."""
RUN_JSON_DEPTH = 64
"""Deepest nesting of a run.json read back."""


def json_depth(text: str | bytes) -> int:
    """The deepest nesting of arrays and objects in JSON text, strings skipped.

    A scan, not a parse, so that it runs before any recursive JSON parser does.
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


POLLS = 500
"""Most polls in one scenario (each adds ten metric columns, three per category it is
reported by, and nine per experiment arm)."""
RESPONDENTS = 10_000_000
"""Most answers all of a scenario's polls may collect (the respondents table is kept in
memory): the sum of their sizes, twice for a within experiment."""
FOLLOWED_DAYS = 10_000_000
"""Most person-days a run may follow (people followed times steps): about 84 bytes each
are kept while it runs, and the followed table is built from them at the end."""
ARMS = 10
"""Most treatment arms of one survey experiment."""
INFORMATION_EVENTS = 100
"""Most information events in a scenario's ``approval:`` section."""
POLL_SIZE = 1_000_000
"""Largest sample of one poll."""
