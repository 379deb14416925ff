"""The explorer's page in Chromium: a refusal stays said, and knobs keep to their range.

Issue 23: when the server refused B and accepted A, A's progress overwrote B's refusal
and the status then stuck at A's last count; a knob took any number (-300 points where
the page offers -200 to 0). Both fail on c99c8c3.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from scoresim.config.loading import Scenario, builtin_names, load_scenario
from scoresim.explorer.app import create_app
from scoresim.explorer.knobs import knobs
from tests.servers import serve_app, start_serve

RED = "rgb(187, 0, 0)"  # .error's colour


@pytest.fixture
def one_slot() -> Iterator[str]:
    """A real explorer that computes one run at a time and queues none."""
    with serve_app(create_app(max_agents=40_000, max_steps=600, running=1, queued=0)) as url:
        yield url


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    url, proc = start_serve("--max-agents", "20000", "--max-steps", "400",
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def drawn(page: Any, side: int) -> int:
    """How many days of a side the page has drawn."""
    n: int = page.evaluate(f"document.getElementById('chart-listed').data[{side}].x.length")
    return n


def colour(page: Any, selector: str) -> str | None:
    """The text colour of the element, if there is one."""
    found: str | None = page.evaluate(
        f"(e => e ? getComputedStyle(e).color : null)(document.querySelector({selector!r}))"
    )
    return found


def test_a_refusal_of_b_stays_said_while_a_runs_and_after(one_slot: str) -> None:
    """The server takes A and refuses B (no room for a second run): B's refusal stays."""
    from tests.browser import chromium, explorer_page, screenshot

    url, steps = one_slot, 600  # long enough to be seen running (3 s or more)
    with chromium() as browser:
        page, watch = explorer_page(browser, url)
        page.fill("#agents", "40000")
        page.fill("#steps", str(steps))
        answers: list[Any] = []
        page.on("response", lambda r: answers.append(r) if r.url.endswith("/api/runs") else None)
        page.click("#run")
        page.wait_for_selector("body[data-state=error]", timeout=30_000)
        taken = [r.json()["id"] for r in answers if r.status == 202]
        assert len(taken) == 1, [r.status for r in answers]  # one slot: one run taken
        deadline = time.monotonic() + 120
        while httpx.get(f"{url}/api/runs/{taken[0]}").json()["progress"] < 0.1:
            assert time.monotonic() < deadline, "the run taken did not start"
            time.sleep(0.1)
        lengths = "document.getElementById('chart-listed').data.map(t => t.x.length)"
        with contextlib.suppress(Exception):  # asserted below, with what the page says
            page.wait_for_function(f"Math.max(...{lengths}) >= 5", timeout=10_000)
        during = page.inner_text("#status")
        running = httpx.get(f"{url}/api/runs/{taken[0]}").json()
        shot = screenshot(page, "explorer-b-refused-a-running.png")
        red = colour(page, "#status .error")
        # The run taken goes to its end on the server; the page hears the rest of it.
        deadline = time.monotonic() + 120
        while httpx.get(f"{url}/api/runs/{taken[0]}").json()["status"] != "done":
            assert time.monotonic() < deadline, "the run taken did not finish"
            time.sleep(0.2)
        with contextlib.suppress(Exception):  # asserted below
            page.wait_for_function(f"Math.max(...{lengths}) === {steps}", timeout=30_000)
        with contextlib.suppress(Exception):  # the done event follows the last rows
            page.wait_for_function(
                "document.getElementById('status').innerText.includes('done')", timeout=5000
            )
        after = page.inner_text("#status")
        state = page.get_attribute("body", "data-state")
        enabled = page.is_enabled("#run")
        a_drawn, b_drawn = drawn(page, 0), drawn(page, 1)
        screenshot(page, "explorer-b-refused-a-done.png")
    posts = [r for r in watch.requests if r.endswith("/api/runs")]
    refusal = "B: 1 run is queued or running; try again when one ends"  # the 429's words
    assert during.startswith(refusal), during
    assert running["scenario"] == "baseline"  # A was taken, and was running
    assert running["status"] == "running" and running["progress"] < 1, running
    assert "A: baseline: " in during and "%" in during  # A's progress, in its own place
    assert red == RED
    assert after.startswith(refusal), after  # still said once A is done
    assert "A: baseline: done" in after and "%" not in after  # no count stuck at A's last
    assert state == "error" and enabled
    assert (a_drawn, b_drawn) == (steps, 0) and len(posts) == 2
    assert not [e for e in watch.errors if "429" not in e], watch.errors
    assert shot.stat().st_size > 20_000


def knob_table(url: str) -> dict[str, list[dict[str, Any]]]:
    return {s["name"]: s["knobs"] for s in httpx.get(f"{url}/api/scenarios").json()}


def test_a_knob_out_of_its_range_is_refused_in_the_page_naming_it(server: str) -> None:
    """-300 points where -200 to 0 is offered: named with its range, nothing is sent."""
    from tests.browser import chromium, explorer_page, screenshot

    table = knob_table(server)
    refused: list[tuple[str, str, str]] = []  # (regime, what was typed, what was said)
    with chromium() as browser:
        page, watch = explorer_page(browser, server)
        page.fill("#knob-b-dissent_points", "-300")
        page.click("#run")
        said = page.inner_text("#status")
        red = colour(page, "#status .error")
        invalid = page.get_attribute("#knob-b-dissent_points", "aria-invalid")
        focused = page.evaluate("document.activeElement.id")
        screenshot(page, "explorer-knob-out-of-range.png")
        # Every number knob of every regime: its box carries the server's range, and a
        # value past either end (or a fraction where whole numbers go) is refused.
        attributes = []
        for name, regime_knobs in table.items():
            page.select_option("#scenario-b", name)
            for k in regime_knobs:
                if k["kind"] != "number":
                    continue
                box = f"#knob-b-{k['key']}"
                attributes.append(
                    (name, k["key"], *(page.get_attribute(box, a) for a in ("min", "max", "step")))
                )
                past = [k["min"] - k["step"], k["max"] + k["step"]]
                if k["integer"]:
                    past.append(k["min"] + 0.5)
                for value in past:
                    page.fill(box, repr(value))
                    page.click("#run")
                    refused.append((name, repr(value), page.inner_text("#status")))
                page.fill(box, repr(k["value"]))
        sent = [r for r in watch.requests if r.endswith("/api/runs")]
    assert said == "B: Points for criticise government: -300 is out of range; use -200 to 0"
    assert red == RED and invalid == "true" and focused == "knob-b-dissent_points"
    assert sent == []  # nothing reached the server
    for name, key, lo, hi, step in attributes:
        k = next(k for k in table[name] if k["key"] == key)
        assert (float(lo), float(hi), float(step)) == (k["min"], k["max"], k["step"]), name
    assert len(refused) >= 2 * len(attributes) > 20
    for name, typed, text in refused:
        k_label = next(
            k["label"] for k in table[name] if k["kind"] == "number" and f"{k['label']}:" in text
        )
        assert text.startswith(f"B: {k_label}: "), (name, typed, text)
        assert "is out of range; use " in text or "is not a whole number; use " in text, text


def test_a_knob_at_either_end_of_its_range_runs(server: str) -> None:
    """The page's ends are the server's too: both runs go, with the knobs at their ends."""
    from tests.browser import chromium, explorer_page

    seed = {k["key"]: k for k in knob_table(server)["seed"]}
    with chromium() as browser:
        page, watch = explorer_page(browser, server)
        page.select_option("#scenario-a", "seed")
        page.fill("#agents", "1000")
        page.fill("#steps", "5")
        page.fill("#knob-a-dissent_points", repr(seed["dissent_points"]["min"]))
        page.fill("#knob-b-dissent_points", repr(seed["dissent_points"]["max"]))
        page.fill("#knob-a-blacklist_threshold", repr(seed["blacklist_threshold"]["max"]))
        page.fill("#knob-b-false_positive_rate", repr(seed["false_positive_rate"]["max"]))
        page.click("#run")
        page.wait_for_selector("body[data-state=done]", timeout=60_000)
        status = page.inner_text("#status")
    assert status == "Done: the same people, two regimes."
    assert watch.errors == []


def with_tolerance() -> Scenario:
    """seed, tolerating one criticism a month: its points must then stay below zero."""
    tolerance = {"criticise_government": {"free": 1, "period": 30}}
    return load_scenario("seed").with_overrides({"scoring.tolerance": tolerance})


def with_timeline() -> Scenario:
    """court-blacklist with named timeline entries: a set and a ramp, of related paths."""
    rail = "opportunities.high_speed_rail.demand"
    return load_scenario("court-blacklist").with_overrides({"start_date": "2013-10-01", "timeline": [
        {"name": "platform", "day": 200, "set": {rail: 0.001, "blacklist.term": 400}},
        {"name": "campaign", "from": 300, "to": 600, "ramp": {rail: [0.001, 0.004]}},
        {"name": "repair", "day": 900, "set": {rail: 0.002, "blacklist.repair_exit": 0.001}},
    ]})  # fmt: skip


def test_every_knobs_range_is_one_the_server_accepts_from_end_to_end() -> None:
    """Both ends of every number knob, whole numbers where the field takes them."""
    regimes = [load_scenario(n) for n in builtin_names()] + [with_tolerance(), with_timeline()]
    checked = 0
    for sc in regimes:
        for k in knobs(sc):
            if k["kind"] != "number":
                continue
            assert k["min"] <= k["value"] <= k["max"], (sc.name, k)
            for end in (k["min"], k["max"]):
                sc.with_overrides(dict.fromkeys(k["paths"], end), label="overrides")
                checked += 1
            if k["integer"]:
                assert float(k["min"]).is_integer() and float(k["max"]).is_integer()
    assert checked >= 36  # 9 regimes, most with 2 to 4 number knobs
    tolerant = {k["key"]: k for k in knobs(regimes[-2])}
    assert tolerant["dissent_points"]["max"] == -1
    timed = {k["key"]: k for k in knobs(regimes[-1])}
    # A set's day moves only between the changes of its paths around it.
    assert (timed["timeline_platform_day"]["min"], timed["timeline_platform_day"]["max"]) == (
        0,
        299,
    )
    assert (timed["timeline_repair_day"]["min"], timed["timeline_repair_day"]["max"]) == (
        601,
        59_999,
    )
    assert (
        timed["timeline_platform_day"]["label"]
        == "Day of the change 'platform' (day 0 is 2013-10-01)"
    )
    assert "timeline_platform_1" not in timed  # blacklist.term: whole numbers get no knob
    assert timed["timeline_campaign_0"]["paths"] == [
        "timeline.campaign.ramp.opportunities.high_speed_rail.demand.end"]  # fmt: skip


def test_the_url_holds_the_pair_and_the_charts_say_their_units(server: str) -> None:
    """A pair that was run is in the page's URL; opening it sets the same regimes and knobs."""
    from tests.browser import chromium, explorer_page

    with chromium() as browser:
        page, watch = explorer_page(browser, server)
        assert page.input_value("#steps") == "365"  # a year: seed's polls are asked
        assert "(score points, 0 to 1300)" in page.inner_text("#knobs-b")
        page.select_option("#scenario-a", "rongcheng-current")
        page.fill("#knob-b-blacklist_threshold", "900")
        page.uncheck("#knob-b-shaming")
        page.fill("#agents", "2000")
        page.fill("#steps", "20")
        page.fill("#seed", "11")
        page.click("#run")
        page.wait_for_selector("body[data-state=done]", timeout=90_000)
        query = page.evaluate("location.search")
        hover = page.get_attribute("#comparison-table tr:nth-child(2) td", "title") or ""
        assert "than they would with no regime" in hover  # the glossary's line, as the report's
        for part in ("a=rongcheng-current", "b=seed", "people=2000", "days=20", "seed=11",
                     "b.blacklist.threshold=900", "b.shaming=off"):  # fmt: skip
            assert part in query
        layouts = page.evaluate(
            "['chart-gap', 'chart-criticism', 'chart-listed', 'chart-denials'].map(id => {"
            " const l = document.getElementById(id).layout;"
            " return [l.yaxis.title.text, l.yaxis.rangemode, l.title.text]; })"
        )
        assert [u for u, _, _ in layouts] == ["share of people", "acts per person per day",
                                              "share of people", "denials so far (count)"]  # fmt: skip
        assert all(mode == "tozero" for _, mode, _ in layouts)
        again = browser.new_page(viewport={"width": 1200, "height": 1000})
        again.goto(server + "/" + query)
        again.wait_for_selector("body[data-state=ready]", timeout=30_000)
        assert again.input_value("#scenario-a") == "rongcheng-current"
        assert again.input_value("#knob-b-blacklist_threshold") == "900"
        assert not again.is_checked("#knob-b-shaming")
        assert [again.input_value(f"#{i}") for i in ("agents", "steps", "seed")] == [
            "2000",
            "20",
            "11",
        ]
        assert watch.errors == []
