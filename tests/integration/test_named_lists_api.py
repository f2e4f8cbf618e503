"""The API's household and referral lists with ``?names=true``, over HTTP against a real
PostgreSQL: each row's head's name only to a reader who may see it (``api.names``, the web
lists' rule: pii:read and the household's visibility, an officer only through a referral
sharing personal data), never an erased household's; each name shown logged with the API's
route as its endpoint; without the opt-in, the answers are as they were (no name, no log);
a read pool on a replica (which refuses writes) has the log written on the primary."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from adapters.database import asyncpg_connect_kwargs
from api.names import NAME_FIELDS
from domain.access.principal import Role
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from tests.integration.conftest import ClientAs
from tests.integration.helpers import post_ok
from tests.integration.test_views_api import project
from tests.integration.test_web_names import HEAD, profiled_with_need, reads_of, referral_of

pytestmark = pytest.mark.integration


async def rows_of(http: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    answer = await http.get(path, params=params)
    assert answer.status_code == 200, answer.text[:300]
    rows: list[dict[str, Any]] = answer.json()["data"]
    return rows


def named_rows(rows: list[dict[str, Any]], key: str) -> dict[str, str]:
    return {row[key]: row["household_name"] for row in rows if "household_name" in row}


async def test_lists_name_households_only_with_the_opt_in_and_to_readers_who_may_see_them(
    client: httpx.AsyncClient, client_as: ClientAs, application: Sukuma, ward_id: str
) -> None:
    # Given two profiled households referred to SASSA (one referral sharing personal data),
    # and a third, erased
    shared_household = await profiled_with_need(client, ward_id)
    shared = await referral_of(client, shared_household, personal_data_shared=True)
    private_household = await profiled_with_need(client, ward_id)
    private = await referral_of(client, private_household)
    erased = await profiled_with_need(client, ward_id)
    await post_ok(client, f"/v1/households/{erased}/erase", {"reason": "data subject asked"})
    project(application)
    plain = await client_as(Role.CONVENER, f"ward:{ward_id}", username="plain")
    named = await client_as(Role.CONVENER, f"ward:{ward_id}", "pii:read", username="named")
    desk = await client_as(
        Role.DEPARTMENT_OFFICER, f"ward:{ward_id}", "department:SASSA", "pii:read", username="desk"
    )

    # When each reads the lists without the opt-in
    before = await rows_of(named, "/v1/households", ward=ward_id)
    referrals_before = await rows_of(desk, "/v1/referrals", ward=ward_id)
    # Then no row carries a name and no read is logged: the answers are as they were
    assert len(before) == 3 and len(referrals_before) == 2
    assert not any("household_name" in row for row in [*before, *referrals_before])
    assert await reads_of(client, application, "named") == []
    assert await reads_of(client, application, "desk") == []

    # When each reads them with names=true
    households = await rows_of(named, "/v1/households", ward=ward_id, names="true")
    referrals = await rows_of(named, "/v1/referrals", ward=ward_id, names="true")
    desk_referrals = await rows_of(desk, "/v1/referrals", ward=ward_id, names="true")
    plain_rows = [
        *await rows_of(plain, "/v1/households", ward=ward_id, names="true"),
        *await rows_of(plain, "/v1/referrals", ward=ward_id, names="true"),
    ]

    # Then the convener with pii:read sees both heads' names, never the erased household's
    assert named_rows(households, "household_id") == {
        shared_household: HEAD,
        private_household: HEAD,
    }
    assert named_rows(referrals, "referral_id") == {shared: HEAD, private: HEAD}
    # And the rows are otherwise the same rows, field for field
    assert [{k: v for k, v in r.items() if k != "household_name"} for r in households] == before
    # And the officer sees a name only through the referral sharing personal data
    assert named_rows(desk_referrals, "referral_id") == {shared: HEAD}
    # And a reader without pii:read sees none, opt-in or not
    assert not any("household_name" in row for row in plain_rows)
    # And each name shown is a logged read under the API's route; none for the others
    fields = sorted(NAME_FIELDS)
    assert sorted(await reads_of(client, application, "named")) == sorted(
        (household, endpoint, fields)
        for household in (shared_household, private_household)
        for endpoint in ("GET /v1/households", "GET /v1/referrals")
    )
    assert await reads_of(client, application, "desk") == [
        (shared_household, "GET /v1/referrals", fields)
    ]
    assert await reads_of(client, application, "plain") == []


async def test_the_opt_in_is_documented_in_the_openapi_schema(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    for path in ("/v1/households", "/v1/referrals"):
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        names = parameters["names"]
        assert names["schema"]["type"] == "boolean" and names["schema"]["default"] is False
        assert "pii:read" in names["description"]
    for row in ("HouseholdSummaryRead", "ReferralSummaryRead"):
        shape = schema["components"]["schemas"][row]
        assert "household_name" in shape["properties"]
        assert "household_name" not in shape.get("required", [])


async def test_a_read_pool_on_a_replica_has_the_read_log_written_on_the_primary(
    api: FastAPI,
    client: httpx.AsyncClient,
    client_as: ClientAs,
    application: Sukuma,
    settings: Settings,
    ward_id: str,
) -> None:
    # Given a named household, and the read pool reading a replica (as a hot standby does, it
    # refuses every write: here a session read-only by default)
    household_id = await profiled_with_need(client, ward_id)
    project(application)
    named = await client_as(Role.CONVENER, f"ward:{ward_id}", "pii:read", username="named")
    url = settings.database_url
    assert url is not None
    connect = asyncpg_connect_kwargs(url, settings.schema_for(url))
    read_only = {"default_transaction_read_only": "on"}
    connect["server_settings"] = {**connect.get("server_settings", {}), **read_only}
    replica = await asyncpg.create_pool(min_size=1, max_size=2, **connect)
    primary = api.state.read_pool
    api.state.read_pool = replica
    try:
        with pytest.raises(asyncpg.exceptions.ReadOnlySQLTransactionError):
            await replica.execute("CREATE TEMPORARY TABLE written (id int)")

        # When the reader lists the ward's households with their names
        rows = await rows_of(named, "/v1/households", ward=ward_id, names="true")
    finally:
        api.state.read_pool = primary
        await replica.close()

    # Then the names are shown, and their read log was written all the same (on the primary)
    assert named_rows(rows, "household_id") == {household_id: HEAD}
    assert await reads_of(client, application, "named") == [
        (household_id, "GET /v1/households", sorted(NAME_FIELDS))
    ]
