"""The guided story: the article's scenes, each told through one synthetic person of a town.

:func:`story` runs a town following everyone (at most :data:`MAX_PEOPLE` people over
:data:`MAX_DAYS` days), picks each scene's person by a rule written here and in
docs/seeing.md, and words the scene from that run's numbers: nothing in a scene's text
is typed in advance. When nobody lives a scene, its sentence says why (the regime has no
such part, or the run is too short, or nobody happened to).

Scenes (a person is chosen among those that fit, the lowest id on a tie):

- ``model_citizen``: paid a perk on the most days (any tier);
- ``caught``: the earliest true record of a conduct behaviour by a source other than
  informants, trying the (source, behaviour) pairs in file order;
- ``silenced``: did the dissent behaviour at least twice in the first quarter of the
  run, among those whose stance on the last day is below 0 if there are any; the one
  the regime silenced most in the last quarter: their acts there against the same
  person's in the same town without the regime (``baseline``, same people and draws),
  when the regime's society is baseline's, or else the fewest acts there;
- ``denied``: ever listed, the most days denied an opportunity;
- ``screen``: made public, the most ties lost;
- ``interview``: no person; the first direct poll asked with a list poll of the same
  question, with the truth among the direct poll's respondents.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from scoresim.config.loading import Scenario
from scoresim.core import threads
from scoresim.explorer import town
from scoresim.explorer.story_baseline import without_regime
from scoresim.results.life import SEPARATOR, life_days, words

MAX_PEOPLE = 2_000
MAX_DAYS = 400
"""A story follows everyone: 2 000 people over 365 days peaks at about 400 MB."""

Scene = tuple[str, str, str, int | None, int, int]


def _has(column: pd.Series, name: str) -> NDArray[np.bool_]:
    """Rows whose list cell ("a; b") holds ``name`` (read once per distinct cell)."""
    cells = column.astype("category")
    member = np.array([name in str(c).split(SEPARATOR) for c in cells.cat.categories], np.bool_)
    if not member.size:
        return np.zeros(len(column), np.bool_)
    out: NDArray[np.bool_] = member[cells.cat.codes.to_numpy()]
    return out


def story(sc: Scenario, people: int, days: int, seed: int) -> dict[str, Any]:
    """The town of ``sc`` and its scenes.

    Returns:
        ``town`` (as :func:`scoresim.explorer.town.build` gives it) and ``scenes``: each
        with ``key``, ``title``, ``text``, ``person`` (an id, or None), ``start`` and
        ``end`` (the steps the scene plays, within the run) and ``lines`` ([step, text]
        of the person's days within them); and ``polls``, the run's polls as
        ``run.json`` has them.
    """
    data, sim = town.run(sc, people, days, seed, follow=people)
    with threads.compiled_threads(1):
        table = sim.followed()
    agents = sim.agents().set_index("id")
    cfg = sc.config
    top = sim.compiled.labels.tiers[-1] if sim.compiled.labels.tiers else None
    dissent = cfg.dissent_behaviour
    quiet = without_regime(sc, people, days, seed, dissent) if dissent is not None else None
    scenes = [
        _model_citizen(table, top),
        _caught(table, cfg),
        _silenced(table, dissent, days, quiet),
        _denied(table),
        _screen(table, int(data["metrics"]["ties_cut"][-1])),
    ]
    out = []
    for key, title, text, person, start, end in scenes:
        end = min(end, days - 1)
        lines = []
        if person is not None:
            lines = [[s, t] for s, t in life_days(table, person) if start <= s <= end]
            text = f"{_who(agents, person)} {text}"
        out.append({"key": key, "title": title, "text": text, "person": person,
                    "start": start, "end": end, "lines": lines})  # fmt: skip
    polls = sim.info().get("polls") or []
    out.append(_interview(polls, days))
    return {"town": data, "scenes": out, "polls": polls}


def _who(agents: pd.DataFrame, person: int) -> str:
    a = {str(k): v for k, v in agents.loc[person].to_dict().items()}
    bits = [str(a["group"])]
    if "age" in a and pd.notna(a["age"]):
        bits.append(f"{int(a['age'])} years old")
    if "female" in a and pd.notna(a["female"]):
        bits.append("a woman" if a["female"] else "a man")
    return f"Person {person} ({', '.join(bits)}; synthetic)"


def _model_citizen(table: pd.DataFrame, top: str | None) -> Scene:
    title = "The model citizen and the perks"
    paid = table[table["perk"] > 0]
    if paid.empty:
        return ("model_citizen", title, "Nobody in this town was paid a perk.", None, 0, 0)
    days_paid = paid.groupby("id").size().sort_values(ascending=False, kind="stable")
    person = int(days_paid.index[0])
    mine = table[table["id"] == person]
    given = mine[mine["perk"] > 0]
    tiers = ", ".join(f"'{words(str(t))}'" for t in given["tier"].astype(str).unique())
    top_days = int((mine["tier"].astype(str) == str(top)).sum()) if top is not None else 0
    last = table[table["step"] == table["step"].max()]
    ended = int((last["tier"].astype(str) == str(top)).sum()) if top is not None else 0
    text = (f"was paid a perk on {len(given)} days of the run, {given['perk'].sum():,.0f} CNY "
            f"in all, in the tier {tiers}; {top_days} of the run's days were spent in the "
            f"top tier, '{words(str(top))}'. Of the {len(last):,} people in the town, {ended:,} "
            "ended the run in that tier.")  # fmt: skip
    first = int(given["step"].min())
    return ("model_citizen", title, text, person, first, first + 30)


def _caught(table: pd.DataFrame, cfg: Any) -> Scene:
    title = "Caught"
    conduct = [b for b, beh in cfg.behaviours.items() if beh.kind == "conduct"]
    pairs = [(s, b) for s, src in cfg.sources.items() if src.informants is None
             for b in src.behaviours if b in conduct]  # fmt: skip
    if not pairs:
        return ("caught", title, "No source but informants watches conduct here.", None, 0, 0)
    for source, behaviour in pairs:
        hits = table[_has(table["seen_by"], f"{source}: {behaviour}") & _has(table["recorded"], behaviour)]  # fmt: skip
        if hits.empty:
            continue
        row = hits.sort_values(["step", "id"], kind="stable").iloc[0]
        person, step = int(row["id"]), int(row["step"])
        everyone = table[_has(table["recorded"], behaviour)]["id"].nunique()
        falsely = table[_has(table["recorded_falsely"], behaviour)]["id"].nunique()
        cost = cfg.scoring.points.get(behaviour)
        price = f"the point table charges {cost:+d} for it" if cost else "it costs no points here"
        text = (f"did {words(behaviour)} on day {step}, and {words(source)} saw it: {price}; the "
                f"day's score change was {int(row['points']):+d}, to {int(row['score'])}. Over "
                f"the run {everyone:,} people had {words(behaviour)} truly recorded, and "
                f"{falsely:,} had it recorded although they had not done it.")  # fmt: skip
        return ("caught", f"Caught: {words(behaviour)}, seen by {words(source)}", text, person, step, step + 14)  # fmt: skip
    watched = ", ".join(f"{words(b)} by {words(s)}" for s, b in pairs)
    return ("caught", title, f"Nothing was recorded of {watched} in this run.", None, 0, 0)


def _silenced(table: pd.DataFrame, dissent: str | None, days: int, quiet: pd.DataFrame | None) -> Scene:  # fmt: skip
    title = "The critic who falls silent"
    if dissent is None:
        return ("silenced", title, "This regime names no dissent behaviour.", None, 0, 0)
    if days < 8:
        return ("silenced", title, f"The run ({days} days) is too short to compare its first and last quarters.", None, 0, 0)  # fmt: skip
    q = days // 4
    did = _has(table["did"], dissent)
    steps = table["step"].to_numpy()
    early = table[did & (steps < q)].groupby("id").size()
    late = table[did & (steps >= days - q)].groupby("id").size()
    last = table[table["step"] == days - 1].set_index("id")["stance"]
    counts = pd.DataFrame({"early": early}).join(late.rename("late")).join(last.rename("stance"))
    counts = counts.fillna({"late": 0})
    counts = counts[counts["early"] >= 2]
    if counts.empty:
        return ("silenced", title, f"Nobody did {words(dissent)} twice in the first {q} days.", None, 0, 0)  # fmt: skip
    if (counts["stance"] < 0).any():  # one who still disapproves, if anyone
        counts = counts[counts["stance"] < 0]
    if quiet is not None:
        counts = counts.join(quiet["late"].rename("without"))
        counts["drop"] = counts["without"] - counts["late"]
        counts = counts.sort_values(["drop", "early"], ascending=[False, False], kind="stable")
    else:
        counts = counts.sort_values(["late", "early"], ascending=[True, False], kind="stable")
    person, row = int(counts.index[0]), counts.iloc[0]
    if quiet is not None and row["drop"] <= 0:
        return ("silenced", title, f"Nobody in this town did {words(dissent)} less in the last "
                f"{q} days than they would have without the regime.", None, 0, 0)  # fmt: skip
    view = "still disapproves" if row["stance"] < 0 else "does not disapprove"
    text = (f"did {words(dissent)} {int(row['early'])} times in days 0 to {q - 1} and "
            f"{int(row['late'])} times in days {days - q} to {days - 1}.")  # fmt: skip
    if quiet is not None:
        text += (f" In the same town without the regime (the same people and the same draws), "
                 f"this person would have done it {int(row['without'])} times in those last "
                 "days.")  # fmt: skip
    text += f" Privately, at the end, this person {view} (stance {row['stance']:+.2f}, below 0 is opposed)."  # fmt: skip
    return ("silenced", title, text, person, 0, q - 1)


def _denied(table: pd.DataFrame) -> Scene:
    title = "The blacklisted: what they may not do"
    listed = table[table["listed"]]["id"].unique()
    if not len(listed):
        return ("denied", title, "Nobody was on the list in this run.", None, 0, 0)
    denied = table[table["id"].isin(listed) & (table["denied"].astype(str) != "")]
    if denied.empty:
        return ("denied", title, "Nobody on the list was denied anything here.", None, 0, 0)
    person = int(denied.groupby("id").size().sort_values(ascending=False, kind="stable").index[0])  # fmt: skip
    mine = denied[denied["id"] == person]
    names = mine["denied"].astype(str).str.split(SEPARATOR).explode().value_counts()
    what = ", ".join(
        f"{words(str(n))} {c} {'time' if c == 1 else 'times'}" for n, c in names.items()
    )
    first = int(table[(table["id"] == person) & table["listed"]]["step"].min())
    text = (f"was on the list from day {first} and was denied {what}. "
            f"{len(listed):,} people were on the list at some time in the run.")  # fmt: skip
    return ("denied", title, text, person, first, int(mine["step"].max()))


def _screen(table: pd.DataFrame, cut: int) -> Scene:
    title = "Made public, and the neighbours"
    shown = table[table["shamed"]]
    if shown.empty:
        return ("screen", title, "Nobody was made public in this run.", None, 0, 0)
    lost = table[table["id"].isin(shown["id"].unique())].groupby("id")["ties_lost"].sum()
    lost = lost.sort_values(ascending=False, kind="stable")
    person, n = int(lost.index[0]), int(lost.iloc[0])
    step = int(shown[shown["id"] == person]["step"].min())
    text = (f"was made public on day {step} and lost {n} {'tie' if n == 1 else 'ties'} to "
            f"neighbours who cut them. In all, {shown['id'].nunique():,} people were made "
            f"public and {cut:,} {'tie was' if cut == 1 else 'ties were'} cut.")  # fmt: skip
    return ("screen", title, text, person, step, step + 30)


def _share(x: float) -> str:
    """A share as a percentage; a list estimate can leave 0 to 100% in a small sample."""
    return f"{x:.0%}" if 0 <= x <= 1 else f"{x:.0%} (outside 0 to 100%: the sample is small)"


def _interview(polls: list[dict[str, Any]], days: int) -> dict[str, Any]:
    title = "What people say, and what they think"
    scene: dict[str, Any] = {"key": "interview", "title": title, "person": None, "start": 0,
                             "end": 0, "lines": []}  # fmt: skip
    asked = [p for p in polls if p.get("asked")]
    for direct in (p for p in asked if p["design"] == "direct"):
        listing = next((p for p in asked if p["design"] == "list"
                        and p["question"] == direct["question"]), None)  # fmt: skip
        if listing is None:
            continue
        q = words(direct["question"])
        text = (f"On day {direct['day']} the town was asked about the {q}. Asked directly "
                f"({direct['mode']}), {_share(direct['estimate'])} said they support it "
                f"(95% interval {direct['low']:.0%} to {direct['high']:.0%}). Through a list "
                f"experiment, which never asks anyone for their own answer, the estimate is "
                f"{_share(listing['estimate'])} ({listing['low']:.0%} to {listing['high']:.0%}). "
                f"Privately, {direct['truth']:.0%} of those asked directly do.")  # fmt: skip
        return scene | {"text": text, "start": int(direct["day"]), "end": int(direct["day"]),
                        "polls": [direct["name"], listing["name"]]}  # fmt: skip
    later = [p for p in polls if not p.get("asked") and p["day"] >= days]
    if later:
        return scene | {"text": f"The run ends on day {days - 1}, before the polls are asked (day {min(p['day'] for p in later)}): run it longer to hear them."}  # fmt: skip
    return scene | {"text": "This regime asks no direct and list poll of one question."}
