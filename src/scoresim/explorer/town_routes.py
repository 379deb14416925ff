"""The explorer's town: ``POST /api/town``, ``POST /api/town/person`` and the page at ``/town``.

A town is small (at most :data:`~scoresim.explorer.town.MAX_PEOPLE` people) and built
while the client waits (about 5 s for 5 000 people over a year on this 2-core machine).
It computes on the runs' threads and counts against the runs' queue
(``RunManager.call``): the server never computes more than ``running`` things at once,
and a request beyond ``running + queued`` is answered 429. Nothing is kept between requests: a person's
life is computed by running the same town again, following them (the same request
gives the same bits), so the page's state is all in its URL.
"""

# No `from __future__ import annotations`: FastAPI must see the request models.
from collections.abc import Callable
from importlib import resources
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, create_model

from scoresim import limits
from scoresim.config.loading import Scenario
from scoresim.explorer import story, town
from scoresim.explorer.runs import CancelledError, QueueFullError, RunManager

Value = float | int | bool | str | None
Path_ = Annotated[str, Field(min_length=1, max_length=120)]
SCRIPTS = ("town.js", "town-draw.js", "town-screen.js", "story.js", "life.js")


def town_models(max_agents: int, max_steps: int) -> tuple[type[BaseModel], type[BaseModel]]:
    """The bodies of ``POST /api/town`` and ``POST /api/town/person``, with these bounds."""
    most = min(town.MAX_PEOPLE, max_agents)
    fields: dict[str, Any] = {
        "scenario": (str, Field(min_length=1, max_length=64, description="a regime on offer")),
        "people": (
            int,
            Field(
                min(2_000, most),
                ge=100,
                le=most,
                strict=True,
                description="synthetic people in the town",
            ),
        ),
        "days": (
            int,
            Field(
                min(365, max_steps),
                ge=1,
                le=min(town.MAX_DAYS, max_steps),
                strict=True,
                description="days to run (seed's polls ask on day 364)",
            ),
        ),
        "seed": (int, Field(0, ge=0, le=limits.SEED_MAX, strict=True)),
        "overrides": (
            dict[Path_, Value],
            Field(default_factory=dict, max_length=limits.API_OVERRIDES),
        ),
    }
    config = ConfigDict(extra="forbid")
    request: type[BaseModel] = create_model("TownRequest", __config__=config, **fields)
    person = (int, Field(ge=0, lt=most, strict=True, description="a person's id"))
    following: type[BaseModel] = create_model(
        "PersonRequest", __config__=config, **fields, person=person
    )
    return request, following


def add_town(
    app: FastAPI,
    scenarios: dict[str, Scenario],
    regime_of: Callable[[dict[str, Scenario], str, dict[str, Any]], Scenario],
    models: tuple[type[BaseModel], type[BaseModel]],
    manager: RunManager,
) -> None:
    """The town's endpoints and pages; towns compute on the runs' threads (``manager``)."""
    request_type, person_type = models

    def built(data: dict[str, Any], work: Callable[[Scenario], dict[str, Any]]) -> dict[str, Any]:
        sc = regime_of(scenarios, data["scenario"], data["overrides"])
        try:
            return manager.call(lambda: work(sc))
        except QueueFullError as exc:
            raise HTTPException(429, str(exc)) from None
        except CancelledError:  # taken from the queue as the server stops
            raise HTTPException(503, "the server is shutting down") from None

    @app.post(
        "/api/town", responses={422: {"description": "invalid body"}, 429: {"description": "busy"}}
    )
    def build_town(body: request_type) -> dict[str, Any]:  # type: ignore[valid-type]
        """Run a regime on a small town and return every day of every person, for drawing."""
        d = body.model_dump()  # type: ignore[attr-defined]
        return built(d, lambda sc: town.build(sc, d["people"], d["days"], d["seed"]))

    @app.post(
        "/api/town/person",
        responses={422: {"description": "invalid body"}, 429: {"description": "busy"}},
    )
    def follow_person(body: person_type) -> dict[str, Any]:  # type: ignore[valid-type]
        """One person's life in the same town, in words, day by day."""
        d = body.model_dump()  # type: ignore[attr-defined]
        if d["person"] >= d["people"]:
            raise HTTPException(422, "person: must be below people (ids start at 0)")
        return built(d, lambda sc: town.life_of(sc, d["people"], d["days"], d["seed"], d["person"]))

    @app.post(
        "/api/story", responses={422: {"description": "invalid body"}, 429: {"description": "busy"}}
    )
    def tell_story(body: request_type) -> dict[str, Any]:  # type: ignore[valid-type]
        """The guided story's scenes in a town of at most 2 000 people (docs/seeing.md)."""
        d = body.model_dump()  # type: ignore[attr-defined]
        if d["people"] > story.MAX_PEOPLE:
            raise HTTPException(422, f"people: a story follows everyone; use at most {story.MAX_PEOPLE:,}")  # fmt: skip
        if d["days"] > story.MAX_DAYS:
            raise HTTPException(422, f"days: a story follows everyone; use at most {story.MAX_DAYS}")  # fmt: skip
        return built(d, lambda sc: story.story(sc, d["people"], d["days"], d["seed"]))

    static = resources.files("scoresim.explorer").joinpath("static")

    @app.get("/story", response_class=HTMLResponse, include_in_schema=False)
    def story_page() -> str:
        return static.joinpath("story.html").read_text(encoding="utf-8")

    @app.get("/town", response_class=HTMLResponse, include_in_schema=False)
    def town_page() -> str:
        return static.joinpath("town.html").read_text(encoding="utf-8")

    for name in SCRIPTS:
        app.add_api_route(
            f"/static/{name}",
            _script(static.joinpath(name).read_text("utf-8")),
            include_in_schema=False,
        )


def _script(text: str) -> Callable[[], Response]:
    def serve() -> Response:
        return Response(text, media_type="text/javascript")

    return serve
