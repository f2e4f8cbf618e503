"""Issue 16's field-capture reads, over real HTTP (the ASGI app) and PostgreSQL: a submission's
attachments read by who may see them (logged, gone with the household's key), the quarantine
list from its view (scoped), and the changes feed telling a phone what left its scope."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI

from bench._collect import multipart
from domain.access.principal import PII_READ, Role
from domain.sukuma import Sukuma
from tests.integration.conftest import ClientAs, Clock, add_user
from tests.integration.helpers import household, need, post_ok, referral
from tests.integration.test_openrosa_api import collect, kept, registration
from tests.integration.test_sync_api import changes
from tests.integration.test_views_api import project

pytestmark = pytest.mark.integration

PNG = b"\x89PNG\r\n\x1a\n" + b"consent-signature" * 16


@pytest.fixture
def field_worker(application: Sukuma, ward_id: str) -> str:
    add_user(application, "thandi", (Role.FIELD_WORKER,), (f"ward:{ward_id}",))
    return "thandi"


async def signed_registration(
    api: FastAPI,
    user: str,
    ward_id: str,
    clock: Clock,
    file: tuple[bytes, str] = (PNG, "image/png"),
) -> str:
    """A household registered from Collect with a consent signature; its id."""
    xml, _, household_id = registration(ward_id, clock)
    xml = xml.replace(b"</consent>", b"<signature>sig.png</signature></consent>")
    async with collect(api, user) as phone:
        sent = await phone.post("/openrosa/submission", files=multipart(xml, {"sig.png": file}))
    assert sent.status_code == 201, sent.text
    return household_id


async def listed(http: httpx.AsyncClient, household_id: str) -> httpx.Response:
    return await http.get(f"/v1/households/{household_id}/attachments")


async def test_a_signature_is_read_by_who_sees_the_household_and_each_read_is_logged(
    api: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    client_as: ClientAs,
    field_worker: str,
    ward_id: str,
    other_ward_id: str,
    clock: Clock,
) -> None:
    # Given a household registered from Collect with a signature, projected
    household_id = await signed_registration(api, field_worker, ward_id, clock)
    project(application)
    convener = await client_as(Role.CONVENER, f"ward:{ward_id}", username="sipho")
    plain = await client_as(Role.ANALYST, f"ward:{ward_id}", username="plain")
    foreign = await client_as(Role.CONVENER, f"ward:{other_ward_id}", PII_READ)

    # When its convener lists the household's files and reads the signature
    files = await listed(convener, household_id)
    assert files.status_code == 200, files.text
    [stored] = files.json()["data"]
    assert stored["names"] == ["sig.png"]
    read = await convener.get(stored["urls"][0])

    # Then it gets the bytes the phone sent, as sent, and the read is in the access log
    assert read.status_code == 200, read.text
    assert read.content == PNG
    assert read.headers["content-type"] == "image/png"
    assert read.headers["cache-control"] == "no-store"
    log = await client.get("/v1/audit/pii-reads", params={"household_id": household_id})
    logged = [(r["username"], r["endpoint"], r["fields"]) for r in log.json()["data"]]
    assert any(
        user == "sipho" and "attachments" in endpoint and "attachments.sig.png" in fields
        for user, endpoint, fields in logged
    ), logged
    # And an analyst without pii:read may not read it (403), another ward's convener does
    # not see that it exists (404, as for an unknown household)
    assert (await listed(plain, household_id)).status_code == 403
    assert (await plain.get(stored["urls"][0])).status_code == 403
    assert (await listed(foreign, household_id)).status_code == 404
    assert (await foreign.get(stored["urls"][0])).status_code == 404
    assert not any(user == "plain" for user, _, _ in logged)
    missing = stored["urls"][0].replace("sig.png", "other.png")
    assert (await convener.get(missing)).status_code == 404


async def test_a_file_that_is_not_an_image_is_served_as_a_download_never_as_a_page(
    api: FastAPI, application: Sukuma, client: httpx.AsyncClient, field_worker: str,
    ward_id: str, clock: Clock,
) -> None:  # fmt: skip
    page = b"<html><script>alert(document.cookie)</script></html>"
    household_id = await signed_registration(api, field_worker, ward_id, clock, (page, "text/html"))
    project(application)
    [stored] = (await listed(client, household_id)).json()["data"]

    read = await client.get(stored["urls"][0])

    assert read.status_code == 200 and read.content == page
    assert read.headers["content-type"] == "application/octet-stream"
    assert read.headers["content-disposition"] == "attachment"
    assert "sandbox" in read.headers["content-security-policy"]


async def test_after_erasure_the_household_files_are_gone(
    api: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    field_worker: str,
    ward_id: str,
    clock: Clock,
) -> None:
    # Given a household with a signature, read once by the broad user
    household_id = await signed_registration(api, field_worker, ward_id, clock)
    project(application)
    [stored] = (await listed(client, household_id)).json()["data"]
    assert (await client.get(stored["urls"][0])).content == PNG

    # When the household's personal data is erased
    await post_ok(client, f"/v1/households/{household_id}/erase", {"reason": "data subject"})
    project(application)

    # Then the file reads as gone (its key destroyed), and the list names no file
    gone = await client.get(stored["urls"][0])
    assert gone.status_code == 404
    assert PNG not in gone.content
    assert (await listed(client, household_id)).json()["data"] == []
    # Even with the aggregate and its event read straight from the store: nothing left
    event = next(iter(application.repository.event_store.get(UUID(stored["id"]))))
    assert PNG.hex() not in str(getattr(event, "files", []))


async def test_the_quarantine_list_shows_each_convener_its_own_wards_only(
    api: FastAPI,
    application: Sukuma,
    client_as: ClientAs,
    field_worker: str,
    ward_id: str,
    other_ward_id: str,
    clock: Clock,
) -> None:
    # Given a refused registration (an unknown ward: kept for the sender's wards) from a
    # field worker of each of two wards
    add_user(application, "bongani", (Role.FIELD_WORKER,), (f"ward:{other_ward_id}",))
    instances = {}
    for user, ward in ((field_worker, ward_id), ("bongani", other_ward_id)):
        xml, instance_id, _ = registration(ward, clock)
        bad = xml.replace(f"<ward_id>{ward}</ward_id>".encode(), b"<ward_id>NOWHERE</ward_id>")
        async with collect(api, user) as phone:
            refused = await phone.post("/openrosa/submission", files=multipart(bad))
        assert refused.status_code == 400, refused.text
        instances[ward] = instance_id
    here = await client_as(Role.CONVENER, f"ward:{ward_id}")
    there = await client_as(Role.CONVENER, f"ward:{other_ward_id}")
    both = await client_as(Role.CONVENER, "municipality:KZN225")
    officer = await client_as(Role.DEPARTMENT_OFFICER, "municipality:KZN225", "department:DSD")

    # When each lists the kept submissions (from the view, once projected)
    seen = {
        name: [q["instance_id"] for q in (await kept(http, application))["data"]]
        for name, http in (("here", here), ("there", there), ("both", both))
    }

    # Then each sees its own ward's, the municipality's convener both in the order kept,
    # and a role that may not read the quarantine none
    assert seen == {
        "here": [instances[ward_id]],
        "there": [instances[other_ward_id]],
        "both": [instances[ward_id], instances[other_ward_id]],
    }
    assert (await kept(officer, application))["data"] == []


async def test_the_changes_feed_tells_a_phone_what_left_its_scope(
    client: httpx.AsyncClient,
    client_as: ClientAs,
    ward_id: str,
    other_ward_id: str,
    application: Sukuma,
) -> None:
    # Given households of ward A (one with a DSD referral), read by A's field worker, a
    # municipality's convener and a DSD officer of ward A, each up to date
    moving, erased, staying = [await household(client, ward_id) for _ in range(3)]
    referred = await referral(client, staying, await need(client, staying), "DSD")
    project(application)
    worker = await client_as(Role.FIELD_WORKER, f"ward:{ward_id}")
    convener = await client_as(Role.CONVENER, "municipality:KZN225")
    officer = await client_as(Role.DEPARTMENT_OFFICER, f"ward:{ward_id}", "department:DSD")
    since = {
        name: (await all_since(http, 0))[1]
        for name, http in (("worker", worker), ("convener", convener), ("officer", officer))
    }

    # When one household moves to ward B, one is erased, and the referral goes to SASSA
    await post_ok(client, f"/v1/households/{moving}/move", {"to_ward_id": other_ward_id})
    await post_ok(client, f"/v1/households/{erased}/erase", {"reason": "data subject asked"})
    await post_ok(
        client,
        f"/v1/referrals/{referred}/reassign",
        {"to_department": "SASSA", "reason": "their grant"},
    )
    project(application)
    worker_sees = removed((await all_since(worker, since["worker"]))[0])
    convener_sees = removed((await all_since(convener, since["convener"]))[0])
    officer_sees = removed((await all_since(officer, since["officer"]))[0])

    # Then A's field worker drops the moved and the erased household; the convener, who
    # still sees the moved one in ward B, only the erased one; the officer the referral
    assert worker_sees == {(moving, "household", "moved"), (erased, "household", "erased")}
    assert convener_sees == {(erased, "household", "erased")}
    assert officer_sees == {(referred, "referral", "reassigned")}
    # And nothing is removed twice: from the last position on, the feed is empty
    _, last = await all_since(worker, since["worker"])
    assert (await changes(worker, since=last))["changes"] == []


async def all_since(http: httpx.AsyncClient, since: int) -> tuple[list[dict[str, Any]], int]:
    seen: list[dict[str, Any]] = []
    more = True
    while more:
        page = await changes(http, since=since, limit=50)
        seen += page["changes"]
        since, more = page["next_since"], page["more"]
    return seen, since


def removed(seen: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {
        (c["id"], c["removed"]["of"], c["removed"]["reason"])
        for c in seen
        if c["kind"] == "removed"
    }
