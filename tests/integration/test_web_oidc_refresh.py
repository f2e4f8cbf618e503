"""A page session signed in through the identity provider renews its tokens with the refresh
token kept for it on the server (sealed, never in the cookie), against the small provider on
a loopback port (``oidc_provider``, which rotates refresh tokens and may revoke them): the
session outlives its first ID token while it is used, follows the roles the provider gives
at each refresh, still idles out, and a refused refresh or a sign-out ends it and drops the
kept token."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi import FastAPI
from itsdangerous import URLSafeTimedSerializer

from domain.sukuma import Sukuma
from tests.integration.conftest import Clock
from tests.integration.helpers import table_rows
from tests.integration.oidc_provider import Provider
from tests.integration.test_web_oidc import provider as provider
from tests.integration.test_web_oidc import through_provider
from tests.integration.test_web_oidc import web_oidc as web_oidc
from tests.integration.test_web_pages import browser, post_form

TABLE = "web_provider_sessions"


def kept(application: Sukuma) -> list[tuple[Any, ...]]:
    return table_rows(application.factory.datastore, TABLE)  # type: ignore[attr-defined]


def cookie_of(web: FastAPI, http: httpx.AsyncClient) -> dict[str, Any]:
    """The session cookie's content, as the app reads it."""
    secret = web.state.settings.secret_key.get_secret_value()
    loaded: dict[str, Any] = URLSafeTimedSerializer(secret, salt="sukuma-web-session").loads(
        http.cookies["sukuma_session"]
    )
    return loaded


def signed_in_with_refresh(provider: Provider, clock: Clock, ward_id: str) -> None:
    provider.user = {"sub": "c3", "sukuma_roles": "convener", "sukuma_scopes": f"ward:{ward_id}"}
    provider.lifetime = 120
    provider.refresh = True
    provider.clock = lambda: clock().timestamp()


async def test_the_session_renews_its_tokens_with_a_refresh_token_kept_sealed_on_the_server(
    web_oidc: FastAPI, provider: Provider, application: Sukuma, clock: Clock, ward_id: str
) -> None:
    signed_in_with_refresh(provider, clock, ward_id)
    async with browser(web_oidc) as http:
        assert (await through_provider(http)).status_code == 200
        # The refresh token is on the server, sealed: the cookie holds only the session's id
        (token,) = provider.refresh_tokens
        session = cookie_of(web_oidc, http)
        assert token not in json.dumps(session) and session["user"]["sid"]
        (row,) = kept(application)
        assert row[0] == session["user"]["sid"] and row[1] == "oidc:c3"
        assert token.encode() not in bytes(row[2])
        # When the ID token nears its expiry, the next page renews it with that token
        clock.advance(seconds=90)
        assert (await http.get("/board")).status_code == 200
        refreshed = provider.token_requests[-1]
        assert (refreshed["grant_type"], refreshed["refresh_token"]) == ("refresh_token", token)
        assert refreshed["client_id"] == "sukuma-web"
        # Then the session outlives the first ID token (two minutes) while it is used
        for _ in range(3):
            clock.advance(seconds=100)
            assert (await http.get("/board")).status_code == 200
        grants = [r["grant_type"] for r in provider.token_requests]
        assert grants == ["authorization_code"] + ["refresh_token"] * 4
        (rotated,) = provider.refresh_tokens  # each refresh rotated it; the new one is kept
        assert rotated != token and len(kept(application)) == 1
        # And the roles the provider gives at a refresh are the session's from then on
        provider.user = {**provider.user, "sukuma_roles": "department_officer"}
        clock.advance(seconds=100)
        now = (await http.get("/inbox")).text
        assert '<a href="/inbox">' in now and '<a href="/board">' not in now
        # When the provider refuses the refresh token (revoked), the page signs out cleanly
        provider.refresh_tokens.clear()
        clock.advance(seconds=100)
        gone = await http.get("/inbox")
        assert (gone.status_code, gone.headers["location"]) == (303, "/sign-in?next=/inbox")
        assert kept(application) == []
        assert (await http.get("/inbox")).status_code == 303


async def test_a_renewing_session_still_idles_out_and_sign_out_drops_its_token(
    web_oidc: FastAPI, provider: Provider, application: Sukuma, clock: Clock, ward_id: str
) -> None:
    signed_in_with_refresh(provider, clock, ward_id)
    async with browser(web_oidc) as http:
        assert (await through_provider(http)).status_code == 200
        clock.advance(minutes=31)  # the idle timeout is unchanged: no renewal after it
        assert (await http.get("/board")).status_code == 303
        assert [r["grant_type"] for r in provider.token_requests] == ["authorization_code"]
    async with browser(web_oidc) as http:
        assert (await through_provider(http)).status_code == 200
        assert len(kept(application)) == 2  # (the idle one's row waits for its purge)
        out = await post_form(http, "/sign-out", "/board")
        assert (out.status_code, out.headers["location"]) == (303, "/sign-in")
        assert len(kept(application)) == 1
        assert (await http.get("/board")).status_code == 303
