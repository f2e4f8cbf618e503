"""No route is public by accident: every one but sign-in and the probes needs a valid token."""

from __future__ import annotations

import re
from uuid import uuid4

import httpx
from fastapi import FastAPI

from tests.integration.routes import PUBLIC, served_routes


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

    assert len(answers) > 40
    assert {route: a for route, a in answers.items() if a != (401, "Bearer")} == {}


async def test_the_public_routes_and_the_docs_answer_without_a_token(
    anonymous: httpx.AsyncClient,
) -> None:
    for path in ("/healthz", "/readyz", "/docs", "/openapi.json"):
        assert (await anonymous.get(path)).status_code == 200, path
    sign_in = await anonymous.post("/v1/auth/token", data={"username": "x", "password": "y"})
    assert sign_in.status_code == 401  # a refused sign-in, not a missing token
    assert "OAuth2PasswordBearer" in (await anonymous.get("/openapi.json")).text
