"""What the explorer lets in: bounded bodies, finite numbers, short answers, never a 5xx.

A request body is refused before the route sees it when it is larger than
:data:`MAX_BODY` bytes (413: with a ``Content-Length`` before a byte is read,
otherwise as soon as the limit is passed), nested deeper than :data:`MAX_DEPTH`
(checked by a scan of the bytes, before any JSON parser recurses), or holding a
number JSON does not allow (``NaN``, ``Infinity``, or a literal such as ``1e309``
that overflows to one). Validation errors are answered with the field and the reason,
never the input echoed back (not even a key the client chose), and at most
:data:`MAX_ERRORS` of them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from scoresim import limits

MAX_BODY = limits.API_BODY_BYTES
MAX_DEPTH = limits.API_DEPTH
MAX_ERRORS = limits.API_ERRORS
MAX_MESSAGE = limits.API_MESSAGE_CHARS

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyError(Exception):
    """A body the explorer does not read further; ``status`` is the answer's code."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _constant(name: str) -> float:
    raise BodyError(422, f"body: {name} is not a number JSON allows; give a finite number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyError(422, "body: a number is too large; give a finite number")
    return value


def check_body(body: bytes) -> None:
    """Refuse a JSON body that is nested too deep or holds a non-finite number.

    A body that is not JSON at all is left to FastAPI, which answers 422.

    Raises:
        BodyError: With the status (413 or 422) and a one-line reason.
    """
    if limits.json_depth(body) > MAX_DEPTH:
        raise BodyError(422, f"body: nested more than {MAX_DEPTH} levels deep; send a flat object")
    try:
        json.loads(body, parse_constant=_constant, parse_float=_finite)
    except ValueError:  # not JSON (or not UTF-8): FastAPI says so
        return


def _answer(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


class BodyGuard:
    """ASGI middleware applying :func:`check_body` and the size limit to every body."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read a bounded body, check it, and hand it on unchanged."""
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        try:
            body = await self._read(scope, receive)
            check_body(body)
        except BodyError as exc:
            await _answer(exc.status, str(exc))(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()  # the disconnect, when it comes
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, scope: Scope, receive: Receive) -> bytes:
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        too_big = BodyError(
            413, f"body: larger than the {self.limit:,} bytes a request may carry; send less"
        )
        if declared is not None:
            if not declared.isdigit():
                raise BodyError(400, "Content-Length: not a number of bytes")
            if int(declared) > self.limit:
                raise too_big  # before a byte of it is read
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                raise too_big
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


VALUE = "Input should be a number, a string, true, false or null"
"""What an override's value may be (one error, for the union's five members)."""


def validation_handler(
    models: Mapping[str, type[BaseModel]],
) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    """The answer to a body that does not fit its model: 422, each error's field and reason.

    Args:
        models: the body's model of each path that takes one (``/api/runs``, ...).

    At most :data:`MAX_ERRORS` errors of at most :data:`MAX_MESSAGE` characters. A
    location names only the server's words: the model's own fields, an override's key
    by its place (``key 2``, and ``[key]`` when the key itself is wrong), never a key
    the client chose; a field the client added is refused at ``body``. The members of
    the override value's union make one error, :data:`VALUE`.
    """
    fields_of = {path: set(model.model_fields) for path, model in models.items()}

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        fields = fields_of.get(request.url.path, set())
        errors: list[dict[str, Any]] = []
        for e in exc.errors():
            loc, msg = _place(e, fields, exc.body), str(e.get("msg", ""))
            if e.get("type") == "extra_forbidden":
                msg = f"{msg}: send only {', '.join(sorted(fields))}"
            elif len(loc) == 3 and loc[1] == "overrides" and len(e.get("loc", ())) > 3:
                msg = VALUE  # one of the union's members said no; so did the others
            if any(d["loc"] == loc for d in errors):
                continue
            errors.append({"loc": loc, "msg": msg[:MAX_MESSAGE]})
            if len(errors) == MAX_ERRORS:
                break
        return JSONResponse({"detail": errors}, status_code=422)

    return validation_error


def _place(error: Mapping[str, Any], fields: set[str], body: Any) -> list[str | int]:
    """An error's location in the server's words: never a key the client chose."""
    loc = list(error.get("loc", ()))
    if loc[:1] != ["body"]:
        return ["body"]
    out: list[str | int] = ["body"]
    for part in loc[1:]:
        # A number is where the JSON broke; a name, one of the request's own fields.
        if isinstance(part, int) or (len(out) == 1 and part in fields):
            out.append(part)
        elif out[1:] == ["overrides"]:
            keys = list(body["overrides"]) if _overrides(body) else []
            out.append(f"key {keys.index(part) + 1}" if part in keys else "a key")
        elif len(out) == 3 and out[1] == "overrides" and part == "[key]":
            out.append(part)  # the key itself is wrong (empty, or too long)
        else:  # a member of the union, or a field the request does not have
            break
    return out


def _overrides(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("overrides"), dict)
