"""The explorer: the REST API in process, a real server under load, the page in Chromium."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

import scoresim
from scoresim.config.loading import builtin_names
from scoresim.explorer.app import create_app
from tests.servers import start_serve


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(max_agents=20_000, max_steps=400, ttl=60)) as c:
        yield c


def wait_done(client: TestClient, run_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state: dict[str, Any] = client.get(f"/api/runs/{run_id}").json()
        if state["status"] in ("done", "failed") or time.monotonic() > deadline:
            return state
        time.sleep(0.05)


def test_scenarios_list_every_regime_with_the_knobs_it_has(client: TestClient) -> None:
    listed = client.get("/api/scenarios").json()
    assert [s["name"] for s in listed] == builtin_names()
    seed = {k["key"]: k for k in next(s for s in listed if s["name"] == "seed")["knobs"]}
    assert set(seed) == {"conduct_coverage", "dissent_points", "blacklist_threshold",
                         "false_positive_rate", "shaming"}  # fmt: skip
    assert seed["conduct_coverage"]["paths"] == ["sources.street_cameras.coverage"]
    assert seed["dissent_points"]["paths"] == ["scoring.points.criticise_government"]
    assert seed["dissent_points"]["value"] == -50
    assert seed["dissent_points"]["label"] == "Points for criticise government"
    baseline = next(s for s in listed if s["name"] == "baseline")
    assert baseline["knobs"] == []


def test_a_run_goes_queued_running_done_and_its_metrics_and_events_follow(
    client: TestClient,
) -> None:
    body = {"scenario": "seed", "agents": 3000, "steps": 40, "seed": 4,
            "overrides": {"scoring.points.criticise_government": -150}}  # fmt: skip
    res = client.post("/api/runs", json=body)
    assert res.status_code == 202
    run_id = res.json()["id"]
    state = wait_done(client, run_id)
    assert state["status"] == "done" and state["progress"] == 1.0
    assert state["overrides"] == {"scoring.points.criticise_government": -150}
    records = client.get(f"/api/runs/{run_id}/metrics").json()
    assert len(records) == 40 * 3 and {"step", "group", "falsification"} <= set(records[0])
    # The server-sent events replay the 'all' rows, then say it is done.
    with client.stream("GET", f"/api/runs/{run_id}/events") as stream:
        text = "".join(stream.iter_text())
    events = [block for block in text.split("\n\n") if block]
    assert events[-1].startswith("event: done")
    rows = [r for b in events if b.startswith("event: progress")
            for r in json.loads(b.split("data: ", 1)[1])["rows"]]  # fmt: skip
    assert [r["step"] for r in rows] == list(range(40))
    last = [r for r in records if r["group"] == "all"][-1]
    assert rows[-1]["listed"] == pytest.approx(last["listed"])
    # The override took effect: the same run without it lists fewer people.
    plain = client.post("/api/runs", json={**body, "overrides": {}}).json()["id"]
    wait_done(client, plain)
    plain_last = [r for r in client.get(f"/api/runs/{plain}/metrics").json() if r["group"] == "all"]
    assert plain_last[-1]["listed"] < last["listed"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"scenario": "seed", "agents": 20_001}, "less than or equal to 20000"),
        ({"scenario": "seed", "steps": 0}, "greater than or equal to 1"),
        ({"scenario": "nope"}, "scenario: not a regime on offer; use one of: baseline, "),
        ({"scenario": "../../etc/passwd"}, "not a regime on offer"),
        (
            {"scenario": "seed", "overrides": {"blacklist.threshold": 9, "scoring.points.no": 1}},
            "overrides: key 2 names no field of seed",
        ),
        (
            {"scenario": "seed", "overrides": {"sources.street_cameras.coverage": "lots"}},
            "overrides: sources.street_cameras.coverage: the value is not allowed; it should be "
            "a valid number",
        ),
        (
            {"scenario": "seed", "overrides": {"dissent_behaviour": "praise_party!"}},
            "overrides: dissent_behaviour: is not a speech behaviour; use one of: "
            "criticise_government, praise_party",  # the regime's names, though close to it
        ),
        (
            {"scenario": "seed", "overrides": {"polls.rt_list": 5, "polls.rt_list.size": 50}},
            "overrides: key 1 is a section and key 2 a field inside it; set one of them",
        ),
        ({"scenario": "seed", "code": "__import__('os')"}, "Extra inputs are not permitted"),
        ({"agents": 1000}, "Field required"),
    ],
)
def test_bad_bodies_are_422_with_the_reason(
    client: TestClient, body: dict[str, Any], fragment: str
) -> None:
    res = client.post("/api/runs", json=body)
    assert res.status_code == 422
    assert fragment in json.dumps(res.json())


def test_unknown_runs_404_and_unfinished_metrics_409() -> None:
    with TestClient(create_app(max_agents=50_000, max_steps=2000, running=1, queued=1)) as c:
        assert c.get("/api/runs/nope").status_code == 404
        assert c.get("/api/runs/nope/metrics").status_code == 404
        long = {"scenario": "seed", "agents": 50_000, "steps": 2000}
        first = c.post("/api/runs", json=long)
        second = c.post("/api/runs", json=long)
        third = c.post("/api/runs", json=long)
        assert (first.status_code, second.status_code, third.status_code) == (202, 202, 429)
        assert "try again when one ends" in third.json()["detail"]
        assert c.get(f"/api/runs/{first.json()['id']}/metrics").status_code == 409
    # Leaving the client shut the app down: the long runs stopped at their next step.


def test_finished_runs_expire() -> None:
    # ttl leaves room for a poll to see the run done on a loaded machine (0.3 s did not).
    with TestClient(create_app(max_agents=5000, max_steps=50, ttl=1.5)) as c:
        run_id = c.post("/api/runs", json={"scenario": "seed", "agents": 1000, "steps": 5}).json()[
            "id"
        ]
        assert wait_done(c, run_id)["status"] == "done"
        time.sleep(2.0)
        assert c.get(f"/api/runs/{run_id}").status_code == 404
        assert c.app.state.manager.runs == {}  # type: ignore[attr-defined]


def test_the_openapi_document_describes_the_api(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert {"/api/scenarios", "/api/runs", "/api/runs/{run_id}", "/api/runs/{run_id}/metrics",
            "/api/runs/{run_id}/events"} <= set(doc["paths"])  # fmt: skip
    body = doc["components"]["schemas"]["RunRequest"]["properties"]
    assert body["agents"]["maximum"] == 20_000 and body["steps"]["maximum"] == 400


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, int]]:
    """A real `scoresim serve` on 127.0.0.1, small runs, runs kept 2 s."""
    url, proc = start_serve("--max-agents", "20000", "--max-steps", "400", "--ttl", "2",
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stderr is not None:
            proc.stderr.close()


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_fifty_concurrent_requests_are_answered_and_memory_returns(
    server: tuple[str, int],
) -> None:
    url, pid = server
    body = {"scenario": "seed", "agents": 20000, "steps": 30}

    def settle(ids: list[str]) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            codes = {httpx.get(f"{url}/api/runs/{i}").status_code for i in ids}
            if codes == {404}:  # every run ended and expired
                return
            time.sleep(0.5)
        raise AssertionError("runs did not expire")

    warm = httpx.post(f"{url}/api/runs", json=body).json()["id"]
    settle([warm])
    before = rss_mib(pid)

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=url, timeout=60) as c:
            return await asyncio.gather(*(c.post("/api/runs", json=body) for _ in range(50)))

    replies = asyncio.run(burst())
    codes = [r.status_code for r in replies]
    assert set(codes) <= {202, 429} and codes.count(202) >= 2 and 429 in codes
    assert httpx.get(f"{url}/api/scenarios").status_code == 200  # still up
    peak = rss_mib(pid)
    settle([r.json()["id"] for r in replies if r.status_code == 202])
    after = rss_mib(pid)
    # Tolerance: 40 MiB for the allocator's retained pages; one stored run is ~0.2 MiB.
    assert after < before + 40, (before, peak, after)


def test_the_page_runs_two_regimes_side_by_side_in_chromium(server: tuple[str, int]) -> None:
    from tests.browser import chromium, explorer_page, screenshot

    url, _ = server
    with chromium() as browser:
        page, watch = explorer_page(browser, url)
        assert page.input_value("#scenario-a") == "baseline"  # the control first, as the
        assert page.input_value("#scenario-b") == "seed"  # demo and report draw it
        page.fill("#agents", "8000")
        page.fill("#steps", "60")
        page.fill("#knob-b-dissent_points", "-150")  # turn a knob
        page.click("#run")
        page.wait_for_selector("body[data-state=done]", timeout=90_000)
        points = page.evaluate(
            "['chart-gap', 'chart-listed'].map(id => document.getElementById(id).data"
            ".map(t => t.x.length))"
        )
        names = page.evaluate("document.getElementById('chart-gap').data.map(t => t.name)")
        table = page.inner_text("#comparison-table")
        unasked = page.inner_text("#said-note")
        shot = screenshot(page, "explorer.png")
    assert points == [[60, 60], [60, 60]]
    assert "Not asked" in unasked and "rt_list (day 364)" in unasked  # 60 days only
    assert names == ["A: baseline", "B: seed (tuned)"]
    assert "falsification" in table and "listed wrongly" in table and "silent dissent" in table
    assert all(r.startswith(url) for r in watch.requests), watch.requests  # no CDN
    assert any(r.endswith("/static/plotly.min.js") for r in watch.requests)
    assert watch.errors == []
    assert shot.stat().st_size > 50_000


def test_the_page_shows_what_people_say_against_what_they_think(server: tuple[str, int]) -> None:
    """A year of seed: its three polls drawn from the run's rows, equal to a run in Python."""
    from tests.browser import chromium, explorer_page

    url, _ = server
    with chromium() as browser:
        page, watch = explorer_page(browser, url, height=1400)
        page.fill("#agents", "4000")
        page.fill("#steps", "365")
        page.click("#run")
        page.wait_for_selector("body[data-state=done]", timeout=120_000)
        traces = page.evaluate(
            "document.getElementById('chart-said').data.map(t => ({name: t.name, x: t.x, y: t.y,"
            " up: t.error_y ? t.error_y.array : null}))"
        )
        note = page.inner_text("#said-note")
    assert watch.errors == [] and note == ""
    assert [t["name"] for t in traces] == [
        "B: seed: said",
        "B: seed: thought",
    ]  # baseline asks none
    run = scoresim.simulate("seed", agents=4000, steps=365, seed=7)
    polls = run.info["polls"]
    assert traces[0]["x"] == [f"{p['name']} ({p['question']}, {p['design']}, {p['mode']})"
                              for p in polls]  # fmt: skip
    assert traces[0]["y"] == pytest.approx([p["estimate"] for p in polls])
    assert traces[0]["up"] == pytest.approx([p["high"] - p["estimate"] for p in polls])
    assert traces[1]["y"] == pytest.approx([p["truth"] for p in polls])


def test_the_app_answers_plain_httpx_through_its_asgi_transport() -> None:
    """The same API through httpx's own ASGI transport (no test client in between)."""
    app = create_app(max_agents=5000, max_steps=20)

    async def talk() -> tuple[int, int, str]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://explorer") as c:
            names = (await c.get("/api/scenarios")).status_code
            res = await c.post("/api/runs", json={"scenario": "eu-compliant", "agents": 1000,
                                                  "steps": 10})  # fmt: skip
            run_id = res.json()["id"]
            for _ in range(400):
                state = (await c.get(f"/api/runs/{run_id}")).json()
                if state["status"] == "done":
                    break
                await asyncio.sleep(0.05)
            return names, res.status_code, state["status"]

    try:
        assert asyncio.run(talk()) == (200, 202, "done")
    finally:
        app.state.manager.shutdown()


def test_serve_refuses_a_port_in_use_in_one_line() -> None:
    from typer.testing import CliRunner

    from scoresim.cli.app import app

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        res = CliRunner().invoke(app, ["serve", "--port", str(port)])
    assert res.exit_code == 2 and res.output.count("\n") == 1
    assert f"--host 127.0.0.1 --port {port}: cannot listen there" in res.output
