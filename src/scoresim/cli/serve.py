"""``scoresim serve``: the explorer, a page and a REST API on this machine."""

from __future__ import annotations

from typing import Annotated

import typer

from scoresim.cli.common import err, user_errors
from scoresim.errors import RunOptionError


def _check_free(host: str, port: int) -> None:
    """Refuse a port that is taken, in one line, before starting the server."""
    import socket

    if not 1 <= port <= 65535:
        raise RunOptionError(f"--port: {port} is out of range; use 1 to 65535")
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise RunOptionError(
            f"--host {host} --port {port}: cannot listen there ({reason}); pick another "
            "port, or stop what is using it"
        ) from None


def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to bind (this machine only by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port.")] = 8000,
    max_agents: Annotated[int, typer.Option("--max-agents", help="Largest run allowed.")] = 200_000,
    max_steps: Annotated[int, typer.Option("--max-steps", help="Longest run allowed.")] = 1_000,
    ttl: Annotated[float, typer.Option("--ttl", help="Seconds a finished run is kept.")] = 600.0,
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            help="Also offer this scenario file (repeat for more), after the built-in regimes.",
        ),
    ] = None,
) -> None:
    """Start the explorer: open http://HOST:PORT/ in a browser (the OpenAPI document is at /docs)."""
    import uvicorn

    from scoresim.config.loading import load_scenario
    from scoresim.explorer.app import create_app

    with user_errors():
        _check_free(host, port)
        extra = [load_scenario(s) for s in scenario or []]
        app = create_app(max_agents=max_agents, max_steps=max_steps, ttl=ttl, extra=extra)
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"warning: serving on {host}; anyone who can reach it can start runs")
    uvicorn.run(app, host=host, port=port, log_level="warning")
