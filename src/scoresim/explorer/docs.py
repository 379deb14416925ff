"""The API's documentation pages, served offline from the installed fastapi-offline files.

FastAPI's own ``/docs`` and ``/redoc`` load their scripts from a CDN, so offline they
show a blank page. Here ``/docs`` takes its script, style and icon from the explorer
itself, which serves them from the ``fastapi-offline`` package (Swagger UI 5, which
reads FastAPI's OpenAPI 3.1 document). ``/redoc`` is not offered: even with its
script served locally, ReDoc fetches its logo from cdn.redoc.ly (measured in
Chromium). The document stays at ``/openapi.json``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.png": "image/png",
}
BASE = "/static/api-docs"


def _assets() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def add_api_docs(app: FastAPI) -> None:
    """Add ``/docs`` (Swagger UI) and the files it needs under ``BASE``."""
    title = "scoresim explorer API"

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=title,
            swagger_js_url=f"{BASE}/swagger-ui-bundle.js",
            swagger_css_url=f"{BASE}/swagger-ui.css",
            swagger_favicon_url=f"{BASE}/favicon.png",
        )

    @app.get(BASE + "/{name}", include_in_schema=False)
    def asset(name: str) -> FileResponse:
        if name not in ASSETS:  # only these files, never a path of the client's
            raise HTTPException(404, "no such file")  # its name is not repeated
        return FileResponse(_assets() / name, media_type=ASSETS[name])
