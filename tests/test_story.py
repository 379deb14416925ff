"""The guided story (docs/seeing.md): each scene's person and numbers against the followed table, and the page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

import scoresim
from scoresim.explorer.app import create_app
from scoresim.results.life import life
from tests.browser import Watch, chromium, screenshot
from tests.servers import serve_app

PEOPLE, DAYS, SEED = 800, 365, 3  # a year: seed's polls ask on day 364
BODY = {"scenario": "seed", "people": PEOPLE, "days": DAYS, "seed": SEED, "overrides": {}}


@pytest.fixture(scope="module")
def told() -> dict[str, Any]:
    with TestClient(create_app(max_agents=5_000, max_steps=400)) as client:
        answer = client.post("/api/story", json=BODY)
        too_big = client.post("/api/story", json=BODY | {"people": 2_001})
    assert answer.status_code == 200, answer.text
    assert too_big.status_code == 422 and "at most 2,000" in too_big.json()["detail"]
    data: dict[str, Any] = answer.json()
    return data


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    result = scoresim.simulate("seed", agents=PEOPLE, steps=DAYS, seed=SEED, follow=PEOPLE)
    return result.followed


def scene(told: dict[str, Any], key: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in told["scenes"] if s["key"] == key)
    return found


def by_id(series: pd.Series) -> dict[int, float]:
    """A per-person series as a plain dict (id to value)."""
    return dict(zip(series.index.to_numpy().tolist(), series.to_numpy().tolist(), strict=True))


def names(cell: object) -> set[str]:
    return set(str(cell).split("; ")) - {""}


def test_every_scene_is_told_in_order(told: dict[str, Any]) -> None:
    keys = [s["key"] for s in told["scenes"]]
    assert keys == ["model_citizen", "caught", "silenced", "denied", "screen", "interview"]
    assert all(s["person"] is not None for s in told["scenes"][:5]), "seed should have them all"


def test_the_model_citizen_is_the_person_paid_a_perk_most_often(told: dict[str, Any], table: pd.DataFrame) -> None:  # fmt: skip
    s = scene(told, "model_citizen")
    paid = by_id(table[table["perk"] > 0].groupby("id").size())
    best = int(max(paid.values()))
    assert s["person"] == min(i for i, n in paid.items() if n == best)  # lowest id on a tie
    mine = table[table["id"] == s["person"]]
    total = mine["perk"].sum()
    top_days = int((mine["tier"] == "model_citizen").sum())
    ended = int((table[table["step"] == DAYS - 1]["tier"] == "model_citizen").sum())
    assert f"was paid a perk on {best} days of the run, {total:,.0f} CNY in all" in s["text"]
    assert f"{top_days} of the run's days were spent in the top tier" in s["text"]
    assert f"{ended:,} ended the run in that tier" in s["text"]


def test_the_camera_scene_is_the_first_camera_record(told: dict[str, Any], table: pd.DataFrame) -> None:  # fmt: skip
    s = scene(told, "caught")
    rows = [(r.step, r.id) for r in table.itertuples()
            if "street_cameras: jaywalk" in names(r.seen_by) and "jaywalk" in names(r.recorded)]  # fmt: skip
    step, person = min(rows)
    assert (s["person"], s["start"]) == (person, step)
    assert (
        f"did jaywalk on day {step}, and street cameras saw it: the point table charges -5"
        in s["text"]
    )
    assert s["title"] == "Caught: jaywalk, seen by street cameras"


def test_the_critic_is_the_one_the_regime_silenced_most(told: dict[str, Any], table: pd.DataFrame) -> None:  # fmt: skip
    """Against the same town without the regime: baseline, same people, same seed."""
    s = scene(told, "silenced")
    q = DAYS // 4
    base = scoresim.simulate("baseline", agents=PEOPLE, steps=DAYS, seed=SEED, follow=PEOPLE).followed  # fmt: skip

    def acts(t: pd.DataFrame, lo: int, hi: int) -> pd.Series:
        spoke = t[[("criticise_government" in names(c)) for c in t["did"]]]
        return spoke[(spoke["step"] >= lo) & (spoke["step"] < hi)].groupby("id").size()

    early, late = by_id(acts(table, 0, q)), by_id(acts(table, DAYS - q, DAYS))
    without = by_id(acts(base, DAYS - q, DAYS))
    stance = by_id(table[table["step"] == DAYS - 1].set_index("id")["stance"])
    fit = [i for i, n in early.items() if n >= 2]
    opposed = [i for i in fit if stance[i] < 0] or fit
    drop = {i: int(without.get(i, 0)) - int(late.get(i, 0)) for i in opposed}
    best = max((drop[i], int(early[i]), -i) for i in opposed)
    assert s["person"] == -best[2]
    p = s["person"]
    assert (f"{int(early[p])} times in days 0 to {q - 1} and {int(late.get(p, 0))} times in "
            f"days {DAYS - q} to {DAYS - 1}") in s["text"]  # fmt: skip
    assert f"would have done it {int(without.get(p, 0))} times" in s["text"]
    assert f"stance {stance[p]:+.2f}" in s["text"]


def test_the_denied_and_the_screen_scenes_choose_by_their_rules(told: dict[str, Any], table: pd.DataFrame) -> None:  # fmt: skip
    d = scene(told, "denied")
    listed = set(table[table["listed"]]["id"])
    days_denied = by_id(table[table["id"].isin(listed) & (table["denied"] != "")].groupby("id").size())  # fmt: skip
    best = max(days_denied.values())
    assert d["person"] == min(i for i, n in days_denied.items() if n == best)
    mine = table[table["id"] == d["person"]]
    counts: dict[str, int] = {}
    for cell in mine["denied"]:
        for name in names(cell):
            counts[name] = counts.get(name, 0) + 1
    for name, n in counts.items():
        assert f"{name.replace('_', ' ')} {n} {'time' if n == 1 else 'times'}" in d["text"]
    assert f"on the list from day {int(mine[mine['listed']]['step'].min())}" in d["text"]
    assert f"{len(listed):,} people were on the list at some time" in d["text"]
    sc = scene(told, "screen")
    shown = set(table[table["shamed"]]["id"])
    lost = by_id(table[table["id"].isin(shown)].groupby("id")["ties_lost"].sum())
    most = max(lost.values())
    assert sc["person"] == min(i for i, n in lost.items() if n == most)
    mine = table[table["id"] == sc["person"]]
    assert f"made public on day {int(mine[mine['shamed']]['step'].min())}" in sc["text"]
    assert f"lost {int(most)} ties" in sc["text"]
    cut = arr_cut(told)
    assert f"{len(shown):,} people were made public and {cut:,} ties were cut" in sc["text"]
    assert all(s["end"] <= DAYS - 1 for s in told["scenes"])


def arr_cut(told: dict[str, Any]) -> int:
    """Ties cut in the run, counted from the town's own per-tie record."""
    import base64

    import numpy as np

    cut = np.frombuffer(base64.b64decode(told["town"]["cut"]), dtype="<i2")
    return int((cut >= 0).sum())


def test_a_regime_without_the_parts_says_why_nobody_lives_a_scene() -> None:
    with TestClient(create_app(max_agents=5_000, max_steps=400)) as client:
        base = client.post("/api/story", json=BODY | {"scenario": "baseline", "people": 300, "days": 100}).json()  # fmt: skip
        short = client.post("/api/story", json=BODY | {"people": 300, "days": 5}).json()
    texts = {s["key"]: s["text"] for s in base["scenes"]}
    assert texts["model_citizen"] == "Nobody in this town was paid a perk."
    assert texts["caught"] == "No source but informants watches conduct here."
    assert texts["denied"] == "Nobody was on the list in this run."
    assert texts["screen"] == "Nobody was made public in this run."
    assert all(base["scenes"][k]["person"] is None for k in (0, 1, 3, 4, 5))
    texts = {s["key"]: s["text"] for s in short["scenes"]}
    assert (
        texts["silenced"] == "The run (5 days) is too short to compare its first and last quarters."
    )
    assert texts["interview"].startswith(
        "The run ends on day 4, before the polls are asked (day 364)"
    )
    assert all(s["end"] <= 4 for s in short["scenes"])


def test_the_interview_is_the_runs_direct_and_list_polls(told: dict[str, Any]) -> None:
    s = scene(told, "interview")
    polls = {p["name"]: p for p in told["polls"]}
    direct, listed = (polls[n] for n in s["polls"])
    assert (direct["design"], listed["design"]) == ("direct", "list")
    assert f"{direct['estimate']:.0%} said they support it" in s["text"]
    assert f"the estimate is {listed['estimate']:.0%}" in s["text"]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve_app(create_app(max_agents=5_000, max_steps=400)) as url:
        yield url


@pytest.mark.parametrize("width", [900, 390])
def test_the_story_page_plays_a_scene_and_leads_to_the_same_town(server: str, table: pd.DataFrame, width: int) -> None:  # fmt: skip
    query = f"scenario=seed&people={PEOPLE}&days={DAYS}&seed={SEED}"
    with chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": 1000})
        watch = Watch(page)
        page.goto(f"{server}/story?{query}")
        page.wait_for_selector("body[data-state=ready]", timeout=60_000)
        assert page.locator("section.scene").count() == 6
        s = page.evaluate("storyPage.scenes[1]")
        before = page.evaluate("document.querySelector('#scene-caught canvas').toDataURL()")
        page.click("#scene-caught button")
        page.wait_for_selector("#scene-caught[data-played]", timeout=30_000)
        assert page.evaluate("document.querySelector('#scene-caught canvas').toDataURL()") != before
        shown = page.locator("#scene-caught li").all_inner_texts()
        assert shown and shown == life(table, s["person"], up_to=s["end"], since=s["start"])
        assert page.inner_text("#scene-caught .day") == f"day {s['end']}"
        screenshot(page, f"story-{width}.png")
        page.click("#to-town")
        page.wait_for_selector("body[data-state=ready][data-built]", timeout=60_000)
        assert f"people={PEOPLE}" in page.url and f"seed={SEED}" in page.url
        assert page.inner_text("#day-label") == f"day {DAYS - 1} of {DAYS}"
        assert not watch.errors
        assert all(r.startswith(server) for r in watch.requests)
