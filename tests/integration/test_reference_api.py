"""The service catalogue through HTTP: read, admin changes with If-Match, versions that
referrals keep, and the catalogue shared by replicas over one database."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from domain.access.principal import Role
from domain.reference.catalogue import CATALOGUE_ID
from domain.sukuma import Sukuma
from scheduler.main import build_sweeper
from scheduler.rules.config import DEFAULT_RULES_FILE, load_rules_file
from sukuma.settings import Settings
from sukuma.wiring import build_application
from tests.integration.conftest import ClientAs
from tests.integration.helpers import household, need, post_ok, referral
from tests.integration.test_views_api import project


async def test_the_catalogue_is_the_shipped_file_until_changed(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/departments")
    assert response.status_code == 200 and response.headers["etag"] == '"0"'
    body = response.json()
    assert (body["version"], body["label"]) == (0, "standards-v1")
    dsd = next(d for d in body["departments"] if d["code"] == "DSD")
    assert {"category": "food_security", "ack_within_days": 7, "deliver_within_days": 7} | {
        "version": "standards-v1"
    } in dsd["service_standards"]
    assert body["default"] == {"ack_within_days": 7, "deliver_within_days": 30}
    assert body["routes"]["gbv"] == "SAPS"
    one = await client.get("/v1/departments/DSD")
    assert one.json()["name"] == "Social Development"
    assert (await client.get("/v1/departments/XYZ")).status_code == 404


async def test_a_new_standard_applies_to_referrals_made_after_it(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    first_need = await need(client, household_id, category="water")
    second_need = await need(client, household_id, category="sanitation")
    before = await referral(client, household_id, first_need, department="MUNI")

    changed = await client.post(
        "/v1/departments/MUNI/standards/sanitation",
        json={"ack_within_days": 2, "deliver_within_days": 10},
        headers={"If-Match": '"0"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["id"] == str(CATALOGUE_ID) and changed.headers["etag"] == '"2"'
    after = await referral(client, household_id, second_need, department="MUNI")

    old = (await client.get(f"/v1/referrals/{before}")).json()
    new = (await client.get(f"/v1/referrals/{after}")).json()
    made = date.fromisoformat(new["made_at"][:10])
    assert (old["deliver_by"], old["standard_version"]) == (
        (date.fromisoformat(old["made_at"][:10]) + timedelta(days=60)).isoformat(),
        "standards-v1",
    )
    assert (new["ack_by"], new["deliver_by"], new["standard_version"]) == (
        (made + timedelta(days=2)).isoformat(),
        (made + timedelta(days=10)).isoformat(),
        "catalogue-v2",
    )
    # The version a referral names can be read again.
    then = (await client.get("/v1/departments", params={"version": 2})).json()
    assert then["label"] == "catalogue-v2"
    muni = next(d for d in then["departments"] if d["code"] == "MUNI")
    assert {s["category"]: s["deliver_within_days"] for s in muni["service_standards"]}[
        "sanitation"
    ] == 10
    assert (await client.get("/v1/departments", params={"version": 3})).status_code == 404


async def test_admin_changes_with_stale_versions_bad_input_and_unknown_departments(
    client: httpx.AsyncClient,
) -> None:
    added = await client.post(
        "/v1/departments", json={"code": "NGO:FOODBANK", "name": "FoodBank", "kind": "ngo"}
    )
    assert added.status_code == 201, added.text
    assert added.headers["location"] == "/v1/departments/NGO:FOODBANK"
    assert (await client.get("/v1/departments/NGO:FOODBANK")).json()["kind"] == "ngo"
    again = await client.post(
        "/v1/departments", json={"code": "NGO:FOODBANK", "name": "FoodBank", "kind": "ngo"}
    )
    assert again.status_code == 409

    stale = await client.post(
        "/v1/departments/DSD/rename", json={"name": "Social Dev"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2

    bad = [
        ("/v1/departments/DSD/standards/water", {"ack_within_days": 0, "deliver_within_days": 5}),
        ("/v1/departments/DSD/standards/water", {"ack_within_days": 9, "deliver_within_days": 5}),
        ("/v1/departments/DSD/standards/weather", {"ack_within_days": 1, "deliver_within_days": 5}),
        ("/v1/departments", {"code": "NGO:X", "name": "x", "kind": "church"}),
        ("/v1/service-standards/default", {"ack_within_days": 1}),
    ]
    for path, body in bad:
        answer = await client.post(path, json=body)
        assert answer.status_code == 422, (path, body, answer.text)

    unknown = await client.post(
        "/v1/departments/XYZ/standards/water", json={"ack_within_days": 1, "deliver_within_days": 5}
    )
    assert unknown.status_code == 404
    assert (await client.post("/v1/departments/XYZ/rename", json={"name": "Y"})).status_code == 404
    no_own = await client.post("/v1/departments/DOH/standards/health_tb/remove", json={})
    assert no_own.status_code == 404
    assert (await client.get("/v1/departments")).headers["etag"] == '"2"'  # nothing else stored


async def test_only_an_administrator_changes_the_catalogue(
    client_as: ClientAs, ward_id: str
) -> None:
    convener = await client_as(Role.CONVENER, "province:KZN")
    admin = await client_as(Role.ADMIN, f"ward:{ward_id}")
    body = {"ack_within_days": 5, "deliver_within_days": 25}

    assert (await convener.get("/v1/departments")).status_code == 200
    refused = await convener.post("/v1/service-standards/default", json=body)
    assert refused.status_code == 403
    await post_ok(admin, "/v1/service-standards/default", body)
    assert (await convener.get("/v1/departments")).json()["default"] == {
        "ack_within_days": 5,
        "deliver_within_days": 25,
    }


async def test_replicas_over_one_database_share_the_catalogue(
    client: httpx.AsyncClient, settings: Settings, application: Sukuma
) -> None:
    assert settings.database_url is not None
    other = build_application(settings, settings.database_url)
    try:
        assert other.current_catalogue()[0] == 0
        await post_ok(client, "/v1/departments/DHA/rename", {"name": "Home Affairs (KZN)"})
        version, catalogue = other.current_catalogue()
        assert (version, catalogue.department("DHA").name) == (2, "Home Affairs (KZN)")
        # A process started after the change reads it from the event store, not the file.
        later = build_application(settings, settings.database_url)
        try:
            assert later.catalogue().department("DHA").name == "Home Affairs (KZN)"
        finally:
            later.close()
    finally:
        other.close()


async def test_a_retired_department_takes_no_new_work_and_keeps_its_old_referrals(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    before = await referral(
        client, household_id, await need(client, household_id, "livelihood"), department="DARD"
    )
    other = await referral(client, household_id, await need(client, household_id, "water"), "MUNI")

    routed = await client.post("/v1/departments/DSD/retire", json={})
    assert routed.status_code == 409 and routed.json()["rule"] == "department-routed"
    await post_ok(client, "/v1/departments/DARD/retire", {})
    again = await client.post("/v1/departments/DARD/retire", json={})
    assert again.status_code == 409

    dard = (await client.get("/v1/departments/DARD")).json()
    assert dard["retired"] is True
    listed = (await client.get("/v1/departments")).json()["departments"]
    assert {d["code"]: d["retired"] for d in listed}["DSD"] is False
    # No new referral, reassignment or standard for it; what was made before stays as made.
    refused = await client.post(
        "/v1/referrals",
        json={
            "id": str(uuid4()),
            "household_id": household_id,
            "need_id": await need(client, household_id, "food_security"),
            "department": "DARD",
        },
    )
    assert refused.status_code == 422 and "retired" in refused.text
    moved = await client.post(
        f"/v1/referrals/{other}/reassign", json={"to_department": "DARD", "reason": "closer"}
    )
    assert moved.status_code == 422
    standard = await client.post(
        "/v1/departments/DARD/standards/livelihood",
        json={"ack_within_days": 2, "deliver_within_days": 9},
    )
    assert standard.status_code == 409
    old = (await client.get(f"/v1/referrals/{before}")).json()
    assert (old["department"], old["standard_version"]) == ("DARD", "standards-v1")


async def test_need_categories_are_routed_by_the_current_catalogue(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    await post_ok(client, "/v1/departments/DSD/routes/water", {})
    assert (await client.get("/v1/departments")).json()["routes"]["water"] == "DSD"
    water = await need(client, household_id, "water")
    read = (await client.get(f"/v1/households/{household_id}")).json()
    assert {n["need_id"]: n["department"] for n in read["needs"]}[water] == "DSD"

    # MUNI still has sanitation and electricity; once they go elsewhere it can retire.
    assert (await client.post("/v1/departments/MUNI/retire", json={})).status_code == 409
    for category in ("sanitation", "electricity"):
        await post_ok(client, f"/v1/departments/DHS/routes/{category}", {})
    await post_ok(client, "/v1/departments/MUNI/retire", {})
    to_retired = await client.post("/v1/departments/MUNI/routes/water", json={})
    assert to_retired.status_code == 409
    unchanged = await client.post("/v1/departments/DSD/routes/water", json={})
    assert unchanged.status_code == 409 and unchanged.json()["rule"] == "no-change"


async def test_the_league_and_subscribers_know_a_department_an_administrator_added(
    client: httpx.AsyncClient, application: Sukuma, settings: Settings, ward_id: str, tmp_path: Path
) -> None:
    await post_ok(client, "/v1/departments", {"code": "NGO:HOPE", "name": "Hope", "kind": "ngo"})
    household_id = await household(client, ward_id)
    await referral(client, household_id, await need(client, household_id), department="NGO:HOPE")
    project(application)

    league = await client.get("/v1/departments/performance", params={"municipality": "KZN225"})
    assert league.status_code == 200, league.text
    assert [row["department"] for row in league.json()["data"]] == ["NGO:HOPE"]

    rules = tmp_path / "rules.toml"
    rules.write_text(
        DEFAULT_RULES_FILE.read_text()
        + '\n[[subscribers]]\nname = "hope desk"\nscope = ["department:NGO:HOPE", "province:KZN"]\n'
        + 'webhook_url = "http://127.0.0.1:9/hook"\n'
    )
    sweeper = build_sweeper(settings.model_copy(update={"rules_file": rules}), application)
    assert [s.name for s in sweeper.config.subscribers] == ["hope desk"]
    with pytest.raises(ValueError, match="unknown department 'NGO:HOPE'"):
        load_rules_file(rules)  # against the shipped catalogue, which has no such department
