"""Signing in to the pages through an OpenID Connect provider (a small one on a real loopback
port, ``oidc_provider``): the authorization code flow with PKCE, the ID token's nonce and the
access token checked as the API checks it, the session that follows, and what is refused."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI

from api.main import create_app
from domain.households.model import Household
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from tests.integration.conftest import Clock
from tests.integration.helpers import household
from tests.integration.oidc_provider import CLIENT_ID, Provider, running_provider
from tests.integration.test_web_pages import browser, post_form
from web import install


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture
async def web_oidc(
    settings: Settings, application: Sukuma, clock: Clock, provider: Provider
) -> AsyncIterator[FastAPI]:
    configured = settings.model_copy(
        update={
            "oidc_issuer": provider.base,
            "oidc_jwks_url": f"{provider.base}/jwks",
            "oidc_client_id": CLIENT_ID,
        }
    )
    app = install(create_app(configured, application, clock=clock))
    async with app.router.lifespan_context(app):
        yield app


async def through_provider(http: httpx.AsyncClient, next: str = "/") -> httpx.Response:
    """Follow the flow as a browser does: to the provider and back; the callback's answer."""
    out = await http.get("/sign-in/provider", params={"next": next})
    assert out.status_code == 303, out.text[:300]
    async with httpx.AsyncClient() as idp:  # the provider signs in whoever the test set
        back = await idp.get(out.headers["location"])
    assert back.status_code == 302
    return await http.get(back.headers["location"])


async def test_a_convener_signs_in_through_the_provider_with_pkce(
    web_oidc: FastAPI,
    provider: Provider,
    ward_id: str,
    client: httpx.AsyncClient,
    application: Sukuma,
) -> None:
    provider.user = {
        "sub": "f81d4fae",
        "sukuma_roles": ["convener"],
        "sukuma_scopes": f"ward:{ward_id}",
        "locale": "zu",
    }
    household_id = await household(client, ward_id)
    async with browser(web_oidc) as http:
        offered = (await http.get("/sign-in")).text
        assert 'href="/sign-in/provider?next=%2F"' in offered
        # The way out: an authorization request with PKCE (S256), state and nonce
        out = await http.get("/sign-in/provider", params={"next": "/board"})
        asked = parse_qs(urlsplit(out.headers["location"]).query)
        assert asked["code_challenge_method"] == ["S256"] and len(asked["code_challenge"][0]) == 43
        assert asked["client_id"] == [CLIENT_ID] and asked["nonce"] and asked["state"]
        flow_cookie = out.headers["set-cookie"]
        assert "HttpOnly" in flow_cookie and "SameSite=lax" in flow_cookie
        # The way back: a page that moves on to where the user was going, signed in
        signed_in = await through_provider(http, "/board")
        assert signed_in.status_code == 200
        assert '<meta http-equiv="refresh" content="0; url=/board">' in signed_in.text
        assert "SameSite=strict" in signed_in.headers["set-cookie"]
        board = await http.get("/board")
        assert board.status_code == 200
        assert '<html lang="zu">' in board.text and "oidc:f81d4fae" in board.text
        # Its steps are recorded under its provider's subject
        page = f"/households/{household_id}"
        recorded = await post_form(http, f"{page}/needs", page, category="water", severity="low")
        assert recorded.status_code == 303
    verifier = provider.token_requests[-1]["code_verifier"]
    assert 43 <= len(verifier) <= 128 and "client_secret" not in provider.token_requests[-1]
    need_events = [
        e
        for e in application.repository.event_store.get(UUID(household_id))
        if isinstance(e, Household.NeedIdentified)
    ]
    assert [e.actor for e in need_events] == ["oidc:f81d4fae"]


async def test_the_session_ends_with_the_providers_token(
    web_oidc: FastAPI, provider: Provider, ward_id: str, clock: Clock
) -> None:
    provider.user = {"sub": "a1", "sukuma_roles": "convener", "sukuma_scopes": f"ward:{ward_id}"}
    provider.lifetime = 120
    async with browser(web_oidc) as http:
        assert (await through_provider(http)).status_code == 200
        assert (await http.get("/board")).status_code == 200
        clock.advance(minutes=3)
        gone = await http.get("/board")
        assert (gone.status_code, gone.headers["location"]) == (303, "/sign-in?next=/board")


async def test_a_forged_state_a_replayed_answer_and_no_flow_are_refused(
    web_oidc: FastAPI, provider: Provider, ward_id: str
) -> None:
    provider.user = {"sub": "b2", "sukuma_roles": ["convener"], "sukuma_scopes": f"ward:{ward_id}"}
    async with browser(web_oidc) as http, browser(web_oidc) as other:
        out = await http.get("/sign-in/provider")
        async with httpx.AsyncClient() as idp:
            back = (await idp.get(out.headers["location"])).headers["location"]
        # Another browser (no flow of its own) cannot use this browser's answer
        stolen = await other.get(back)
        assert stolen.status_code == 400 and "did not work" in stolen.text
        assert (await other.get("/board")).status_code == 303
        # The browser that asked signs in once; the same answer again is refused
        assert (await http.get(back)).status_code == 200
        assert (await http.get(back)).status_code == 400
    async with browser(web_oidc) as http:
        out = await http.get("/sign-in/provider")
        async with httpx.AsyncClient() as idp:
            back = (await idp.get(out.headers["location"])).headers["location"]
        forged = re.sub(r"state=[^&]+", "state=forged", back)
        assert (await http.get(forged)).status_code == 400
        assert (await http.get("/board")).status_code == 303  # not signed in
        # (the forged answer ended the flow: the genuine one is refused too)
        assert (await http.get(back)).status_code == 400
    assert len(provider.token_requests) == 1  # only the one genuine exchange reached it


async def test_without_a_client_the_sign_in_page_offers_only_passwords(
    settings: Settings, application: Sukuma, clock: Clock
) -> None:
    app = install(create_app(settings, application, clock=clock))
    async with app.router.lifespan_context(app), browser(app) as http:
        assert "/sign-in/provider" not in (await http.get("/sign-in")).text
        assert (await http.get("/sign-in/provider")).status_code == 404
