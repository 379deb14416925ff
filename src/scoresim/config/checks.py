"""Cross-field checks of a parsed scenario, each failing with the field path and the fix."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from scoresim import limits
from scoresim.config.models import PerGroup, ScenarioConfig
from scoresim.config.opinion import PollConfig
from scoresim.config.people import MAX_AGE, band_like, band_years, education_keys
from scoresim.config.types import per_group
from scoresim.errors import ScenarioValueError


def _fail(origin: str, path: str, value: object, problem: str, fix: str) -> ScenarioValueError:
    return ScenarioValueError(f"{origin}: {path}: {value!r} {problem}; {fix}", path)


def _names_exist(
    origin: str, path: str, names: Iterable[str], known: Mapping[str, object], what: str
) -> None:
    for i, name in enumerate(names):
        if name not in known:
            valid = ", ".join(known) or "(none defined)"
            raise _fail(
                origin, f"{path}[{i}]", name, f"is not a defined {what}", f"use one of: {valid}"
            )


def _per_group(origin: str, path: str, value: PerGroup, groups: Mapping[str, object]) -> None:
    _per_key(origin, path, value, groups, "group")


def _per_key(
    origin: str, path: str, value: PerGroup, keys: Mapping[str, object], what: str
) -> None:
    """A mapping ``value`` names every key of ``keys`` (the groups, or the age bands) and no other."""
    if isinstance(value, dict):
        for g in value:
            if g not in keys:
                raise _fail(origin, path, g, f"is not a {what}", f"use one of: {', '.join(keys)}")
        missing = [g for g in keys if g not in value]
        if missing:
            raise _fail(
                origin,
                path,
                value,
                f"gives no value for {what} {missing[0]!r}",
                f"give one per {what}",
            )


# Group and tier indices are stored as uint8 per agent; per-agent counters are uint32
# and rise at most once per opportunity per step (steps <= 60 000), and point totals
# are summed in int32 over behaviours (each <= 32 767 in size).
MAX_INDEXED = 255
MAX_NAMED = 1000


def _sizes(cfg: ScenarioConfig, origin: str) -> None:
    """Refuse scenarios whose counts would overflow the engine's index and counter types."""
    for path, items, cap in (
        ("groups", cfg.groups, MAX_INDEXED),
        ("scoring.tiers", cfg.scoring.tiers, MAX_INDEXED),
        ("behaviours", cfg.behaviours, MAX_NAMED),
        ("opportunities", cfg.opportunities, MAX_NAMED),
        ("sources", cfg.sources, MAX_NAMED),
    ):
        if len(items) > cap:
            raise _fail(
                origin,
                path,
                f"{len(items)} entries",
                f"are more than {cap}",
                f"define at most {cap}",
            )


def check_scenario(cfg: ScenarioConfig, origin: str) -> None:
    """Check the references and orderings that pydantic's field types cannot express.

    Args:
        cfg: The parsed scenario.
        origin: The file name or built-in name, used at the start of every message.

    Raises:
        ScenarioValueError: At the first problem found, naming path, value and fix.
    """
    for check in (
        _sizes,
        _groups,
        _people,
        _behaviours,
        _sources,
        _opinion,
        _drift,
        _scoring,
        _tiers,
        _blacklist,
        _rewards,
    ):
        check(cfg, origin)


def _groups(cfg: ScenarioConfig, origin: str) -> None:
    """At least one group, and shares that sum to 1."""
    total = sum(g.share for g in cfg.groups.values())
    if not cfg.groups:
        raise _fail(origin, "groups", {}, "is empty", "define at least one group")
    if abs(total - 1.0) > 1e-6:
        raise _fail(
            origin, "groups", round(total, 6), "is the sum of the shares", "make them sum to 1"
        )


def _shares(origin: str, path: str, shares: Mapping[str, PerGroup], groups: Sequence[str]) -> None:
    """The shares over the entries of ``shares`` sum to 1 for each of ``groups`` (or bands)."""
    for g in groups:
        total = sum(per_group(v, [g])[0] for v in shares.values())
        if abs(total - 1.0) > 1e-6:
            raise _fail(origin, path, round(total, 6), f"is the sum of the shares of {g!r}",
                        f"make the shares of each of {', '.join(groups)} sum to 1")  # fmt: skip


def _people(cfg: ScenarioConfig, origin: str) -> None:
    """Age bands contiguous and in order; shares per group summing to 1; premiums of levels."""
    p = cfg.people
    if p is None:
        return
    if p.age is not None:
        last = None
        for band, share in p.age.items():
            first, end = band_years(band)
            path = f"people.age.{band}"
            if not first <= end <= MAX_AGE:
                raise _fail(origin, path, band, f"is not a band of years A-B with A <= B <= {MAX_AGE}",
                            "write the first and the last year of the band, such as 18-29")  # fmt: skip
            if last is not None and first != last + 1:
                raise _fail(origin, path, band, f"does not start the year after the band before "
                            f"ends ({last})", f"start it at {last + 1}: bands are contiguous, "
                            "lowest first")  # fmt: skip
            last = end
            _per_group(origin, path, share, cfg.groups)
        _shares(origin, "people.age", p.age, list(cfg.groups))
    if p.female is not None:
        _per_group(origin, "people.female", p.female, cfg.groups)
    if p.education is not None:
        by, names = education_keys(p, list(cfg.groups))
        known = dict.fromkeys(names)
        if by == "group":  # a mapping that names a band but is read per group: say why
            for level, share in p.education.items():
                bands = [k for k in share if band_like(k)] if isinstance(share, dict) else []
                if bands:
                    known_bands = ", ".join(p.age or {}) or "(none: there is no people.age)"
                    raise _fail(origin, f"people.education.{level}", bands[0], "looks like an age "
                                "band, but not every level's shares name only bands of people.age "
                                f"({known_bands})", "key every level's shares by the same age "
                                "bands, or by the groups")  # fmt: skip
        for level, share in p.education.items():
            _per_key(
                origin,
                f"people.education.{level}",
                share,
                known,
                "age band" if by == "age" else "group",
            )
        _shares(origin, "people.education", p.education, names)
    levels = list(p.education or {})
    for level in p.income_premium:
        if not levels:
            raise _fail(origin, f"people.income_premium.{level}", level, "is a premium for an "
                        "education level, but people.education is not given",
                        "add people.education, or leave income_premium out")  # fmt: skip
        if level not in levels:
            raise _fail(origin, f"people.income_premium.{level}", level, "is not an education "
                        "level of people.education", f"use one of: {', '.join(levels)}")  # fmt: skip
    for level in levels:
        if level == "all":
            raise _fail(origin, f"people.education.{level}", level, "is the name of the row of "
                        "everyone in breakdowns", "give the level another name")  # fmt: skip


def _experiment(origin: str, where: str, poll: PollConfig) -> None:
    """A direct question; no arm called control; arms leave a control arm where needed."""
    exp = poll.experiment
    assert exp is not None
    if poll.design != "direct":
        raise _fail(origin, f"{where}.experiment", poll.design, "is the poll's design; a survey "
                    "experiment compares direct answers", "use design: direct (a list "
                    "experiment crossed with arms is not built)")  # fmt: skip
    if "control" in exp.arms:
        raise _fail(origin, f"{where}.experiment.arms.control", "control", "names the arm "
                    "that gets no information, which every experiment has",
                    "give the treatment arms other names; control gets the remaining share")  # fmt: skip
    total = sum(a.share for a in exp.arms.values())
    if total > 1 + 1e-9 or (exp.assignment == "between" and total > 1 - 1e-9):
        raise _fail(origin, f"{where}.experiment.arms", round(total, 6), "is the arms' total share, "
                    "which leaves no control arm" if total <= 1 + 1e-9 else "is the arms' total "
                    "share, more than everyone", "keep it under 1: control gets the rest (in a "
                    "within design it may be 1: everyone is asked before as well)")  # fmt: skip


def _behaviours(cfg: ScenarioConfig, origin: str) -> None:
    """Daily base rates strictly inside (0, 1); a speech behaviour for dissent."""
    for name, b in cfg.behaviours.items():
        _per_group(origin, f"behaviours.{name}.base_rate", b.base_rate, cfg.groups)
        rates = b.base_rate.values() if isinstance(b.base_rate, dict) else [b.base_rate]
        for r in rates:
            if not 0.0 < r < 1.0:
                raise _fail(
                    origin,
                    f"behaviours.{name}.base_rate",
                    r,
                    "is not a daily rate strictly between 0 and 1",
                    "use a small positive probability such as 0.01",
                )
    if cfg.dissent_behaviour is not None:
        d = cfg.behaviours.get(cfg.dissent_behaviour)
        if d is None or d.kind != "speech":
            speech = [k for k, b in cfg.behaviours.items() if b.kind == "speech"]
            raise _fail(
                origin,
                "dissent_behaviour",
                cfg.dissent_behaviour,
                "is not a speech behaviour",
                f"use one of: {', '.join(speech) or '(none defined)'}",
            )


def _sources(cfg: ScenarioConfig, origin: str) -> None:
    """What each source watches exists; misreading needs two speech acts; one informant network."""
    informed: list[str] = []
    for name, s in cfg.sources.items():
        _names_exist(
            origin, f"sources.{name}.behaviours", s.behaviours, cfg.behaviours, "behaviour"
        )
        _per_group(origin, f"sources.{name}.coverage", s.coverage, cfg.groups)
        speech = [b for b in s.behaviours if cfg.behaviours[b].kind == "speech"]
        if s.misclassification > 0 and len(speech) != 2:
            raise _fail(
                origin,
                f"sources.{name}.misclassification",
                s.misclassification,
                f"needs exactly two speech behaviours to confuse, and the source watches {len(speech)}",
                "watch two speech behaviours or set it to 0",
            )
        if s.informants is not None:
            informed.append(name)
    if len(informed) > 1:
        raise _fail(
            origin,
            f"sources.{informed[1]}.informants",
            informed[1],
            f"is a second informant network (after {informed[0]!r})",
            "give informants to one source and list every behaviour they report there",
        )


def _drift(cfg: ScenarioConfig, origin: str) -> None:
    """Pressure reads the climate from the dissent behaviour."""
    drift = cfg.stance_drift
    if drift is not None and drift.pressure > 0 and cfg.dissent_behaviour is None:
        raise _fail(
            origin,
            "stance_drift.pressure",
            drift.pressure,
            "needs a dissent_behaviour to read the climate from",
            "set dissent_behaviour or set pressure to 0",
        )


def _scoring(cfg: ScenarioConfig, origin: str) -> None:
    """Points and tolerances name behaviours; start within bounds that fit 16 bits."""
    _names_exist(origin, "scoring.points", cfg.scoring.points, cfg.behaviours, "behaviour")
    _names_exist(origin, "scoring.tolerance", cfg.scoring.tolerance, cfg.behaviours, "behaviour")
    for name in cfg.scoring.tolerance:
        if cfg.scoring.points.get(name, 0) >= 0:
            raise _fail(origin, f"scoring.tolerance.{name}", name, "costs no points, so a "
                        "tolerance changes nothing", f"give scoring.points.{name} a negative "
                        "value or remove the tolerance")  # fmt: skip
    sc = cfg.scoring
    if not sc.min <= sc.start <= sc.max or sc.min >= sc.max:
        raise _fail(
            origin,
            "scoring.start",
            sc.start,
            f"is not inside [min, max] = [{sc.min}, {sc.max}]",
            "set min < max and start between them",
        )
    for key in ("min", "max"):
        bound = getattr(sc, key)
        if not -32768 <= bound <= 32767:
            raise _fail(
                origin,
                f"scoring.{key}",
                bound,
                "does not fit a 16-bit score",
                "keep scores between -32768 and 32767",
            )


def _tiers(cfg: ScenarioConfig, origin: str) -> None:
    """Tiers exist, rise strictly, cover the lowest score, deny known opportunities."""
    sc = cfg.scoring
    if not sc.tiers:
        raise _fail(origin, "scoring.tiers", {}, "is empty", "define at least one tier")
    previous: tuple[str, int] | None = None
    for tname, tier in sc.tiers.items():
        if previous is not None and tier.min <= previous[1]:
            raise _fail(
                origin,
                f"scoring.tiers.{tname}.min",
                tier.min,
                f"is not above the previous tier {previous[0]!r} ({previous[1]})",
                "list tiers from lowest to highest with strictly increasing min",
            )
        _names_exist(
            origin, f"scoring.tiers.{tname}.denies", tier.denies, cfg.opportunities, "opportunity"
        )
        previous = (tname, tier.min)
    first_name, first = next(iter(sc.tiers.items()))
    if first.min > sc.min:
        raise _fail(
            origin,
            f"scoring.tiers.{first_name}.min",
            first.min,
            f"leaves scores from {sc.min} without a tier",
            f"set the lowest tier's min to {sc.min} or less",
        )


def _blacklist(cfg: ScenarioConfig, origin: str) -> None:
    """The list's references, and what its coupling needs."""
    sc = cfg.scoring
    bl = cfg.blacklist
    if bl is not None:
        _names_exist(origin, "blacklist.denies", bl.denies, cfg.opportunities, "opportunity")
        for name in bl.enforcement:
            if name not in bl.denies:
                raise _fail(origin, f"blacklist.enforcement.{name}", name,
                            "is not an opportunity the list denies",
                            f"add it to blacklist.denies or use one of: {', '.join(bl.denies) or '(none)'}")  # fmt: skip
        _names_exist(origin, "blacklist.entry_events", bl.entry_events, cfg.behaviours, "behaviour")
        if sc.coupling == "score" and bl.threshold is None:
            raise _fail(
                origin,
                "blacklist.threshold",
                None,
                "is missing under score coupling",
                "give the score below which people are listed",
            )
        if sc.coupling == "list" and not bl.entry_events:
            raise _fail(
                origin,
                "blacklist.entry_events",
                [],
                "is empty under list coupling",
                "name the behaviours whose recorded events put people on the list",
            )


def _rewards(cfg: ScenarioConfig, origin: str) -> None:
    """Rewards name tiers that exist."""
    sc = cfg.scoring
    for rname, rw in cfg.rewards.items():
        _names_exist(origin, f"rewards.{rname}.tiers", rw.tiers, sc.tiers, "tier")


def _opinion(cfg: ScenarioConfig, origin: str) -> None:
    """Approval, interviews and polls: groups named, polls answerable."""
    if cfg.approval is not None:
        _per_group(origin, "approval.mean", cfg.approval.mean, cfg.groups)
    _per_group(origin, "interviews.online", cfg.interviews.online, cfg.groups)
    _per_group(origin, "interviews.desirability", cfg.interviews.desirability, cfg.groups)
    asked = sum(p.size * (2 if p.experiment and p.experiment.assignment == "within" else 1)
                for p in cfg.polls or [])  # fmt: skip
    if asked > limits.RESPONDENTS:
        raise _fail(origin, "polls", f"{asked:,} answers", f"are more than the {limits.RESPONDENTS:,} "
                    "the respondents table holds in memory (each poll's size, twice for a "
                    "within experiment)", "ask fewer or smaller polls")  # fmt: skip
    seen: set[str] = set()
    for k, poll in enumerate(cfg.polls or []):
        where = f"polls[{k}]"
        if poll.name in seen:
            raise _fail(origin, f"{where}.name", poll.name, "is the name of an earlier poll",
                        "give each poll its own name")  # fmt: skip
        seen.add(poll.name)
        if poll.question == "scoring_system" and cfg.approval is None:
            raise _fail(origin, f"{where}.question", poll.question, "asks about the scoring "
                        "system, but the scenario has no approval: section",
                        "add one ('approval: {}' takes the defaults)")  # fmt: skip
        if poll.neutral and poll.design != "direct":
            raise _fail(origin, f"{where}.neutral", poll.neutral, f"offers a neutral answer in "
                        f"the {poll.design} design, which counts or randomises yes and no only",
                        "offer it in a direct question (design: direct), or leave neutral out")  # fmt: skip
        if poll.experiment is not None:
            _experiment(origin, where, poll)
        drawn = {"sex": "female", "age": "age", "education": "education"}
        for j, attr in enumerate(poll.by):
            if cfg.people is None or getattr(cfg.people, drawn[attr]) is None:
                raise _fail(origin, f"{where}.by[{j}]", attr, f"is not drawn: the scenario's "
                            f"people: section gives no {drawn[attr]}", "add it to people: "
                            "(docs/model.md, section 5), or leave it out of by")  # fmt: skip
            if attr in poll.by[:j]:
                raise _fail(origin, f"{where}.by[{j}]", attr, "is named twice", "name it once")
        if poll.design == "randomized_response" and poll.forced.truth + poll.forced.yes > 1:
            raise _fail(origin, f"{where}.forced.yes", poll.forced.yes, "leaves a negative "
                        "chance of a forced no", "make truth + yes at most 1")  # fmt: skip
