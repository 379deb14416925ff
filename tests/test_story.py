"""The guided story (docs/seeing.md): each scene's person and numbers against the followed table, and the page."""

from __future__ import annotations

import re
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


def names(cell: object) -> set[str]:
    return set(str(cell).split("; ")) - {""}


def test_every_scene_is_told_in_order(told: dict[str, Any]) -> None:
    keys = [s["key"] for s in told["scenes"]]
    assert keys == ["model_citizen", "caught", "silenced", "denied", "screen", "interview"]
    assert all(s["person"] is not None for s in told["scenes"][:5]), "seed should have them all"


def test_the_model_citizen_is_the_top_tier_person_paid_most_often(told: dict[str, Any], table: pd.DataFrame) -> None:  # fmt: skip
    s = scene(told, "model_citizen")
    last = table[table["step"] == DAYS - 1]
    top = set(last[last["tier"] == "model_citizen"]["id"])
    days_paid = {i: int(((table["id"] == i) & (table["perk"] > 0)).sum()) for i in top}
    assert s["person"] in top and days_paid[s["person"]] == max(days_paid.values())
    total = table[(table["id"] == s["person"])]["perk"].sum()
    assert f"a perk on {days_paid[s['person']]} of them, {total:,.0f} CNY in all" in s["text"]
    assert f"{len(top):,} ended the run in that tier" in s["text"]


def test_the_camera_scene_is_the_first_camera_record(told: dict[str, Any], table: pd.DataFrame) -> None:  # fmt: skip
    s = scene(told, "caught")
    rows = [(r.step, r.id) for r in table.itertuples()
            if "street_cameras: jaywalk" in names(r.seen_by) and "jaywalk" in names(r.recorded)]  # fmt: skip
    step, person = min(rows)
    assert (s["person"], s["start"]) == (person, step)
    assert f"did jaywalk on day {step}, and street cameras saw it" in s["text"]


def test_the_critic_spoke_early_and_fell_silent(told: dict[str, Any], table: pd.DataFrame) -> None:  # fmt: skip
    s = scene(told, "silenced")
    q = DAYS // 4
    mine = table[table["id"] == s["person"]]
    spoke = mine[[("criticise_government" in names(c)) for c in mine["did"]]]["step"]
    early, late = int((spoke < q).sum()), int((spoke >= DAYS - q).sum())
    assert early >= 2
    assert f"{early} times in days 0 to {q - 1} and {late} times" in s["text"]
    m = re.search(r"stance ([+-]\d\.\d\d)", s["text"])
    assert m is not None
    assert float(m.group(1)) == pytest.approx(float(mine["stance"].iloc[-1]), abs=0.005)


def test_the_denied_and_the_screen_scenes_match_the_table(told: dict[str, Any], table: pd.DataFrame) -> None:  # fmt: skip
    d = scene(told, "denied")
    mine = table[table["id"] == d["person"]]
    assert mine["listed"].any()
    counts: dict[str, int] = {}
    for cell in mine["denied"]:
        for name in names(cell):
            counts[name] = counts.get(name, 0) + 1
    assert counts
    for name, n in counts.items():
        assert f"{name.replace('_', ' ')} {n} {'time' if n == 1 else 'times'}" in d["text"]
    sc = scene(told, "screen")
    mine = table[table["id"] == sc["person"]]
    assert mine["shamed"].any()
    assert f"made public on day {int(mine[mine['shamed']]['step'].min())}" in sc["text"]
    assert f"lost {int(mine['ties_lost'].sum())} ties" in sc["text"]


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
