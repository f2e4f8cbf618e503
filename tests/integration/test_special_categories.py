"""Special need categories (health, sex life, crime: POPIA s26) of one household read broad
(``health``, ``safety``) to a caller without ``pii:read``, exactly to one with it (on the
access log), and exactly to the department officers a referral of it is addressed to; area
figures keep the exact category."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from fastapi import FastAPI

from domain.access.principal import PII_READ, Role
from domain.sukuma import Sukuma
from tests.integration.conftest import ClientAs
from tests.integration.helpers import household, need, post_ok, referral
from tests.integration.test_views_api import get_ok, project
from tests.integration.test_web_pages import browser, sign_in, user, web  # noqa: F401 (fixture)

MUNICIPALITY = "municipality:KZN225"


async def _reads(client: httpx.AsyncClient, household_id: str) -> list[tuple[str, list[str]]]:
    reads = await get_ok(client, "/v1/audit/pii-reads", household_id=household_id)
    return [(r["endpoint"], r["fields"]) for r in reads["data"]]


@pytest.mark.integration
async def test_special_categories_read_broad_without_pii_read_exact_with_it(
    client: httpx.AsyncClient, client_as: ClientAs, application: Sukuma, ward_id: str
) -> None:
    # Given a household with a TB need referred to the health department, and a GBV need
    household_id = await household(client, ward_id)
    tb = await need(client, household_id, "health_tb")
    referral_id = await referral(client, household_id, tb, department="DOH")
    await need(client, household_id, "gbv")
    await need(client, household_id, "water")
    project(application)
    plain = await client_as(Role.ANALYST, MUNICIPALITY, username="plain")
    granted = await client_as(Role.ANALYST, MUNICIPALITY, PII_READ, username="granted")
    health = await client_as(
        Role.DEPARTMENT_OFFICER, MUNICIPALITY, "department:DOH", username="health"
    )

    # When an analyst without pii:read reads the household, its history, the referral and
    # the case lists and exports
    read = await get_ok(plain, f"/v1/households/{household_id}")
    history = await get_ok(plain, f"/v1/households/{household_id}/history")
    referral_read = await get_ok(plain, f"/v1/referrals/{referral_id}")
    referral_history = await get_ok(plain, f"/v1/referrals/{referral_id}/history")
    listed = await get_ok(plain, "/v1/households", ward=ward_id)
    referrals = await get_ok(plain, "/v1/referrals", ward=ward_id)
    households_csv = (await plain.get("/v1/households.csv", params={"ward": ward_id})).text
    referrals_csv = (await plain.get("/v1/referrals.csv", params={"ward": ward_id})).text

    # Then every special category reads broad, the others exactly, nothing names the special ones
    assert sorted(n["category"] for n in read["needs"]) == ["health", "safety", "water"]
    [row] = listed["data"]
    assert sorted(n["category"] for n in row["open_needs"]) == ["health", "safety", "water"]
    assert sorted(row["open_categories"]) == ["health", "safety", "water"]
    assert referral_read["category"] == "health"
    assert [r["category"] for r in referrals["data"]] == ["health"]
    [csv_row] = csv.DictReader(io.StringIO(households_csv))
    assert sorted(csv_row["open_categories"].split(";")) == ["health", "safety", "water"]
    assert [r["category"] for r in csv.DictReader(io.StringIO(referrals_csv))] == ["health"]
    assert referral_history["state"]["category"] == "health"
    texts = (history, referral_history, listed, referrals)
    for text in (*map(str, texts), households_csv, referrals_csv):
        assert "health_tb" not in text and "gbv" not in text
    assert await _reads(client, household_id) == []

    # And filtering the list by a special category is refused (its rows would reveal it)
    for url in ("/v1/households", "/v1/households.csv"):
        refused = await plain.get(url, params={"need": "gbv"})
        assert refused.status_code == 403, refused.text
    assert (await plain.get("/v1/households", params={"need": "water"})).status_code == 200

    # When an analyst with pii:read reads the household and the list
    exact = await get_ok(granted, f"/v1/households/{household_id}")
    exact_list = await get_ok(granted, "/v1/households", ward=ward_id, need="gbv")

    # Then the categories are exact, and each read is on the access log
    assert sorted(n["category"] for n in exact["needs"]) == ["gbv", "health_tb", "water"]
    assert sorted(exact_list["data"][0]["open_categories"]) == ["gbv", "health_tb", "water"]
    assert await _reads(client, household_id) == [
        ("GET /v1/households", ["needs[].category"]),
        ("GET /v1/households/{id}", ["needs[].category"]),
    ]

    # When the health department's officer reads the referral addressed to it
    officer_read = await get_ok(health, f"/v1/referrals/{referral_id}")
    officer_list = await get_ok(health, "/v1/referrals")

    # Then it sees the exact category it must act on
    assert officer_read["category"] == "health_tb"
    assert [r["category"] for r in officer_list["data"]] == ["health_tb"]


@pytest.mark.integration
async def test_the_ward_heat_map_sums_special_categories_into_broad_ones_without_pii_read(
    client: httpx.AsyncClient, client_as: ClientAs, application: Sukuma, ward_id: str
) -> None:
    # Given a GBV need and a child-protection need in a ward, and its one water need
    for category in ("gbv", "child_protection", "water"):
        await need(client, await household(client, ward_id), category)
    project(application)
    plain = await client_as(Role.ANALYST, MUNICIPALITY, username="plain")
    granted = await client_as(Role.ANALYST, MUNICIPALITY, PII_READ, username="granted")

    # When analysts without and with pii:read read the municipality's heat map
    broad = await get_ok(plain, "/v1/needs/heatmap", municipality="KZN225")
    exact = await get_ok(granted, "/v1/needs/heatmap", municipality="KZN225")

    # Then the one without sees the ward's special needs only as broad counts (an exact count
    # beside the households' broad categories would give each away); the other, exactly
    [ward] = [w for w in broad["wards"] if w["ward_id"] == ward_id]
    assert (ward["counts"]["safety"], ward["counts"]["water"], ward["total"]) == (2, 1, 3)
    assert not set(broad["categories"]) & {"gbv", "child_protection", "health_tb"}
    assert "health" in broad["categories"] and "gbv" not in str(broad)
    [ward] = [w for w in exact["wards"] if w["ward_id"] == ward_id]
    assert (ward["counts"]["gbv"], ward["counts"]["child_protection"]) == (1, 1)


@pytest.mark.integration
async def test_an_erased_households_categories_read_broad_to_everyone(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    # Given a household with a GBV need, erased
    household_id = await household(client, ward_id)
    await need(client, household_id, "gbv")
    await post_ok(client, f"/v1/households/{household_id}/erase", {"reason": "data subject asked"})

    # When the tester (every role, pii:read) reads it and its history
    read = await get_ok(client, f"/v1/households/{household_id}")
    history = await get_ok(client, f"/v1/households/{household_id}/history")

    # Then no read names the special category any more
    assert [n["category"] for n in read["needs"]] == ["safety"]
    assert "gbv" not in str(history)


@pytest.mark.integration
async def test_the_web_pages_lists_show_special_categories_broad_without_pii_read(
    client: httpx.AsyncClient,
    web: FastAPI,  # noqa: F811 (the fixture imported above)
    application: Sukuma,
    ward_id: str,
) -> None:
    # Given a household with a GBV need referred to SAPS
    household_id = await household(client, ward_id)
    await referral(client, household_id, await need(client, household_id, "gbv"), "SAPS")
    project(application)
    user(application, "plainweb", Role.ANALYST, MUNICIPALITY)
    user(application, "grantedweb", Role.ANALYST, MUNICIPALITY, PII_READ)

    # When analysts without and with pii:read open the households list and the board
    pages = {}
    for name in ("plainweb", "grantedweb"):
        async with browser(web) as http:
            assert (await sign_in(http, name)).status_code == 303
            listed = [await http.get(path) for path in ("/households", "/board")]
            assert [p.status_code for p in listed] == [200, 200]
            pages[name] = "".join(p.text for p in listed)

    # Then only the one with pii:read sees the exact category's label
    assert "Gender-based violence" not in pages["plainweb"]
    assert "Safety (details withheld)" in pages["plainweb"]
    assert "Gender-based violence" in pages["grantedweb"]
