"""The command routes' lean handler answers exactly as FastAPI's own handler does.

Each case is sent twice: once on the lean path, once with a dependency override in place
(which sends every request to FastAPI's handler). Refusals must match byte for byte; a
command that succeeds must succeed on both, with the same shape.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from fastapi.routing import APIRoute

from api.command_route import CommandRoute
from api.deps import command_runner, get_clock
from api.main import ROUTER_MODULES
from tests.integration.helpers import household

#: (path, headers, body): ``{h}`` is a household of the caller's ward, ``{unknown}`` none.
CASES: list[tuple[str, dict[str, str], bytes]] = [
    ("/v1/households/{h}/visits", {}, b'{"outcome": "met_household"}'),
    ("/v1/households/{h}/visits", {}, b'{"outcome": "sang"}'),
    ("/v1/households/{h}/visits", {}, b'{"outcome": '),
    ("/v1/households/{h}/visits", {}, b""),
    ("/v1/households/{h}/visits", {}, b"[1, 2]"),
    ("/v1/households/{h}/visits", {}, b'{"outcome": "met_household", "note": 7}'),
    ("/v1/households/not-a-uuid/visits", {}, b'{"outcome": "met_household"}'),
    ("/v1/households/{unknown}/visits", {}, b'{"outcome": "met_household"}'),
    ("/v1/households/{h}/visits", {"content-type": "text/plain"}, b'{"outcome": "x"}'),
    (
        "/v1/households/{h}/visits",
        {"content-type": "application/vnd.sukuma+json"},
        b'{"outcome": "met_household"}',
    ),
    ("/v1/households/{h}/visits", {"if-match": '"1"'}, b'{"outcome": "met_household"}'),
    ("/v1/households/{h}/visits", {"if-match": "soon"}, b'{"outcome": "met_household"}'),
    ("/v1/households/{h}/visits", {"idempotency-key": ""}, b'{"outcome": "met_household"}'),
    ("/v1/households/{h}/graduate", {}, b'{"policy_version": 1}'),
    ("/v1/referrals/{unknown}/acknowledge", {}, b"{}"),
    ("/v1/households/{h}/needs", {}, b'{"category": "food", "severity": "urgent-ish"}'),
]


def _stable(response: httpx.Response, household_id: str) -> tuple[int, Any]:
    """Status and body, with what differs between the two sends (ids, versions) blanked."""
    if response.status_code >= 400:
        return response.status_code, response.content.replace(household_id.encode(), b"{h}")
    return response.status_code, sorted(response.json())


@pytest.mark.parametrize(("path", "headers", "body"), CASES)
async def test_the_lean_path_answers_as_fastapi_does(
    api: FastAPI,
    client: httpx.AsyncClient,
    ward_id: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
) -> None:
    answers = []
    unknown = uuid4()
    for forced in (False, True):
        household_id = await household(client, ward_id)
        target = path.format(h=household_id, unknown=unknown)
        sent = {"content-type": "application/json", **headers}
        if forced:  # any override sends requests to FastAPI's own handler
            api.dependency_overrides[get_clock] = get_clock
        try:
            response = await client.post(target, content=body, headers=sent)
            answers.append(_stable(response, household_id))
        finally:
            api.dependency_overrides.clear()

    assert answers[0] == answers[1]


async def test_the_caller_is_checked_before_the_body(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post(f"/v1/households/{uuid4()}/visits", content=b"{")

    assert response.status_code == 401


async def test_dependency_overrides_are_honoured(
    api: FastAPI, client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)

    def refuse() -> None:
        raise HTTPException(status_code=418, detail="overridden")

    api.dependency_overrides[command_runner] = refuse
    try:
        response = await client.post(
            f"/v1/households/{household_id}/visits", json={"outcome": "met_household"}
        )
    finally:
        api.dependency_overrides.clear()

    assert response.status_code == 418


def test_the_command_routes_take_the_lean_path(api: FastAPI) -> None:
    """If a FastAPI upgrade changed how routes are built, commands would quietly fall back to
    the slow path: this says so instead."""
    api.openapi()  # builds the included routes' handlers
    commands = [
        route
        for module in ROUTER_MODULES
        for route in module.router.routes
        if isinstance(route, APIRoute) and _runs_commands(route)
    ]
    lean = {route.path for route in commands if isinstance(route, CommandRoute) and route.lean}

    assert len(commands) > 30
    # The users' routes that also need the sign-in service take FastAPI's handler.
    assert {route.path for route in commands} - lean <= {
        route.path
        for route in commands
        if any(d.call is not command_runner for d in route.dependant.dependencies)
    }
    assert "/households/{household_id}/visits" in lean


def _runs_commands(route: APIRoute) -> bool:
    return any(d.call is command_runner for d in route.dependant.dependencies)
