"""The explorer's town (docs/seeing.md): its data against a run in Python, and its page in Chromium."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

import scoresim
from scoresim.config.loading import load_scenario
from scoresim.explorer import town
from scoresim.explorer.app import create_app
from scoresim.results.life import life, life_days
from tests.browser import Watch, chromium, screenshot
from tests.servers import serve_app
from tests.test_life import QUIET_LINES, quiet_table

PEOPLE, DAYS, SEED = 600, 120, 5
OVERRIDES: dict[str, Any] = {"blacklist.threshold": 990}
BODY = {"scenario": "seed", "people": PEOPLE, "days": DAYS, "seed": SEED, "overrides": OVERRIDES}


def arr(data: dict[str, Any], key: str, dtype: Any, shape: tuple[int, ...]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(data[key]), dtype=np.dtype(dtype).newbyteorder("<")).reshape(shape)  # fmt: skip


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    with TestClient(create_app(max_agents=5_000, max_steps=400)) as client:
        answer = client.post("/api/town", json=BODY)
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


def test_every_frame_is_the_state_after_that_many_steps(built: dict[str, Any]) -> None:
    """Frame d is the evening of step d - 1: checked against a Simulation stepped by hand."""
    tier = arr(built, "tier", np.uint8, (DAYS + 1, PEOPLE))
    score = arr(built, "score", np.int16, (DAYS + 1, PEOPLE))
    flags = arr(built, "flags", np.uint8, (DAYS + 1, PEOPLE))
    ties = arr(built, "ties", np.int32, (-1, 2))
    cut = arr(built, "cut", np.int16, (-1,))
    sim = scoresim.Simulation("seed", agents=PEOPLE, seed=SEED, overrides=OVERRIDES)
    for d in range(DAYS + 1):
        if d:
            sim.step()
        st = sim.state
        np.testing.assert_array_equal(tier[d], st.tier)
        np.testing.assert_array_equal(score[d], st.score)
        listed = st.listed_until > st.step
        np.testing.assert_array_equal(flags[d] & town.LISTED > 0, listed)
        np.testing.assert_array_equal(flags[d] & town.WRONGLY > 0, listed & st.listed_wrongly)
        np.testing.assert_array_equal(flags[d] & town.PUBLIC > 0, st.shamed)
        if d:
            ev = sim.events
            assert ev is not None
            np.testing.assert_array_equal(flags[d] & town.MADE_PUBLIC > 0, ev.newly_shamed)
            np.testing.assert_array_equal(flags[d] & town.DENIED > 0, ev.denied_any)
        net = sim.network()
        standing = {(int(u), int(v)) for u, v, a in net.itertuples(index=False) if a}
        drawn = {(int(u), int(v)) for (u, v), c in zip(ties, cut, strict=True) if c < 0 or c >= d}
        assert drawn == standing
    assert flags[:, :].any() and (cut >= 0).any(), "the town should list someone and cut a tie"
    assert built["metrics"]["listed"] == [int(x) for x in (flags & town.LISTED > 0).sum(axis=1)]
    assert built["metrics"]["public"] == [int(x) for x in (flags & town.PUBLIC > 0).sum(axis=1)]
    assert built["metrics"]["ties_cut"][-1] == int((cut >= 0).sum()) == sim.state.ties_cut
    # each cut tie is the listed person's: per person, as many as their ties_lost
    loser = arr(built, "loser", np.int32, (-1,))
    assert ((cut >= 0) == (loser >= 0)).all()
    np.testing.assert_array_equal(np.bincount(loser[loser >= 0], minlength=PEOPLE), sim.state.ties_lost)  # fmt: skip


def test_a_persons_life_is_their_followed_days() -> None:
    sc = load_scenario("seed").with_overrides(OVERRIDES, label="overrides")
    result = scoresim.simulate(sc, agents=PEOPLE, steps=DAYS, seed=SEED, follow=[17])
    got = town.life_of(sc, PEOPLE, DAYS, SEED, 17)
    assert got["lines"] == [[s, line] for s, line in life_days(result.followed, 17)]
    assert got["lines"], "person 17 should live through something in 120 days"


def test_the_screen_is_who_was_made_public_and_their_last_record(built: dict[str, Any]) -> None:
    """Checked against the followed table (docs/model.md section 8) of the same run."""
    screen = built["screen"]
    assert screen, "someone should be made public in 120 days"
    people = sorted({s["person"] for s in screen})
    sc = load_scenario("seed").with_overrides(OVERRIDES, label="overrides")
    table = scoresim.simulate(sc, agents=PEOPLE, steps=DAYS, seed=SEED, follow=people).followed
    shamed = table[table["shamed"]]
    assert [(s["step"], s["person"]) for s in screen] == sorted(zip(shamed["step"], shamed["id"], strict=True))  # fmt: skip
    for s in screen:
        mine = table[(table["id"] == s["person"]) & (table["step"] <= s["step"])]
        marked = mine[(mine["recorded"] != "") | (mine["recorded_falsely"] != "")]
        last = marked.iloc[-1] if len(marked) else None
        for column in ("recorded", "recorded_falsely"):
            want = [] if last is None or not last[column] else str(last[column]).split("; ")
            assert sorted(s[column]) == sorted(want), (s, column)


def test_the_town_stands_by_groups_with_ring_neighbours_side_by_side() -> None:
    bounds = np.array([0, 700, 1000, 1000, 1300])  # the third group is empty
    xy = town.layout(bounds)
    assert xy.shape == (1300, 2) and (xy >= 0).all() and (xy <= 1).all()
    spans = []
    for g in (0, 1, 3):
        a, b = bounds[g], bounds[g + 1]
        x = xy[a:b, 0]
        cell = np.sqrt(float(np.ptp(x)) / (b - a))  # a cell's side in a district 1 high
        step = np.hypot(*np.diff(xy[a:b], axis=0).T)
        assert step.max() <= 1.5 * cell, g  # the next id always stands next door
        spans.append((float(x.min()), float(x.max())))
    # districts side by side, in group order, apart
    assert all(hi < lo for (_, hi), (lo, _) in itertools.pairwise(spans))


def test_a_town_too_big_or_a_stranger_is_refused_in_one_line() -> None:
    with TestClient(create_app(max_agents=5_000, max_steps=400)) as client:
        big = client.post("/api/town", json=BODY | {"people": 5_001})
        assert big.status_code == 422 and big.json()["detail"][0]["loc"] == ["body", "people"]
        nobody = client.post("/api/town/person", json=BODY | {"person": PEOPLE})
        assert nobody.status_code == 422
        assert nobody.json()["detail"] == "person: must be below people (ids start at 0)"
        extra = client.post("/api/town", json=BODY | {"agents": 3})
        assert extra.status_code == 422 and "send only" in extra.json()["detail"][0]["msg"]


# --- the page in Chromium ---------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve_app(create_app(max_agents=5_000, max_steps=400)) as url:
        yield url


def open_town(browser: Any, url: str, query: str, width: int = 1200) -> tuple[Any, Watch]:
    page = browser.new_page(viewport={"width": width, "height": 1000})
    watch = Watch(page)
    page.goto(f"{url}/town?{query}")
    page.wait_for_selector("body[data-state=ready]", timeout=60_000)
    return page, watch


def picture(page: Any) -> str:
    """A hash of what the canvas shows."""
    data: str = page.evaluate("document.getElementById('town').toDataURL()")
    return hashlib.sha256(data.encode()).hexdigest()


QUERY = f"scenario=seed&people={PEOPLE}&days={DAYS}&seed={SEED}&o.blacklist.threshold=990"


def test_play_pause_step_and_reset_change_what_is_drawn(server: str) -> None:
    with chromium() as browser:
        page, watch = open_town(browser, server, QUERY + "&day=0")
        assert page.inner_text("#day-label") == "start (before day 0)"
        start = picture(page)
        page.click("#step")
        assert page.inner_text("#day-label") == f"day 0 of {DAYS}"
        page.fill("#scrub", "60")
        page.dispatch_event("#scrub", "input")
        later = picture(page)
        assert later != start
        page.select_option("#speed", "60")
        page.click("#play")
        page.wait_for_function(
            f"document.getElementById('scrub').value == '{DAYS}'", timeout=30_000
        )
        assert page.inner_text("#play") == "Play"  # it stopped by itself at the end
        page.click("#reset")
        assert page.inner_text("#day-label") == "start (before day 0)" and picture(page) == start
        page.click("#play")
        page.wait_for_function("Number(document.getElementById('scrub').value) > 5", timeout=30_000)
        page.click("#play")  # pause
        paused = page.evaluate("document.getElementById('scrub').value")
        page.wait_for_timeout(500)
        assert page.evaluate("document.getElementById('scrub').value") == paused
        assert not watch.errors
        assert all(r.startswith(server) for r in watch.requests)


@pytest.mark.parametrize("width", [1200, 390])
def test_a_clicked_person_shows_their_followed_days_and_the_url_restores_it(server: str, width: int) -> None:  # fmt: skip
    sc = load_scenario("seed").with_overrides(OVERRIDES, label="overrides")
    table = scoresim.simulate(sc, agents=PEOPLE, steps=DAYS, seed=SEED, follow=PEOPLE).followed
    day = 90
    with chromium() as browser:
        page, watch = open_town(browser, server, QUERY + f"&day={day}", width)
        box = page.locator("#town").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width  # no sideways scrolling
        page.click("#town", position={"x": box["width"] * 0.3, "y": box["height"] * 0.4})
        page.wait_for_function("document.getElementById('who').textContent.includes('day by day')")
        person = int(page.evaluate("new URLSearchParams(location.search).get('person')"))
        shown = page.locator("#life li").all_inner_texts()
        assert shown and shown == life(table, person, up_to=day - 1)
        # the page words quiet days as Python does, on a hand-made life too
        days = [[s, line] for s, line in life_days(quiet_table(), 1)]
        assert page.evaluate(f"merged({json.dumps(days)})") == QUIET_LINES
        screenshot(page, f"town-person-{width}.png")
        # The URL alone gives the same day, person, knobs and picture.
        again, _ = open_town(browser, server, page.evaluate("location.search").lstrip("?"), width)
        again.wait_for_function("document.getElementById('who').textContent.includes('day by day')")
        assert again.inner_text("#day-label") == page.inner_text("#day-label")
        assert again.locator("#life li").all_inner_texts() == shown
        assert again.input_value("#knob-blacklist_threshold") == "990"
        assert picture(again) == picture(page)
        assert not watch.errors


def test_the_screen_shows_who_is_on_it_that_day_new_ones_first(server: str) -> None:
    with chromium() as browser:
        page, watch = open_town(browser, server, QUERY + f"&day={DAYS}")
        on = int(page.inner_text("#n-screen"))
        assert on > 0
        head = page.inner_text(".screen-head")
        assert head.startswith("SIMULATED") and f"{on} listed {'person' if on == 1 else 'people'} made public" in head  # fmt: skip
        cards = page.locator(".screen-card")
        assert cards.count() == min(on, 8)
        flags = page.evaluate(
            "(() => { const p = townPage.picture, d = townPage.day;"
            " return Array.from(document.querySelectorAll('.screen-card'),"
            " c => p.flags[d * p.n + Number(c.dataset.person)]); })()"
        )
        assert all(f & town.PUBLIC for f in flags)
        new = [bool(f & town.MADE_PUBLIC) for f in flags]
        assert new == sorted(new, reverse=True)  # made public today come first
        assert page.locator(".screen-card canvas.avatar").count() == cards.count()
        screenshot(page, "town-screen.png")
        assert not watch.errors


def test_a_knob_from_a_url_is_held_to_its_range_and_said(server: str) -> None:
    with chromium() as browser:
        page, watch = open_town(browser, server, QUERY.replace("=990", "=99999") + "&day=3")
        assert page.input_value("#knob-blacklist_threshold") == "1300"
        assert "99999 is outside 0 to 1300; set to 1300" in page.inner_text("#status")
        assert not watch.errors


def test_towns_share_the_runs_threads_and_queue() -> None:
    """One slot and no queue: a town waits for nothing and is refused while a run computes."""
    with TestClient(create_app(max_agents=40_000, max_steps=600, running=1, queued=0)) as client:
        run = client.post("/api/runs", json={"scenario": "seed", "agents": 40_000, "steps": 600})
        assert run.status_code == 202
        refused = client.post("/api/town", json=BODY)
        assert refused.status_code == 429
        assert refused.json()["detail"] == "1 run is queued or running; try again when one ends"
    with TestClient(create_app(max_agents=5_000, max_steps=400, running=1, queued=0)) as client:
        assert client.post("/api/town", json=BODY).status_code == 200  # the slot is free again


def test_a_run_is_refused_while_a_town_holds_the_only_slot() -> None:
    import threading

    from scoresim.explorer.runs import QueueFullError, RunManager

    manager = RunManager(running=1, queued=0)
    started, release = threading.Event(), threading.Event()

    def town_work() -> int:
        started.set()
        release.wait(30)
        return 7

    got: list[int] = []
    waiter = threading.Thread(target=lambda: got.append(manager.call(town_work)))
    waiter.start()
    assert started.wait(30)
    with pytest.raises(QueueFullError, match="1 town is queued or running"):
        manager.submit(load_scenario("seed"), 1000, 5, 0, {})
    release.set()
    waiter.join(30)
    assert got == [7] and manager.calls == 0
    manager.shutdown()


def test_a_town_asked_of_a_stopping_server_is_refused_not_a_crash() -> None:
    from scoresim.explorer.runs import CancelledError, RunManager

    manager = RunManager(running=1, queued=0)
    manager.shutdown()
    with pytest.raises(CancelledError, match="shutting down"):
        manager.call(lambda: 1)
    assert manager.calls == 0
