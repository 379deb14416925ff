"""``scoresim serve``: the explorer, a page and a REST API on this machine."""

from __future__ import annotations

from typing import Annotated, Any

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


def _check_bounds(max_agents: int, max_steps: int, ttl: float) -> None:
    if not 100 <= max_agents <= 50_000_000:
        raise RunOptionError(f"--max-agents: {max_agents} is out of range; use 100 to 50000000")
    if not 1 <= max_steps <= 60_000:
        raise RunOptionError(f"--max-steps: {max_steps} is out of range; use 1 to 60000")
    if not 1.0 <= ttl <= 86_400.0:
        raise RunOptionError(f"--ttl: {ttl:g} is out of range; use 1 to 86400 seconds")


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
    """Start the explorer: open http://HOST:PORT/ in a browser (the API's docs are at /docs)."""
    import uvicorn

    from scoresim.config.loading import load_scenario
    from scoresim.experiment.scenario import followable
    from scoresim.explorer.app import create_app

    with user_errors():
        _check_bounds(max_agents, max_steps, ttl)
        _check_free(host, port)
        extra = [load_scenario(s) for s in scenario or []]
        for sc in extra:  # a timeline every run would refuse is refused before serving
            followable(sc)
        app = create_app(max_agents=max_agents, max_steps=max_steps, ttl=ttl, extra=extra)
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"warning: serving on {host}; anyone who can reach it can start runs")
    shown = f"[{host}]" if ":" in host else host
    err.print(
        f"scoresim explorer on http://{shown}:{port}/ (API docs at /docs); Ctrl-C stops it. "
        "The first run after installing compiles scoresim's kernels (about 10 s).",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    manager = app.state.manager

    class Server(uvicorn.Server):
        """Stops the runs and ends the event streams as soon as Ctrl-C comes."""

        def handle_exit(self, sig: int, frame: Any) -> None:
            manager.stopping.set()  # runs stop at their next step; streams send their end
            super().handle_exit(sig, frame)

    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5
    )
    Server(config).run()
