"""The guided story: the article's scenes, each told through one synthetic person of a town.

:func:`story` runs a town following everyone (at most :data:`MAX_PEOPLE`), picks each
scene's person by a rule written here and in docs/seeing.md, and words the scene from
that run's numbers: nothing in a scene's text is typed in advance. A regime without a
scene's part (no perks, no list, no shaming, no direct and list poll of one question)
gets a sentence saying that nobody in it lives that scene.

Scenes (a person is chosen among those that fit, the first by id on a tie):

- ``model_citizen``: in the top tier on the last day, the most days paid a perk;
- ``caught``: the earliest record by a source other than informants of a conduct
  behaviour the person did that day;
- ``silenced``: did the dissent behaviour at least twice in the first quarter of the
  run and least often in the last quarter (most early acts on a tie), among those whose
  stance on the last day is below 0 if there are any;
- ``denied``: ever listed, the most days denied an opportunity;
- ``screen``: made public, the most ties lost;
- ``interview``: no person; a direct poll and a list poll of one question, with the
  truth among their respondents.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from scoresim.config.loading import Scenario
from scoresim.core import threads
from scoresim.explorer import town
from scoresim.results.life import SEPARATOR, life_days

MAX_PEOPLE = 2_000
"""A story follows everyone: 2 000 people over a year is a table of about 45 MB."""


def _w(name: str) -> str:
    return name.replace("_", " ")


def _has(column: pd.Series, name: str) -> pd.Series:
    """Rows whose list cell ("a; b") holds ``name``."""
    return column.astype(str).str.split(SEPARATOR).apply(lambda names: name in names)


def story(sc: Scenario, people: int, days: int, seed: int) -> dict[str, Any]:
    """The town of ``sc`` and its scenes.

    Returns:
        ``town`` (as :func:`scoresim.explorer.town.build` gives it) and ``scenes``: each
        with ``key``, ``title``, ``text``, ``person`` (an id, or None), ``start`` and
        ``end`` (the steps the scene plays) and ``lines`` ([step, text] of the person's
        days within them); and ``polls``, the run's polls as ``run.json`` has them.
    """
    data, sim = town.run(sc, people, days, seed, follow=people)
    with threads.compiled_threads(1):
        table = sim.followed()
    agents = sim.agents().set_index("id")
    cfg = sc.config
    top = sim.compiled.labels.tiers[-1] if sim.compiled.labels.tiers else None
    scenes = [
        _model_citizen(table, top),
        _caught(table, cfg),
        _silenced(table, cfg.dissent_behaviour, days),
        _denied(table),
        _screen(table),
    ]
    out = []
    for key, title, text, person, start, end in scenes:
        lines = []
        if person is not None:
            lines = [[s, t] for s, t in life_days(table, person) if start <= s <= end]
            text = f"{_who(agents, person)} {text}"
        out.append({"key": key, "title": title, "text": text, "person": person,
                    "start": start, "end": end, "lines": lines})  # fmt: skip
    polls = sim.info().get("polls") or []
    out.append(_interview(polls))
    return {"town": data, "scenes": out, "polls": polls}


Scene = tuple[str, str, str, int | None, int, int]


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
    last = table[table["step"] == table["step"].max()]
    best = last[last["tier"] == top]["id"] if top is not None else last["id"].iloc[:0]
    paid = table[table["id"].isin(best) & (table["perk"] > 0)].groupby("id")["perk"].agg(["count", "sum"])  # fmt: skip
    if paid.empty:
        return ("model_citizen", title, "Nobody in this town was paid a perk.", None, 0, 0)
    paid = paid.sort_values("count", ascending=False, kind="stable")
    person, n, total = int(paid.index[0]), int(paid["count"].iloc[0]), float(paid["sum"].iloc[0])
    days = int(((table["id"] == person) & (table["tier"] == top)).sum())
    mine = table[(table["id"] == person) & (table["perk"] > 0)]["step"]
    text = (f"spent {days} days of the run in the top tier, '{_w(str(top))}', and was paid a "
            f"perk on {n} of them, {total:,.0f} CNY in all. Of the {last.shape[0]:,} people "
            f"in the town, {len(best):,} ended the run in that tier.")  # fmt: skip
    return ("model_citizen", title, text, person, int(mine.min()), int(mine.min()) + 30)


def _caught(table: pd.DataFrame, cfg: Any) -> Scene:
    title = "Caught on camera"
    conduct = [b for b, beh in cfg.behaviours.items() if beh.kind == "conduct"]
    pairs = [f"{s}: {b}" for s, src in cfg.sources.items() if src.informants is None
             for b in src.behaviours if b in conduct]  # fmt: skip
    for pair in pairs:
        source, behaviour = pair.split(": ")
        hits = table[_has(table["seen_by"], pair) & _has(table["recorded"], behaviour)]
        if hits.empty:
            continue
        row = hits.sort_values(["step", "id"], kind="stable").iloc[0]
        person, step = int(row["id"]), int(row["step"])
        everyone = table[_has(table["recorded"], behaviour)]["id"].nunique()
        falsely = table[_has(table["recorded_falsely"], behaviour)]["id"].nunique()
        text = (f"did {_w(behaviour)} on day {step}, and {_w(source)} saw it: "
                f"{int(row['points']):+d} points, a score of {int(row['score'])}. Over the run "
                f"{everyone:,} people had {_w(behaviour)} truly recorded, and {falsely:,} had it "
                "recorded although they had not done it.")  # fmt: skip
        return ("caught", title, text, person, step, step + 14)
    return ("caught", title, "No source but informants watches conduct here.", None, 0, 0)


def _silenced(table: pd.DataFrame, dissent: str | None, days: int) -> Scene:
    title = "The critic who falls silent"
    if dissent is None or days < 8:
        return ("silenced", title, "This regime names no dissent behaviour.", None, 0, 0)
    q = days // 4
    did = _has(table["did"], dissent)
    early = table[did & (table["step"] < q)].groupby("id").size()
    late = table[did & (table["step"] >= days - q)].groupby("id").size()
    counts = pd.DataFrame({"early": early}).join(late.rename("late")).fillna(0)
    counts = counts[counts["early"] >= 2]
    if counts.empty:
        return ("silenced", title, f"Nobody did {_w(dissent)} twice in the first {q} days.", None, 0, 0)  # fmt: skip
    last = table[table["step"] == table["step"].max()].set_index("id")["stance"]
    counts = counts.join(last.rename("stance"))
    if (counts["stance"] < 0).any():  # one who still disapproves, if anyone
        counts = counts[counts["stance"] < 0]
    counts = counts.sort_values(["late", "early"], ascending=[True, False], kind="stable")
    person = int(counts.index[0])
    stance = float(counts["stance"].iloc[0])
    view = "still disapproves" if stance < 0 else "does not disapprove"
    text = (f"did {_w(dissent)} {int(counts.iloc[0]['early'])} times in days 0 to {q - 1} "
            f"and {int(counts.iloc[0]['late'])} times in days {days - q} to {days - 1}. "
            f"Privately, at the end, this person {view} (stance {stance:+.2f}, below 0 "
            "is opposed).")  # fmt: skip
    return ("silenced", title, text, person, 0, q - 1)


def _denied(table: pd.DataFrame) -> Scene:
    title = "The blacklisted: what they may not do"
    listed = table[table["listed"]]["id"].unique()
    denied = table[table["id"].isin(listed) & (table["denied"].astype(str) != "")]
    if denied.empty:
        return ("denied", title, "Nobody on the list was denied anything here.", None, 0, 0)
    person = int(denied.groupby("id").size().sort_values(ascending=False, kind="stable").index[0])  # fmt: skip
    mine = denied[denied["id"] == person]
    names = mine["denied"].astype(str).str.split(SEPARATOR).explode().value_counts()
    what = ", ".join(f"{_w(str(n))} {c} {'time' if c == 1 else 'times'}" for n, c in names.items())
    first = int(table[(table["id"] == person) & table["listed"]]["step"].min())
    text = (f"was on the list from day {first} and was denied {what}. "
            f"{len(listed):,} people were on the list at some time in the run.")  # fmt: skip
    return ("denied", title, text, person, first, int(mine["step"].max()))


def _screen(table: pd.DataFrame) -> Scene:
    title = "On the screen, and the neighbours"
    shown = table[table["shamed"]]
    if shown.empty:
        return ("screen", title, "Nobody was made public in this regime.", None, 0, 0)
    lost = table[table["id"].isin(shown["id"].unique())].groupby("id")["ties_lost"].sum()
    person = int(lost.sort_values(ascending=False, kind="stable").index[0])
    step = int(shown[shown["id"] == person]["step"].min())
    text = (f"was made public on day {step} and lost {int(lost.loc[person])} ties to "
            f"neighbours who cut them. In all, {shown['id'].nunique():,} people were made "
            f"public and {int(table['ties_lost'].sum()) // 2:,} ties were cut.")  # fmt: skip
    return ("screen", title, text, person, step, step + 30)


def _interview(polls: list[dict[str, Any]]) -> dict[str, Any]:
    title = "What people say, and what they think"
    asked = [p for p in polls if p.get("asked")]
    for direct in (p for p in asked if p["design"] == "direct"):
        listing = next((p for p in asked if p["design"] == "list"
                        and p["question"] == direct["question"]), None)  # fmt: skip
        if listing is None:
            continue
        q = _w(direct["question"])
        text = (f"On day {direct['day']} the town was asked about the {q}. Asked directly "
                f"({direct['mode']}), {direct['estimate']:.0%} said they support it "
                f"(95% interval {direct['low']:.0%} to {direct['high']:.0%}). Through a list "
                f"experiment, which never asks anyone for their own answer, the estimate is "
                f"{listing['estimate']:.0%} ({listing['low']:.0%} to {listing['high']:.0%}). "
                f"Privately, {direct['truth']:.0%} of those asked directly do.")  # fmt: skip
        return {"key": "interview", "title": title, "text": text, "person": None,
                "start": int(direct["day"]), "end": int(direct["day"]), "lines": [],
                "polls": [direct["name"], listing["name"]]}  # fmt: skip
    return {"key": "interview", "title": title, "person": None, "start": 0, "end": 0,
            "lines": [], "text": "This regime asks no direct and list poll of one question."}  # fmt: skip
