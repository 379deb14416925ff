"""Schemathesis against the explorer's OpenAPI document: no input makes a server error."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from scoresim.explorer.app import create_app

# Small bounds: the fuzzer may start many runs; they must be quick.
APP = create_app(max_agents=2000, max_steps=10, running=2, queued=4, ttl=1.0)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_makes_a_server_error(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate(checks=[not_a_server_error])
