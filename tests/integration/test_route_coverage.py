"""No route is public by accident: every one but sign-in and the probes needs a valid token."""

from __future__ import annotations

import re
from uuid import uuid4

import httpx
from fastapi import FastAPI
from starlette.routing import compile_path

from api.main import create_app
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from tests.integration.routes import PUBLIC, field_app, served_routes


async def test_every_route_but_the_public_ones_answers_401_without_a_token(
    api: FastAPI, anonymous: httpx.AsyncClient
) -> None:
    answers = {}
    for served in served_routes(api):
        if (served.method, served.path) in PUBLIC or served.method == "HEAD":
            continue
        path = re.sub(r"\{\w+\}", lambda _: str(uuid4()), served.path)
        response = await anonymous.request(served.method, path)
        answers[f"{served.method} {served.path}"] = (
            response.status_code,
            response.headers.get("www-authenticate", "")[:6],
        )
    # Collect's routes: a Basic challenge, or (an unknown device token in the URL) 403.
    expected = {
        f"{s.method} {s.path}": (403, "")
        if s.path.startswith("/key/")
        else (401, "Basic ")
        if field_app(s.path)
        else (401, "Bearer")
        for s in served_routes(api)
    }

    assert len(answers) > 40
    assert {route: a for route, a in answers.items() if a != expected[route]} == {}


async def test_the_public_routes_and_the_docs_answer_without_a_token(
    anonymous: httpx.AsyncClient,
) -> None:
    for path in ("/healthz", "/readyz", "/docs", "/openapi.json"):
        assert (await anonymous.get(path)).status_code == 200, path
    sign_in = await anonymous.post("/v1/auth/token", data={"username": "x", "password": "y"})
    assert sign_in.status_code == 401  # a refused sign-in, not a missing token
    assert "OAuth2PasswordBearer" in (await anonymous.get("/openapi.json")).text


def test_every_operation_documents_the_refusals_it_may_answer(api: FastAPI) -> None:
    """The schema lists what api.errors can answer, so clients (and the fuzz test) can rely
    on it: every authenticated route 401/403/404, every command also 400/409/412/422."""
    undocumented = {}
    for path, item in api.openapi()["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            wanted = {"200"} if (method.upper(), path) in PUBLIC else {"401", "403", "404"}
            if path == "/v1/me":  # the caller's own identity: nothing to refuse but the token
                wanted = {"401"}
            # commands (If-Match, Idempotency-Key): /v1 only; /open/v1 takes public answers
            if method == "post" and path.startswith("/v1/") and path != "/v1/auth/token":
                wanted |= {"400", "409", "412", "422"}
            if not wanted <= codes:
                undocumented[f"{method.upper()} {path}"] = sorted(wanted - codes)

    assert undocumented == {}
    token = api.openapi()["paths"]["/v1/auth/token"]["post"]["responses"]
    assert {"401", "429"} <= set(token)


def test_every_command_documents_the_headers_the_runner_reads(
    settings: Settings, application: Sukuma
) -> None:
    """If-Match and Idempotency-Key are declared on the command runner with ``Header()``:
    every command route shows both once, as strings (a header is never null), with the key's
    bounds."""
    api = create_app(settings, application)
    missing = {}
    for served in served_routes(api):
        if served.method != "POST" or served.path == "/v1/auth/token" or field_app(served.path):
            continue
        if (served.method, served.path) in PUBLIC:  # open data's answers: no command runner
            continue
        if served.path == "/v1/sync":  # a batch: each item carries its key and version
            continue
        operation = api.openapi()["paths"][served.path]["post"]
        headers = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
        if sorted(headers) != ["Idempotency-Key", "If-Match"]:
            missing[served.path] = sorted(headers)
    assert missing == {}
    key = headers["Idempotency-Key"]
    assert key["schema"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
        "title": "Idempotency-Key",
    }
    # The versions it takes (a quoted, weak or bare number), so generated values are versions.
    assert headers["If-Match"]["schema"] == {
        "type": "string",
        "title": "If-Match",
        "pattern": '^(W/)?"?[0-9]{1,9}"?$',
    }
    assert not key["required"]
    assert not headers["If-Match"]["required"]


def test_the_v1_routers_are_matched_first_without_taking_a_public_path(api: FastAPI) -> None:
    """A command is matched against its own router's routes, not the field app's and the
    public ones first (api.main); no /v1 route can answer a public or field-app path in
    their place, so the order changes no answer."""
    served = list(served_routes(api))
    order = [s.path for s in served]
    assert order.index("/v1/households/{household_id}/visits") < min(
        order.index(path) for path in ("/healthz", "/v1/auth/token", "/openrosa/formList")
    )
    signed_in = [
        s for s in served if s.path.startswith("/v1/") and not s.path.startswith("/v1/auth/")
    ]
    signed_in = [s for s in signed_in if s.path != "/v1/me"]
    outside = [s for s in served if s not in signed_in]
    for other in outside:
        concrete = re.sub(r"\{\w+(:\w+)?\}", "x", other.path)
        taken = [
            f"{s.method} {s.path}"
            for s in signed_in
            if s.method == other.method and compile_path(s.path)[0].match(concrete)
        ]
        assert not taken, f"{other.method} {other.path} would be answered by {taken}"
