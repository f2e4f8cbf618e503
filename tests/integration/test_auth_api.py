"""Sign-in, tokens and their refusals (401), throttled sign-in (429), the caller's identity."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import jwt
import pytest

from domain.access.principal import PII_READ, Role
from domain.sukuma import Sukuma
from tests.integration.conftest import TEST_PASSWORD, ClientAs, Clock, add_user
from tests.integration.helpers import household


async def sign_in(
    http: httpx.AsyncClient, username: str, password: str = TEST_PASSWORD
) -> httpx.Response:
    return await http.post("/v1/auth/token", data={"username": username, "password": password})


async def tokens(http: httpx.AsyncClient, username: str) -> dict[str, Any]:
    response = await sign_in(http, username)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def thandi(application: Sukuma, ward_id: str) -> str:
    add_user(application, "thandi", (Role.CONVENER,), (f"ward:{ward_id}",))
    return "thandi"


async def test_a_user_signs_in_and_the_token_says_who_it_is(
    anonymous: httpx.AsyncClient, thandi: str, ward_id: str
) -> None:
    body = await tokens(anonymous, thandi)

    me = await anonymous.get("/v1/me", headers=bearer(body["access_token"]))

    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    assert me.status_code == 200
    assert me.json() == {
        "user_id": me.json()["user_id"],
        "username": "thandi",
        "roles": ["convener"],
        "scopes": [f"ward:{ward_id}"],
        "may_read_pii": False,
    }


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not-a-jwt", "Basic dGhhbmRpOnNlY3JldA==", "Bearer a.b.c"],
)
async def test_a_missing_or_malformed_token_answers_401(
    anonymous: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    response = await anonymous.get("/v1/geography", headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_forged_an_expired_and_a_refresh_token_are_refused(
    anonymous: httpx.AsyncClient, thandi: str, clock: Clock
) -> None:
    body = await tokens(anonymous, thandi)
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    forged = jwt.encode({**claims, "roles": ["admin"]}, "not-the-secret-key-" * 3, "HS256")

    assert (await anonymous.get("/v1/me", headers=bearer(forged))).status_code == 401
    assert (await anonymous.get("/v1/me", headers=bearer(body["refresh_token"]))).status_code == 401
    assert (await anonymous.get("/v1/me", headers=bearer(body["access_token"]))).status_code == 200
    clock.advance(minutes=16)
    expired = await anonymous.get("/v1/me", headers=bearer(body["access_token"]))
    assert expired.status_code == 401
    assert expired.headers["www-authenticate"].startswith("Bearer")


async def test_a_wrong_password_or_unknown_user_answers_401(
    anonymous: httpx.AsyncClient, thandi: str
) -> None:
    wrong = await sign_in(anonymous, thandi, "not-the-password")
    unknown = await sign_in(anonymous, "nobody")

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.headers["www-authenticate"].startswith("Bearer")


async def test_a_refresh_token_is_replaced_and_works_once(
    anonymous: httpx.AsyncClient, thandi: str
) -> None:
    first = await tokens(anonymous, thandi)
    grant = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}

    renewed = await anonymous.post("/v1/auth/token", data=grant)
    me = await anonymous.get("/v1/me", headers=bearer(renewed.json()["access_token"]))
    replayed = await anonymous.post("/v1/auth/token", data=grant)

    assert renewed.status_code == 200
    assert renewed.json()["refresh_token"] != first["refresh_token"]
    assert me.status_code == 200
    assert replayed.status_code == 401


async def test_a_replayed_refresh_token_ends_every_session_of_the_user(
    anonymous: httpx.AsyncClient, thandi: str, application: Sukuma
) -> None:
    # Given a refresh token copied by a thief, and the chain of whoever refreshed first
    stolen = await tokens(anonymous, thandi)
    other_session = await tokens(anonymous, thandi)
    grant = {"grant_type": "refresh_token", "refresh_token": stolen["refresh_token"]}
    chain = (await anonymous.post("/v1/auth/token", data=grant)).json()
    assert (await anonymous.get("/v1/me", headers=bearer(chain["access_token"]))).is_success

    # When the other holder replays it
    replayed = await anonymous.post("/v1/auth/token", data=grant)

    # Then it is refused and every session of the user ends, the first chain's too
    assert replayed.status_code == 401
    for session in (chain, other_session):
        assert (
            await anonymous.get("/v1/me", headers=bearer(session["access_token"]))
        ).status_code == 401
        renew = {"grant_type": "refresh_token", "refresh_token": session["refresh_token"]}
        assert (await anonymous.post("/v1/auth/token", data=renew)).status_code == 401
    assert application.user_named(thandi).generation == 1
    # And the real user signs in again with the password
    assert (await sign_in(anonymous, thandi)).status_code == 200


async def test_deactivation_and_a_password_change_end_sessions_at_once(
    anonymous: httpx.AsyncClient, client_as: ClientAs, thandi: str, application: Sukuma
) -> None:
    # A province-wide admin: sipho's area is the province (authorize_account_change)
    admin = await client_as(Role.ADMIN, "province:KZN")
    add_user(application, "sipho", (Role.ANALYST,), ("province:KZN",))
    thandis, siphos = await tokens(anonymous, thandi), await tokens(anonymous, "sipho")
    for session in (thandis, siphos):  # cached as active
        assert (await anonymous.get("/v1/me", headers=bearer(session["access_token"]))).is_success

    deactivated = await admin.post(f"/v1/users/{thandi}/deactivate", json={"reason": "left"})
    changed = await admin.post("/v1/users/sipho/password", json={"password": "a-new-password"})

    assert deactivated.status_code == changed.status_code == 200
    for session in (thandis, siphos):
        me = await anonymous.get("/v1/me", headers=bearer(session["access_token"]))
        assert me.status_code == 401
        grant = {"grant_type": "refresh_token", "refresh_token": session["refresh_token"]}
        assert (await anonymous.post("/v1/auth/token", data=grant)).status_code == 401
    assert (await sign_in(anonymous, thandi)).status_code == 401
    assert (await sign_in(anonymous, "sipho", "a-new-password")).status_code == 200


async def test_repeated_failures_for_a_user_answer_429_until_they_age_out(
    anonymous: httpx.AsyncClient, thandi: str, clock: Clock
) -> None:
    for _ in range(5):
        assert (await sign_in(anonymous, thandi, "guess")).status_code == 401

    blocked = await sign_in(anonymous, thandi)  # even the right password waits

    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["retry-after"]) <= 15 * 60
    clock.advance(seconds=int(blocked.headers["retry-after"]))
    assert (await sign_in(anonymous, thandi)).status_code == 200


async def test_parallel_guesses_cannot_outrun_the_limit(
    anonymous: httpx.AsyncClient, thandi: str
) -> None:
    # Each attempt is counted before its password is checked: of ten sent at once, at most
    # the limit (5 per user) get as far as argon2; the rest are turned away.
    answers = await asyncio.gather(*(sign_in(anonymous, thandi, f"guess-{n}") for n in range(10)))

    codes = sorted(r.status_code for r in answers)
    assert codes.count(401) <= 5, codes
    assert set(codes) <= {401, 429}
    assert codes.count(429) >= 5
    assert (await sign_in(anonymous, thandi)).status_code == 429


async def test_a_successful_sign_in_does_not_count_against_the_address(
    anonymous: httpx.AsyncClient, thandi: str
) -> None:
    for _ in range(25):  # beyond the address's limit of 20, all of them right
        assert (await sign_in(anonymous, thandi)).status_code == 200


async def test_repeated_failures_from_one_address_answer_429_for_every_name(
    anonymous: httpx.AsyncClient, thandi: str
) -> None:
    for n in range(20):
        assert (await sign_in(anonymous, f"guess-{n}", "guess")).status_code == 401

    assert (await sign_in(anonymous, thandi)).status_code == 429


async def test_a_permitted_object_with_a_forbidden_action_answers_403(
    client: httpx.AsyncClient, client_as: ClientAs, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    analyst = await client_as(Role.ANALYST, f"ward:{ward_id}")

    read = await analyst.get(f"/v1/households/{household_id}")
    visit = await analyst.post(
        f"/v1/households/{household_id}/visits", json={"outcome": "met_household"}
    )

    assert read.status_code == 200
    assert visit.status_code == 403
    assert visit.json()["action"] == "household.visit"


async def test_only_an_admin_manages_users(
    anonymous: httpx.AsyncClient, client_as: ClientAs, ward_id: str
) -> None:
    admin = await client_as(Role.ADMIN, "municipality:KZN225")  # the new user's ward is in it
    convener = await client_as(Role.CONVENER, f"ward:{ward_id}")
    new_user = {
        "username": "zanele",
        "roles": ["field_worker"],
        "scopes": [f"ward:{ward_id}"],
        "password": "zanele-password",
    }

    created = await admin.post("/v1/users", json=new_user)
    again = await admin.post("/v1/users", json={**new_user, "password": "other-password"})

    assert created.status_code == 201
    assert again.status_code == 409
    assert "zanele" in {u["username"] for u in (await admin.get("/v1/users")).json()["data"]}
    assert (await admin.get("/v1/users/zanele")).json()["roles"] == ["field_worker"]
    assert "password_hash" not in (await admin.get("/v1/users/zanele")).text
    assert (await sign_in(anonymous, "zanele", "zanele-password")).status_code == 200
    assert (await convener.get("/v1/users")).status_code == 403
    assert (await convener.get("/v1/users/zanele")).status_code == 404
    assert (
        await convener.post("/v1/users", json={**new_user, "username": "x2"})
    ).status_code == 403


async def test_an_admin_cannot_escalate_itself_or_grant_beyond_its_area(
    client_as: ClientAs, application: Sukuma, ward_id: str
) -> None:
    local = await client_as(Role.ADMIN, "municipality:KZN225", username="local-admin")
    province = await client_as(Role.ADMIN, "province:KZN", username="province-admin")
    add_user(application, "zola", (Role.FIELD_WORKER,), (f"ward:{ward_id}",))
    add_user(application, "far", (Role.FIELD_WORKER,), ("district:DC43",))
    new_user = {"username": "n1", "roles": ["convener"], "password": "n1-password-123"}

    refused = [
        await local.post("/v1/users/local-admin/scopes", json={"scope": "province:KZN"}),
        await local.post("/v1/users/local-admin/roles", json={"role": "analyst"}),
        await province.post("/v1/users/province-admin/scopes", json={"scope": PII_READ}),
        await local.post("/v1/users/zola/scopes", json={"scope": "district:DC22"}),
        await local.post("/v1/users/zola/scopes", json={"scope": PII_READ}),
        await local.post("/v1/users/zola/roles", json={"role": "admin"}),
        await local.post("/v1/users/far/roles", json={"role": "convener"}),
        await local.post("/v1/users", json={**new_user, "scopes": ["province:KZN"]}),
        await local.post("/v1/users", json={**new_user, "roles": ["admin"], "scopes": []}),
    ]
    allowed = [
        await local.post("/v1/users/zola/roles", json={"role": "convener"}),
        await local.post("/v1/users/zola/scopes", json={"scope": "department:SASSA"}),
        await local.post("/v1/users", json={**new_user, "scopes": [f"ward:{ward_id}"]}),
        await province.post("/v1/users/zola/scopes", json={"scope": PII_READ}),
        await province.post("/v1/users/far/roles", json={"role": "admin"}),
    ]

    assert [r.status_code for r in refused] == [403] * len(refused), [r.text for r in refused]
    assert [r.status_code for r in allowed] == [200, 200, 201, 200, 200], [r.text for r in allowed]
    assert application.user_named("local-admin").principal.scopes == {"municipality:KZN225"}
    assert application.user_named("zola").roles == ["field_worker", "convener"]
