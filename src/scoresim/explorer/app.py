"""The explorer's FastAPI app: the REST API, the server-sent events and the page.

Only the built-in regimes, and the scenario files the person who started the server
named (``scoresim serve --scenario FILE``), can be run, with overrides of their
fields: no file path or code from a client is ever read or run, and every body is
validated (422 with the reason). Run sizes are bounded, runs are queued with a bound
(429 when full), and finished runs expire (see :mod:`scoresim.explorer.runs`).
"""

# No `from __future__ import annotations`: FastAPI must see the run request model,
# which is made per app (with its bounds), as a real annotation.
import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, HTMLResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, create_model

from scoresim import limits
from scoresim.config.loading import Scenario, builtin_names, load_scenario
from scoresim.errors import ScenarioValueError
from scoresim.explorer.answers import refuse_overrides, unknown_scenario
from scoresim.explorer.docs import add_api_docs
from scoresim.explorer.guard import BodyGuard, validation_handler
from scoresim.explorer.knobs import knobs
from scoresim.explorer.runs import DONE, FAILED, QUEUED, QueueFullError, RunManager
from scoresim.explorer.town_routes import add_town, town_models
from scoresim.report.glossary import headline_term
from scoresim.results import headlines as hl
from scoresim.strictjson import dumps as strict_dumps

MAX_AGENTS = 200_000
MAX_STEPS = 1_000
Value = float | int | bool | str | None
Path_ = Annotated[str, Field(min_length=1, max_length=120)]


class Accepted(BaseModel):
    """A queued run."""

    id: str


class RunState(BaseModel):
    """A run's state."""

    id: str
    scenario: str
    agents: int
    steps: int
    seed: int
    overrides: dict[str, Any]
    status: str = Field(description="queued, running, done or failed")
    progress: float = Field(description="share of the steps done, 0 to 1")
    error: str | None


class Knob(BaseModel):
    """A main knob of a regime, and the fields it sets."""

    key: str
    label: str
    kind: str = Field(description="number or switch")
    paths: list[str]
    value: float | bool
    min: float | None = None
    max: float | None = None
    step: float | None = None
    integer: bool = Field(False, description="whole numbers only (points, scores)")
    unit: str = Field("", description="what the number counts, in words")


class HeadlineInfo(BaseModel):
    """A key measure of a regime (see ``scoresim.results.headlines``)."""

    label: str
    column: str
    how: str
    fmt: str
    sign: float
    means: str = Field(
        "", description="the measure in plain words and its definition (the report's glossary)"
    )


class PollInfo(BaseModel):
    """A poll a regime asks (docs/polls.md); its results are columns of the run's rows."""

    name: str
    day: int
    question: str
    design: str
    mode: str
    frame: str


class ScenarioInfo(BaseModel):
    """A regime on offer."""

    name: str
    description: str
    knobs: list[Knob]
    dissent: str | None
    dissent_window: int = Field(description="days over which voiced dissent is counted")
    window: int = Field(description="days over which the headlines' rates are averaged")
    headlines: list[HeadlineInfo]
    polls: list[PollInfo] = Field(description="the polls it asks, in order")


def request_model(max_agents: int, max_steps: int) -> type[BaseModel]:
    """The body of ``POST /api/runs``, with this server's bounds."""
    model: type[BaseModel] = create_model(
        "RunRequest",
        __config__=ConfigDict(extra="forbid"),
        scenario=(
            str,
            Field(
                min_length=1, max_length=64, description="a regime on offer (GET /api/scenarios)"
            ),
        ),
        # Strict: true is not 1 and "1000" is not 1000 (a client's typo is named).
        agents=(int, Field(min(20_000, max_agents), ge=100, le=max_agents, strict=True)),
        steps=(int, Field(min(200, max_steps), ge=1, le=max_steps, strict=True)),
        seed=(int, Field(0, ge=0, le=limits.SEED_MAX, strict=True)),
        overrides=(
            dict[Path_, Value],
            Field(default_factory=dict, max_length=limits.API_OVERRIDES),
        ),
    )
    return model


def strict(value: object) -> str:
    """An event's data as strict JSON: a figure that is not finite goes out as null."""
    return strict_dumps(value, missing_as_null=True)


def create_app(
    *,
    max_agents: int = MAX_AGENTS,
    max_steps: int = MAX_STEPS,
    running: int = 2,
    queued: int = 8,
    ttl: float = 600.0,
    extra: Sequence[Scenario] = (),
    keepalive: float = 5.0,
) -> FastAPI:
    """The explorer app; the bounds are parameters so that tests can make runs small.

    Args:
        max_agents: the most agents a client may ask for.
        max_steps: the most steps a client may ask for.
        running: runs going at once.
        queued: runs waiting, beyond which a request is refused with 429.
        ttl: seconds a finished run is kept.
        extra: scenarios of the server's own, offered after the built-in regimes under
            their ``name``; a name that is already taken is refused.
        keepalive: seconds of silence after which an event stream sends a comment.
    """
    manager = RunManager(running=running, queued=queued, ttl=ttl)
    scenarios = _offered(extra)
    request_type = request_model(max_agents, max_steps)
    app = FastAPI(
        title="scoresim explorer",
        description="Run social-scoring regimes on synthetic societies and watch them.",
        version="1",
        lifespan=_lifespan(manager, ttl),
        docs_url=None,  # served below from the installed swagger-ui-bundle, not a CDN
        redoc_url=None,
        # No 307 from /api/runs/ID/ to /api/runs/ID: its Location would repeat the
        # client's path, query string and Host header (a 404 instead).
        redirect_slashes=False,
    )
    app.state.manager = manager
    app.add_middleware(BodyGuard)
    towns = town_models(max_agents, max_steps)
    bodies = {
        "/api/runs": request_type,
        "/api/town": towns[0],
        "/api/town/person": towns[1],
        "/api/story": towns[0],
    }
    app.add_exception_handler(RequestValidationError, validation_handler(bodies))
    # A town is every day of every person: some MB of JSON that compresses well.
    app.add_middleware(GZipMiddleware, minimum_size=100_000)
    add_api_docs(app)
    _scenario_routes(app, scenarios)
    _run_routes(app, manager, scenarios, request_type, keepalive)
    _page_routes(app)
    add_town(app, scenarios, regime_of, towns, manager)
    return app


def _offered(extra: Sequence[Scenario]) -> dict[str, Scenario]:
    """The regimes on offer by name: the built-in ones, then the server's own.

    Raises:
        ScenarioValueError: one of ``extra`` takes a name already offered.
    """
    scenarios = {name: load_scenario(name) for name in builtin_names()}
    for sc in extra:
        if sc.config.name in scenarios:
            raise ScenarioValueError(
                f"{sc.origin}: name: {sc.config.name!r} is already a regime the explorer "
                "offers; give the scenario another name"
            )
        scenarios[sc.config.name] = sc
    return scenarios


def _lifespan(manager: RunManager, ttl: float) -> Any:
    """The app's lifespan: expire finished runs while it serves, stop the runs at the end."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async def sweep_expired() -> None:
            while True:
                await asyncio.sleep(max(min(ttl / 4, 30.0), 0.5))
                manager.expire()

        task = asyncio.create_task(sweep_expired())
        try:
            yield
        finally:
            task.cancel()
            manager.shutdown()

    return lifespan


def _scenario_routes(app: FastAPI, scenarios: dict[str, Scenario]) -> None:
    """``GET /api/scenarios``."""

    @app.get("/api/scenarios", response_model=list[ScenarioInfo])
    def list_scenarios() -> list[dict[str, Any]]:
        """The regimes on offer (built-in first), their main knobs and headlines."""
        return [
            {
                "name": n,
                "description": sc.config.description,
                "knobs": knobs(sc),
                "dissent": sc.config.dissent_behaviour,
                "dissent_window": sc.config.response.dissent_window,
                "window": hl.WINDOW,
                "headlines": [
                    _with_meaning(h) for h in hl.headlines(sc.config.model_dump(mode="json"))
                ],
                "polls": [
                    p.model_dump(include={"name", "day", "question", "design", "mode", "frame"})
                    for p in sc.config.polls or []
                ],
            }
            for n, sc in scenarios.items()
        ]


def regime_of(scenarios: dict[str, Scenario], name: str, overrides: dict[str, Any]) -> Scenario:
    """The regime on offer called ``name`` with a client's ``overrides``.

    Raises:
        HTTPException: 422, the regime is not on offer or the overrides do not apply.
    """
    if name not in scenarios:
        raise HTTPException(422, unknown_scenario(list(scenarios)))
    try:
        return scenarios[name].with_overrides(overrides, label="overrides")
    # Applying overrides reads nothing but the request, so any failure is the client's
    # (a value of the wrong shape; a section set to a number and one of its fields set
    # too, which overrides.py does not foresee): a 422, never a 500.
    except Exception as exc:
        raise HTTPException(422, refuse_overrides(scenarios[name], overrides, exc)) from None


def _with_meaning(h: hl.Headline) -> dict[str, Any]:
    """A headline as ``GET /api/scenarios`` gives it, with the glossary's line."""
    found = headline_term(h)
    return {**asdict(h), "means": found.hover if found is not None else ""}


def _run_routes(
    app: FastAPI,
    manager: RunManager,
    scenarios: dict[str, Scenario],
    request_type: type[BaseModel],
    keepalive: float,
) -> None:
    """``POST /api/runs`` and a run's state, metrics and events."""

    @app.post(
        "/api/runs",
        status_code=202,
        response_model=Accepted,
        responses={422: {"description": "invalid body"}, 429: {"description": "queue full"}},
    )
    def start_run(body: request_type) -> dict[str, str]:  # type: ignore[valid-type]
        """Queue a run of a regime on offer; 429 when the queue is full."""
        data = body.model_dump()  # type: ignore[attr-defined]
        sc = regime_of(scenarios, data["scenario"], data["overrides"])
        try:
            run = manager.submit(sc, data["agents"], data["steps"], data["seed"], data["overrides"])
        except QueueFullError as exc:
            raise HTTPException(429, str(exc)) from None
        return {"id": run.id}

    def find(run_id: str) -> Any:
        run = manager.get(run_id)
        if run is None:
            raise HTTPException(404, "run: unknown or expired")  # the id is not repeated
        return run

    @app.get(
        "/api/runs/{run_id}", response_model=RunState, responses={404: {"description": "unknown"}}
    )
    def run_state(run_id: str) -> dict[str, Any]:
        """A run's status and progress."""
        state: dict[str, Any] = find(run_id).public()
        return state

    @app.get(
        "/api/runs/{run_id}/metrics",
        responses={404: {"description": "unknown"}, 409: {"description": "not done yet"}},
    )
    def run_metrics(run_id: str) -> list[dict[str, Any]]:
        """The metrics table of a finished run, one record per (step, group)."""
        run = find(run_id)
        if run.status != DONE or run.table is None:
            raise HTTPException(409, f"run: {run.status}; metrics come once a run is done")
        records: list[dict[str, Any]] = run.metrics()
        return records

    @app.get("/api/runs/{run_id}/events", responses={404: {"description": "unknown"}})
    async def run_events(run_id: str) -> StreamingResponse:
        """Server-sent events of a run as it goes.

        ``progress`` events carry the new rows of metrics (group ``all``); the last
        event is ``done`` or ``failed``, with the run's state.
        """
        run = find(run_id)

        return StreamingResponse(
            _events(run, manager, keepalive),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache"},
        )


async def _events(run: Any, manager: RunManager, keepalive: float) -> AsyncIterator[str]:
    """A run's server-sent events: its state, progress rows, then how it ended."""
    # The run's state first, so that a client waiting on a queued run hears at once.
    yield f"event: state\ndata: {strict(run.public())}\n\n"
    sent, quiet = 0, 0.0
    while True:
        ended = run.status in (DONE, FAILED)
        rows = run.records(sent)
        if rows:
            sent += len(rows)
            payload = {"done_steps": sent, "steps": run.steps, "rows": rows}
            yield f"event: progress\ndata: {strict(payload)}\n\n"
            quiet = 0.0
        if ended and sent >= len(run.rows):
            yield f"event: {run.status}\ndata: {strict(run.public())}\n\n"
            return
        if manager.stopping.is_set() and run.status == QUEUED:  # will never start
            state = {**run.public(), "error": "the server is shutting down"}
            yield f"event: stopped\ndata: {strict(state)}\n\n"
            return
        if quiet >= keepalive:
            yield ": keep-alive\n\n"
            quiet = 0.0
        await asyncio.sleep(0.1)
        quiet += 0.1


def _page_routes(app: FastAPI) -> None:
    """The page and the Plotly script it loads, both served by the explorer itself."""
    static = resources.files("scoresim.explorer").joinpath("static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> str:
        return static.joinpath("index.html").read_text(encoding="utf-8")

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        import plotly

        # Served from the installed package: the page works offline, with no CDN.
        path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
        return FileResponse(path, media_type="text/javascript")
