"""``scoresim serve``: the explorer, a page and a REST API on this machine."""

from __future__ import annotations

from typing import Annotated

import typer

from scoresim.cli.common import err


def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to bind (this machine only by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port.")] = 8000,
    max_agents: Annotated[int, typer.Option("--max-agents", help="Largest run allowed.")] = 200_000,
    max_steps: Annotated[int, typer.Option("--max-steps", help="Longest run allowed.")] = 1_000,
    ttl: Annotated[float, typer.Option("--ttl", help="Seconds a finished run is kept.")] = 600.0,
) -> None:
    """Start the explorer: open http://HOST:PORT/ in a browser (the OpenAPI document is at /docs)."""
    import uvicorn

    from scoresim.explorer.app import create_app

    app = create_app(max_agents=max_agents, max_steps=max_steps, ttl=ttl)
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"warning: serving on {host}; anyone who can reach it can start runs")
    uvicorn.run(app, host=host, port=port, log_level="warning")
