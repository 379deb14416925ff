"""No answer of the explorer repeats what a client sent (docs/robustness.md).

Every refusal a client can provoke (validation of the body, regimes not on offer,
overrides, unknown runs, paths and methods the router does not know, query strings,
the body guard, requests the HTTP server itself cannot read) is sent to a real
``scoresim serve`` with a marker inside; the marker must appear in no body and no
header of the answer. Failed on c99c8c3 for the regime's name, the override keys and
values, the run id, the docs' file name, a slash at the end of a path (a 307 whose
Location repeated the path, the query string and the Host header) and a number too
large for JSON.
"""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoresim.explorer.app import create_app
from tests.servers import start_serve

MARK = "zqxecho731"
GOOD = {"scenario": "seed", "agents": 1000, "steps": 5, "seed": 1}
ESCAPED = "".join(f"\\u{ord(c):04x}" for c in MARK)  # the marker, only once JSON is read


Request = tuple[str, str, dict[str, str], bytes]  # method, path, headers, body
JSON = {"Content-Type": "application/json"}


def text(body: str | bytes, path: str = "/api/runs", **headers: str) -> Request:
    """A POST of ``body`` as it is written (JSON unless a Content-Type says otherwise)."""
    data = body.encode() if isinstance(body, str) else body
    return "POST", path, {**JSON, **headers}, data


def runs(body: Any, path: str = "/api/runs", **headers: str) -> Request:
    return text(json.dumps(body), path, **headers)


def overrides(value: dict[str, Any]) -> Request:
    return runs({**GOOD, "overrides": value})


def get(path: str, **headers: str) -> Request:
    return "GET", path, headers, b""


TOWN = {"scenario": "seed", "people": 200, "days": 5, "seed": 0, "overrides": {}}

# Every 4xx path the explorer has, each carrying MARK.
HOSTILE: dict[str, Request] = {
    "regime not on offer": runs({**GOOD, "scenario": MARK}),
    "regime as a path": runs({**GOOD, "scenario": f"../../{MARK}/seed.yaml"}),
    "regime too long": runs({**GOOD, "scenario": MARK * 10}),
    "regime not a string": runs({**GOOD, "scenario": [MARK]}),
    "regime escaped in JSON": text(f'{{"scenario": "{ESCAPED}", "agents": 1000}}'),
    "a field the request lacks": runs({**GOOD, MARK: 1}),
    "a field escaped in JSON": text(f'{{"scenario": "seed", "{ESCAPED}": 1}}'),
    "agents as text": runs({**GOOD, "agents": MARK}),
    "seed as a list": runs({**GOOD, "seed": [MARK]}),
    "steps as an object": runs({**GOOD, "steps": {MARK: 1}}),
    "overrides as text": runs({**GOOD, "overrides": MARK}),
    "override key unknown": overrides({MARK: 1}),
    "override key under a real section": overrides({f"scoring.points.{MARK}": -5}),
    "override key second": overrides({"blacklist.threshold": 100, f"x.{MARK}": 1}),
    "override key too long": overrides({MARK * 20: 1}),
    "override key empty, value marked": overrides({"": MARK}),
    "override value text for a number": overrides({"sources.street_cameras.coverage": MARK}),
    "override value text for an integer": overrides({"blacklist.threshold": MARK}),
    "override value text for a section": overrides({"shaming": MARK}),
    "override value not a behaviour": overrides({"dissent_behaviour": MARK}),
    "override value not a choice": overrides({"scoring.coupling": MARK}),
    "override value long text": overrides({"polls.rt_list.design": "x" * 50 + MARK * 5}),
    "override value a bad name": overrides({"name": f"{MARK} with spaces"}),
    "override value a list": overrides({"sources.street_cameras.coverage": [MARK]}),
    "override value an object": overrides({"shaming": {MARK: 1}}),
    "override values that clash": overrides({"polls.rt_list": MARK, "polls.rt_list.size": 50}),
    "too many overrides": overrides({f"{MARK}{i}": i for i in range(25)}),
    "not JSON": text(MARK),
    "JSON cut short": text(f'{{"scenario": "seed", "{MARK}'),
    "JSON a string": runs(MARK),
    "JSON a list": runs([MARK, GOOD]),
    "not UTF-8": text(b'{"scenario": "\xff' + MARK.encode() + b'"}'),
    "a form, not JSON": text(
        f"scenario={MARK}", **{"Content-Type": "application/x-www-form-urlencoded"}
    ),
    "content type marked": runs(GOOD, **{"Content-Type": MARK}),
    "nested too deep": runs({**GOOD, "overrides": {"a": 1}, "x": [[[[[[[[[[MARK]]]]]]]]]]}),
    "a number too large": text(f'{{"scenario": "{MARK}", "agents": 1{"0" * 400}}}'),
    "NaN": text(f'{{"scenario": "{MARK}", "seed": NaN}}'),
    "body too large": runs({**GOOD, "scenario": MARK * 3000}),
    "unknown run": get(f"/api/runs/{MARK}"),
    "unknown run's metrics": get(f"/api/runs/{MARK}/metrics"),
    "unknown run's events": get(f"/api/runs/{MARK}/events"),
    "unknown run, percent-encoded": get("/api/runs/" + "".join(f"%{ord(c):02x}" for c in MARK)),
    "unknown run with a slash": get(f"/api/runs/{MARK}/"),
    "a slash and a query string": get(f"/api/scenarios/?q={MARK}"),
    "a slash and a Host": get("/api/scenarios/", Host=f"{MARK}.example"),
    "unknown path": get(f"/{MARK}"),
    "unknown path under static": get(f"/static/{MARK}.js"),
    "unknown docs file": get(f"/static/api-docs/{MARK}"),
    "a path climbing out": get(f"/static/api-docs/..%2f..%2f{MARK}"),
    "wrong method": ("DELETE", f"/api/runs/{MARK}", {}, b""),
    "wrong method with a query": get(f"/api/runs?{MARK}={MARK}"),
    "method not known": (MARK.upper(), "/api/runs", {}, b""),
    "a query on a refusal": runs({**GOOD, "agents": 1}, f"/api/runs?scenario={MARK}"),
    # the town, a person in it and the story take the same body (docs/seeing.md)
    "town: regime not on offer": runs({**TOWN, "scenario": MARK}, "/api/town"),
    "town: a field the request lacks": runs({**TOWN, MARK: 1}, "/api/town"),
    "town: override key unknown": runs({**TOWN, "overrides": {MARK: 1}}, "/api/town"),
    "town: too many people": runs({**TOWN, "people": 10**6, "scenario": MARK}, "/api/town"),
    "person: beyond the town": runs({**TOWN, "person": 4_999}, "/api/town/person"),
    "person: as text": runs({**TOWN, "person": MARK}, "/api/town/person"),
    "story: override value text": runs(
        {**TOWN, "overrides": {"blacklist.threshold": MARK}}, "/api/story"
    ),
    "story: too many days": runs({**TOWN, "days": 401, "seed": 1}, "/api/story"),
    "marked headers on a refusal": runs(
        {**GOOD, "steps": 0},
        **{"X-Scenario": MARK, "Cookie": f"s={MARK}", "Referer": f"http://{MARK}/"},
    ),
}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    url, proc = start_serve("--max-agents", "20000", "--max-steps", "400",
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def echoes(status: int, headers: list[tuple[str, str]], body: bytes) -> str | None:
    """What in an answer repeats the marker (None when nothing does)."""
    for name, value in headers:
        if MARK in f"{name}: {value}".lower():
            return f"header {name}: {value}"
    text = body.decode("utf-8", "replace").lower()
    return f"body ({status}): {text[:300]}" if MARK in text else None


@pytest.mark.parametrize("case", list(HOSTILE))
def test_no_refusal_repeats_the_request(server: str, case: str) -> None:
    method, path, headers, body = HOSTILE[case]
    with httpx.Client(base_url=server, follow_redirects=False, timeout=30) as client:
        res = client.request(method, path, headers=headers, content=body)
    assert 400 <= res.status_code < 500, (res.status_code, res.text[:300])
    assert echoes(res.status_code, list(res.headers.multi_items()), res.content) is None


def test_an_unfinished_runs_metrics_are_refused_without_its_id(server: str) -> None:
    run_id = httpx.post(f"{server}/api/runs", json={**GOOD, "agents": 20_000, "steps": 400}).json()
    res = httpx.get(f"{server}/api/runs/{run_id['id']}/metrics", params={"q": MARK})
    assert res.status_code == 409
    assert run_id["id"] not in res.text and MARK not in res.text
    assert "metrics come once a run is done" in res.json()["detail"]


def raw(url: str, request: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """Send bytes as they are (no client to tidy them) and read the whole answer.

    Returns:
        The status, headers and body; status 0 when the server closed the connection
        without an answer (it resets one whose request it stopped reading).
    """
    host, port = url.removeprefix("http://").split(":")
    data = b""
    with socket.create_connection((host, int(port)), timeout=10) as s:
        try:
            s.sendall(request)
            s.shutdown(socket.SHUT_WR)
            while chunk := s.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
    if not data:
        return 0, [], b""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = [(n.strip(), v.strip()) for n, _, v in (h.partition(":") for h in lines[1:])]
    return status, headers, body


M = MARK.encode()
MALFORMED = {
    "a method the server cannot read": b"G\x01" + M + b" / HTTP/1.1\r\nHost: x\r\n\r\n",
    "an HTTP version that does not exist": b"GET /" + M + b" HTTP/9.9\r\nHost: x\r\n\r\n",
    "a control byte in the path": b"GET /\x00" + M + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "a header with no colon": b"GET / HTTP/1.1\r\nHost: x\r\n" + M + b"\r\n\r\n",
    "a header too large": b"GET / HTTP/1.1\r\nHost: x\r\nX-A: " + M * 20_000 + b"\r\n\r\n",
    "Content-Length not a number": (
        b"POST /api/runs HTTP/1.1\r\nHost: x\r\nContent-Length: " + M + b"\r\n\r\n{}"
    ),
    "Transfer-Encoding not known": (
        b"POST /api/runs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + M + b"\r\n\r\n{}"
    ),
    "a chunk size not a number": (
        b"POST /api/runs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\n\r\n" + M + b"\r\n{}\r\n0\r\n\r\n"
    ),
    "a Host and a slash (no redirect)": (
        b"GET /api/runs/" + M + b"/ HTTP/1.1\r\nHost: " + M + b"\r\nConnection: close\r\n\r\n"
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_requests_the_server_cannot_read_are_refused_without_an_echo(
    server: str, case: str
) -> None:
    status, headers, body = raw(server, MALFORMED[case])
    assert status == 0 or 400 <= status < 500, (status, body[:300])
    assert echoes(status, headers, body) is None
    assert httpx.get(f"{server}/api/scenarios").status_code == 200  # still serving


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(max_agents=1000, max_steps=2, ttl=5), follow_redirects=False) as c:
        yield c


marked = st.text(max_size=12).map(lambda t: t + MARK) | st.just(MARK)
values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | marked,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(marked, inner, max_size=3),
    max_leaves=10,
)
paths = st.sampled_from(["sources.street_cameras.coverage", "blacklist.threshold", "shaming",
                         "dissent_behaviour", "polls.rt_list.design", "name", "groups"]) | marked  # fmt: skip


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    st.dictionaries(paths, values, max_size=4),
    st.sampled_from(["seed", "court-blacklist", MARK]),
    st.dictionaries(marked, values, max_size=2),
)
def test_no_marked_request_is_echoed(
    client: TestClient, changes: dict[str, Any], scenario: str, extra: dict[str, Any]
) -> None:
    """Marked keys and values anywhere in a body: whatever the answer, no marker in it."""
    body = {**GOOD, "steps": 1, "scenario": scenario, "overrides": changes, **extra}
    res = client.post("/api/runs", json=body)
    assert res.status_code in (202, 413, 422, 429), (res.status_code, res.text[:300])
    assert echoes(res.status_code, list(res.headers.multi_items()), res.content) is None


def test_a_message_of_a_new_form_is_scrubbed_of_the_value() -> None:
    """Whatever form a future scenario message takes, the value it quotes is not passed on."""
    from scoresim.config.loading import load_scenario
    from scoresim.errors import ScenarioValueError
    from scoresim.explorer.answers import refuse_overrides

    seed = load_scenario("seed")
    change = {"polls.rt_list.design": f"a {MARK} b"}
    new_form = ScenarioValueError(  # the value quoted again, after the reason
        f"seed.yaml: polls.rt_list.design: 'x' is refused: {change['polls.rt_list.design']!r} "
        "is unknown",
        "polls.rt_list.design",
    )
    answer = refuse_overrides(seed, change, new_form)
    assert answer == "overrides: a value is not allowed where it is set"
    close = ScenarioValueError(
        "seed.yaml: dissent_behaviour: 'praise_partyy' is not a speech behaviour; use one of: "
        "criticise_government, praise_party",
        "dissent_behaviour",
    )
    assert refuse_overrides(seed, {"dissent_behaviour": "praise_partyy"}, close) == (
        "overrides: dissent_behaviour: is not a speech behaviour; use one of: "
        "criticise_government, praise_party"
    )


def test_a_number_too_large_is_not_repeated(server: str) -> None:
    digits = "9876543210" * 40
    res = httpx.post(
        f"{server}/api/runs",
        content=f'{{"scenario": "seed", "agents": {digits}e5}}',
        headers={"Content-Type": "application/json"},
    )
    assert res.status_code == 422 and "finite number" in res.text
    assert "98765" not in res.text
