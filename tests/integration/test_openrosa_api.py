"""ODK Collect against the OpenRosa server, over real HTTP (the ASGI app) and PostgreSQL: the
form list, downloads and manifests as Collect reads them, submissions as Collect posts them."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import zlib
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4
from xml.etree.ElementTree import fromstring

import httpx
import pytest
from fastapi import FastAPI

from api.main import create_app
from api.openrosa.catalog import forms
from bench._collect import COLLECT_HEADERS, answers, instance_xml, multipart
from domain.access.principal import Role
from domain.sukuma import Sukuma
from projections.field_capture import queries
from sukuma.settings import Settings
from sukuma.wiring import build_projector
from tests.integration.conftest import BASE_URL, TEST_PASSWORD, ClientAs, Clock, add_user
from tests.integration.helpers import household
from tests.integration.test_views_api import project
from tests.unit.test_openrosa_forms import complete_profile

pytestmark = pytest.mark.integration

LIST = "{http://openrosa.org/xforms/xformsList}"
MANIFEST = "{http://openrosa.org/xforms/xformsManifest}"
RESPONSE = "{http://openrosa.org/http/response}"
VERSION = forms()["household_registration"].version


def collect(api: FastAPI, username: str | None = None, password: str = TEST_PASSWORD) -> Any:
    auth = httpx.BasicAuth(username, password) if username else None
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api),
        base_url=BASE_URL,
        auth=auth,
        headers=COLLECT_HEADERS,
    )


@pytest.fixture
def field_worker(application: Sukuma, ward_id: str) -> str:
    add_user(application, "thandi", (Role.FIELD_WORKER,), (f"ward:{ward_id}",))
    return "thandi"


def registration(ward_id: str, clock: Clock, **kw: Any) -> tuple[bytes, str, str]:
    household_id = str(uuid4())
    values = {"household_id": household_id, "ward_id": ward_id, **answers(complete_profile())}
    values.pop("instrument_version")
    xml, instance_id = instance_xml(
        "household_registration",
        VERSION,
        values,
        start=clock() - timedelta(hours=2, minutes=20),
        end=clock() - timedelta(hours=2),
        **kw,
    )
    return xml, instance_id, household_id


def message(response: httpx.Response) -> str:
    root = fromstring(response.content)
    assert root.tag == f"{RESPONSE}OpenRosaResponse"
    return root.findtext(f"{RESPONSE}message") or ""


async def kept(http: httpx.AsyncClient, application: Sukuma, **params: Any) -> dict[str, Any]:
    """The quarantine list, once the field-capture view has caught up with the log."""
    project(application)
    listed = await http.get("/v1/quarantine", params=params)
    assert listed.status_code == 200, listed.text
    body: dict[str, Any] = listed.json()
    return body


async def events_of(client: httpx.AsyncClient, household_id: str) -> list[str]:
    history = await client.get(f"/v1/households/{household_id}/history")
    assert history.status_code == 200, history.text
    return [e["type"] for e in history.json()["events"]]


async def test_collect_reads_the_form_list_forms_and_manifests_of_its_roles(
    api: FastAPI, application: Sukuma, field_worker: str, ward_id: str
) -> None:
    add_user(application, "officer", (Role.DEPARTMENT_OFFICER,), (f"ward:{ward_id}",))
    async with collect(api) as anonymous, collect(api, field_worker) as phone:
        challenge = await anonymous.get("/openrosa/formList")
        listing = await phone.get("/openrosa/formList")
        async with collect(api, "officer") as officer_phone:
            officers = await officer_phone.get("/openrosa/formList")

        assert challenge.status_code == 401
        assert challenge.headers["WWW-Authenticate"].startswith("Basic ")
        assert challenge.headers["X-OpenRosa-Version"] == "1.0"
        assert listing.status_code == 200
        assert listing.headers["X-OpenRosa-Version"] == "1.0"
        assert listing.headers["content-type"].startswith("text/xml")
        items = fromstring(listing.content).findall(f"{LIST}xform")
        assert {i.findtext(f"{LIST}formID") for i in items} == set(forms())
        assert fromstring(officers.content).findall(f"{LIST}xform") == []  # submits none
        for item in items:
            form = await phone.get(item.findtext(f"{LIST}downloadUrl") or "")
            assert form.status_code == 200
            md5 = hashlib.md5(form.content, usedforsecurity=False).hexdigest()
            assert item.findtext(f"{LIST}hash") == f"md5:{md5}"
            assert item.findtext(f"{LIST}version") == VERSION
            assert item.findtext(f"{LIST}name")
            manifest = await phone.get(item.findtext(f"{LIST}manifestUrl") or "")
            assert manifest.status_code == 200
            assert manifest.headers["X-OpenRosa-Version"] == "1.0"
            for media in fromstring(manifest.content).findall(f"{MANIFEST}mediaFile"):
                csv = await phone.get(media.findtext(f"{MANIFEST}downloadUrl") or "")
                md5 = hashlib.md5(csv.content, usedforsecurity=False).hexdigest()
                assert media.findtext(f"{MANIFEST}hash") == f"md5:{md5}"
        wards = await phone.get("/openrosa/forms/household_registration/media/wards.csv")
        assert [line.split(",")[0] for line in wards.text.splitlines()] == ["name", ward_id]


async def test_households_csv_lists_only_the_households_the_user_may_visit(
    api: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    field_worker: str,
    ward_id: str,
    other_ward_id: str,
) -> None:
    mine = (
        await client.post("/v1/households", json={"ward_id": ward_id, "dwelling_type": "formal"})
    ).json()["id"]
    await client.post("/v1/households", json={"ward_id": other_ward_id, "dwelling_type": "formal"})
    build_projector(application).run_once()
    async with collect(api, field_worker) as phone:
        csv = await phone.get("/openrosa/forms/followup_visit/media/households.csv")

    assert [line.split(",")[0] for line in csv.text.splitlines()] == ["name", mine]


async def test_households_csv_offers_the_wards_a_user_works_in_up_to_its_cap(
    api: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    ward_id: str,
    other_ward_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a field worker of ward A who is also the municipality's convener
    scopes = (f"ward:{ward_id}", "municipality:KZN225")
    add_user(application, "lindiwe", (Role.FIELD_WORKER, Role.CONVENER), scopes)
    here = [await household(client, ward_id) for _ in range(3)]
    await household(client, other_ward_id)
    build_projector(application).run_once()

    async def offered() -> set[str]:
        async with collect(api, "lindiwe") as phone:
            csv = await phone.get("/openrosa/forms/followup_visit/media/households.csv")
        return {line.split(",")[0] for line in csv.text.splitlines()[1:]}

    # When her phone reads the visit form's households, then with a cap of two
    whole = await offered()
    monkeypatch.setattr(queries, "MANIFEST_HOUSEHOLDS", 2)
    capped = await offered()

    # Then it offers her ward's households, not the municipality's; capped, the two most
    # recently changed
    assert whole == set(here)
    assert capped == set(here[1:])


async def test_a_registration_becomes_the_json_api_commands_once_however_often_it_is_sent(
    api: FastAPI, client: httpx.AsyncClient, field_worker: str, ward_id: str, clock: Clock
) -> None:
    xml, _, household_id = registration(ward_id, clock)
    async with collect(api, field_worker) as phone:
        head = await phone.head("/openrosa/submission")
        first = await phone.post("/openrosa/submission", files=multipart(xml))
        again = await phone.post("/openrosa/submission", files=multipart(xml))  # a timeout's resend

    assert head.status_code == 204
    assert int(head.headers["X-OpenRosa-Accept-Content-Length"]) > 0
    assert head.headers["X-OpenRosa-Version"] == "1.0"
    assert first.status_code == again.status_code == 201, first.text
    assert first.headers["X-OpenRosa-Version"] == "1.0"
    assert "recorded" in message(first)
    events = await events_of(client, household_id)
    assert events[:2] == ["Household.Registered", "Household.ProfileSubmitted"]
    assert events.count("Household.ProfileSubmitted") == 1  # the resend appended nothing
    state = (await client.get(f"/v1/households/{household_id}")).json()
    assert state["profile"] == complete_profile() | {"members": state["profile"]["members"]}
    assert len(state["profile"]["members"]) == 2
    history = (await client.get(f"/v1/households/{household_id}/history")).json()["events"]
    assert {e["actor"] for e in history} == {field_worker}
    occurred = history[0]["occurred_at"]
    assert occurred.startswith((clock() - timedelta(hours=2)).date().isoformat())


async def test_an_edited_submission_corrects_the_profile_of_the_same_household(
    api: FastAPI, client: httpx.AsyncClient, field_worker: str, ward_id: str, clock: Clock
) -> None:
    xml, instance_id, household_id = registration(ward_id, clock)
    async with collect(api, field_worker) as phone:
        assert (await phone.post("/openrosa/submission", files=multipart(xml))).status_code == 201
        edited = xml.replace(b"<rooms>", b"<rooms>1").replace(
            instance_id.encode(), f"uuid:{uuid4()}".encode()
        )
        edited = edited.replace(
            b"</instanceID>", f"</instanceID><deprecatedID>{instance_id}</deprecatedID>".encode()
        )
        correction = await phone.post("/openrosa/submission", files=multipart(edited))

    assert correction.status_code == 201, correction.text
    events = await events_of(client, household_id)
    assert events.count("Household.Registered") == 1
    assert events.count("Household.ProfileSubmitted") == 2
    rooms = complete_profile()["dwelling"]["rooms"]
    state = (await client.get(f"/v1/households/{household_id}")).json()
    assert state["profile"]["dwelling"]["rooms"] == int(f"1{rooms}")


async def test_an_edit_of_a_form_that_never_applied_registers_its_household_once(
    api: FastAPI, client: httpx.AsyncClient, field_worker: str, ward_id: str, clock: Clock
) -> None:
    xml, instance_id, household_id = registration(ward_id, clock)
    first = xml.replace(f"<ward_id>{ward_id}</ward_id>".encode(), b"<ward_id>NOWHERE</ward_id>")
    edited = xml.replace(instance_id.encode(), f"uuid:{uuid4()}".encode()).replace(
        b"</instanceID>", f"</instanceID><deprecatedID>{instance_id}</deprecatedID>".encode()
    )
    async with collect(api, field_worker) as phone:
        refused = await phone.post("/openrosa/submission", files=multipart(first))
        corrected = await phone.post("/openrosa/submission", files=multipart(edited))

    assert (refused.status_code, corrected.status_code) == (400, 201)
    events = await events_of(client, household_id)
    assert (events.count("Household.Registered"), events.count("Household.ProfileSubmitted")) == (
        1,
        1,
    )


async def test_visit_and_need_forms_record_a_visit_and_a_need(
    api: FastAPI, client: httpx.AsyncClient, field_worker: str, ward_id: str, clock: Clock
) -> None:
    household_id = (
        await client.post("/v1/households", json={"ward_id": ward_id, "dwelling_type": "formal"})
    ).json()["id"]
    visit, _ = instance_xml(
        "followup_visit", VERSION,
        {"household_id": household_id, "outcome": "met_household",
         "days_skipped_meal_last_7": "3", "note": "fine"},
        start=clock() - timedelta(days=1), end=clock() - timedelta(days=1),
    )  # fmt: skip
    need, _ = instance_xml(
        "need_identification", VERSION,
        {"household_id": household_id, "category": "documents", "severity": "high"},
    )  # fmt: skip
    async with collect(api, field_worker) as phone:
        assert (await phone.post("/openrosa/submission", files=multipart(visit))).status_code == 201
        assert (await phone.post("/openrosa/submission", files=multipart(need))).status_code == 201

    state = (await client.get(f"/v1/households/{household_id}")).json()
    assert [(v["outcome"], v["days_skipped_meal_last_7"]) for v in state["visits"]] == [
        ("met_household", 3)
    ]
    assert [(n["category"], n["severity"]) for n in state["needs"]] == [("documents", "high")]


async def test_a_signature_is_kept_sealed_under_the_households_key(
    api: FastAPI, application: Sukuma, field_worker: str, ward_id: str, clock: Clock
) -> None:
    xml, _, _ = registration(ward_id, clock)
    xml = xml.replace(b"</consent>", b"<signature>sig.png</signature></consent>")
    png = b"\x89PNG\r\n\x1a\n" + b"signature-pixels" * 20
    async with collect(api, field_worker) as phone:
        sent = await phone.post(
            "/openrosa/submission", files=multipart(xml, {"sig.png": (png, "image/png")})
        )

    assert sent.status_code == 201, sent.text
    stored = [
        n for n in application.recorder.select_notifications(start=1, limit=1000)
        if n.topic.endswith("Attachments.Stored")
    ]  # fmt: skip
    assert len(stored) == 1
    assert base64.b64encode(png) not in stored[0].state  # sealed at rest
    keys = application.mapper.keys  # type: ignore[attr-defined]
    assert keys.key(stored[0].originator_id) is not None


async def test_a_refused_submission_answers_the_field_appends_nothing_and_is_quarantined(
    api: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    client_as: ClientAs,
    field_worker: str,
    ward_id: str,
    clock: Clock,
) -> None:
    xml, instance_id, household_id = registration(ward_id, clock)
    bad = xml.replace(f"<ward_id>{ward_id}</ward_id>".encode(), b"<ward_id>NOWHERE-W001</ward_id>")
    async with collect(api, field_worker) as phone:
        refused = await phone.post("/openrosa/submission", files=multipart(bad))

    assert refused.status_code == 400
    assert refused.headers["X-OpenRosa-Version"] == "1.0"
    assert message(refused).startswith("ward_id:")
    assert (await client.get(f"/v1/households/{household_id}")).status_code == 404
    convener = await client_as(Role.CONVENER, f"ward:{ward_id}")
    listed = await kept(convener, application)
    assert [(q["instance_id"], q["field"]) for q in listed["data"]] == [(instance_id, "ward_id")]
    entry_id = listed["data"][0]["id"]
    detail = (await convener.get(f"/v1/quarantine/{entry_id}")).json()
    assert detail["xml"] == bad.decode()

    fixed = await convener.post(f"/v1/quarantine/{entry_id}/reapply", json={"xml": xml.decode()})

    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["household_id"] == household_id
    assert (await events_of(client, household_id))[:2] == [
        "Household.Registered",
        "Household.ProfileSubmitted",
    ]
    assert (await kept(convener, application))["count"] == 0


async def test_a_convener_discards_a_quarantined_submission(
    api: FastAPI,
    application: Sukuma,
    client_as: ClientAs,
    field_worker: str,
    ward_id: str,
    clock: Clock,
) -> None:
    visit, _ = instance_xml(
        "followup_visit", VERSION, {"household_id": str(uuid4()), "outcome": "met_household"}
    )
    async with collect(api, field_worker) as phone:
        refused = await phone.post("/openrosa/submission", files=multipart(visit))
    assert refused.status_code == 403  # no such household in the user's sight
    convener = await client_as(Role.CONVENER, f"ward:{ward_id}")
    entry_id = (await kept(convener, application))["data"][0]["id"]

    discarded = await convener.post(f"/v1/quarantine/{entry_id}/discard", json={"reason": "test"})

    assert discarded.status_code == 200
    assert (await kept(convener, application, status="discarded"))["count"] == 1
    field = await client_as(Role.FIELD_WORKER, f"ward:{ward_id}")
    assert (await field.get(f"/v1/quarantine/{entry_id}")).status_code == 404


async def test_a_device_token_signs_collect_in_until_revoked(
    api: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    field_worker: str,
) -> None:
    user_id = str(application.user_named(field_worker).id)
    issued = await client.post("/v1/devices", json={"user_id": user_id, "label": "tablet 1"})
    assert issued.status_code == 201, issued.text
    device_id = issued.json()["id"]
    settings = (await client.get(f"/v1/devices/{device_id}/collect-settings")).json()
    payload = json.loads(zlib.decompress(base64.b64decode(settings["settings"])))
    assert payload["general"]["server_url"] == settings["server_url"]
    qr = await client.get(f"/v1/devices/{device_id}/qr.png")
    assert qr.headers["content-type"] == "image/png" and qr.content.startswith(b"\x89PNG")
    path = settings["server_url"].removeprefix(BASE_URL)
    async with collect(api) as phone:  # no password: the URL is the credential
        listed = await phone.get(f"{path}/formList")
        assert listed.status_code == 200
        download = fromstring(listed.content).find(f"{LIST}xform/{LIST}downloadUrl")
        assert download is not None and (download.text or "").startswith(settings["server_url"])

        revoked = await client.post(f"/v1/devices/{device_id}/revoke", json={"reason": "lost"})
        refused = await phone.get(f"{path}/formList")
        forged = await phone.get(f"/key/{UUID(device_id).hex}forged/openrosa/formList")

    assert revoked.status_code == 200
    assert refused.status_code == forged.status_code == 403
    assert refused.headers["X-OpenRosa-Version"] == "1.0"
    history = await client.get(f"/v1/devices/{device_id}")
    assert history.json()["revoked"] is True


async def test_basic_sign_in_failures_are_throttled_like_the_token_endpoint(
    api: FastAPI, field_worker: str
) -> None:
    async with collect(api, field_worker, "wrong") as phone:
        answers_ = [(await phone.get("/openrosa/formList")).status_code for _ in range(6)]
    async with collect(api, field_worker) as phone:
        right = await phone.get("/openrosa/formList")

    assert answers_ == [401] * 5 + [429]
    assert right.status_code == 429  # the user name is throttled, whatever the password


async def test_a_submission_over_the_limit_answers_413(
    api: FastAPI, field_worker: str, ward_id: str, clock: Clock
) -> None:
    xml, _, _ = registration(ward_id, clock)
    limit = int(api.state.settings.max_request_body_bytes)
    async with collect(api, field_worker) as phone:
        big = {"photo.jpg": (b"\xff" * (limit + 1), "image/jpeg")}
        response = await phone.post("/openrosa/submission", files=multipart(xml, big))

    assert response.status_code == 413
    assert response.headers["X-OpenRosa-Version"] == "1.0"


async def test_a_retired_form_version_is_refused_and_kept(
    api: FastAPI,
    application: Sukuma,
    client_as: ClientAs,
    field_worker: str,
    ward_id: str,
    clock: Clock,
) -> None:
    xml, instance_id, _ = registration(ward_id, clock)
    old = xml.replace(f'version="{VERSION}"'.encode(), b'version="2020010101"')
    async with collect(api, field_worker) as phone:
        refused = await phone.post("/openrosa/submission", files=multipart(old))

    assert refused.status_code == 400
    assert message(refused).startswith("version:")
    convener = await client_as(Role.CONVENER, f"ward:{ward_id}")
    listed = (await kept(convener, application))["data"]
    assert [(q["instance_id"], q["field"]) for q in listed] == [(instance_id, "version")]


async def test_the_quarantine_list_pages_through_every_entry(
    api: FastAPI, application: Sukuma, client_as: ClientAs, field_worker: str, ward_id: str
) -> None:
    async with collect(api, field_worker) as phone:
        for _ in range(3):
            visit, _ = instance_xml(
                "followup_visit", VERSION, {"household_id": str(uuid4()), "outcome": "refused"}
            )
            assert (
                await phone.post("/openrosa/submission", files=multipart(visit))
            ).status_code == 403
    convener = await client_as(Role.CONVENER, f"ward:{ward_id}")

    seen: list[str] = []
    after: int | None = 0
    while after is not None:
        page = await kept(convener, application, after=after, limit=2)
        seen += [q["id"] for q in page["data"]]
        after = page["next_after"]

    assert len(seen) == len(set(seen)) == 3


async def test_a_verified_password_is_remembered_until_the_password_changes(
    api: FastAPI, client: httpx.AsyncClient, field_worker: str
) -> None:
    async with collect(api, field_worker) as phone:
        first = await phone.get("/openrosa/formList")
        verified = api.state.openrosa_credentials
        remembered = len(verified)
        again = await phone.get("/openrosa/formList")
        changed = await client.post(
            f"/v1/users/{field_worker}/password", json={"password": "another-password-456"}
        )
        after = await phone.get("/openrosa/formList")

    assert first.status_code == again.status_code == 200
    assert remembered == len(verified) == 1  # one entry per phone, not per request
    assert changed.status_code == 200, changed.text
    assert after.status_code == 401  # the new generation ends what was remembered


async def test_erasing_a_household_erases_its_kept_files_and_quarantined_forms(
    api: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    field_worker: str,
    ward_id: str,
    clock: Clock,
) -> None:
    xml, _, household_id = registration(ward_id, clock)
    xml = xml.replace(b"</consent>", b"<signature>sig.png</signature></consent>")
    bad_need, _ = instance_xml(
        "need_identification", VERSION,
        {"household_id": household_id, "category": "documents", "severity": "dire"},
    )  # fmt: skip
    async with collect(api, field_worker) as phone:
        files = multipart(xml, {"sig.png": (b"\x89PNG-signature", "image/png")})
        assert (await phone.post("/openrosa/submission", files=files)).status_code == 201
        refused = await phone.post("/openrosa/submission", files=multipart(bad_need))
    assert refused.status_code == 400
    assert message(refused).startswith("severity:")
    kept = {
        n.originator_id
        for n in application.recorder.select_notifications(start=1, limit=1000)
        if n.topic.endswith(("Attachments.Stored", "Quarantine.Quarantined"))
    }
    keys = application.mapper.keys  # type: ignore[attr-defined]
    assert len(kept) == 2 and all(isinstance(keys.key(k), bytes) for k in kept)

    erased = await client.post(
        f"/v1/households/{household_id}/erase", json={"reason": "data subject asked"}
    )

    assert erased.status_code == 200, erased.text
    keys.forget(*kept)
    assert [keys.key(k) for k in kept] == ["erased", "erased"]


async def test_a_phones_parallel_first_requests_are_one_sign_in(
    api: FastAPI, field_worker: str
) -> None:
    async with collect(api, field_worker) as phone:
        answered = await asyncio.gather(*[phone.get("/openrosa/formList") for _ in range(12)])

    assert [r.status_code for r in answered] == [200] * 12  # not 429 past the 5th


async def test_a_form_finished_before_the_window_is_refused_as_the_json_api_would(
    api: FastAPI, client: httpx.AsyncClient, field_worker: str, ward_id: str, clock: Clock
) -> None:
    xml, _, household_id = registration(ward_id, clock)
    clock.advance(days=91)  # the default window is 90 days
    async with collect(api, field_worker) as phone:
        refused = await phone.post("/openrosa/submission", files=multipart(xml))

    assert refused.status_code == 400
    assert message(refused).startswith("occurred_at:")
    assert (await client.get(f"/v1/households/{household_id}")).status_code == 404


async def test_a_refused_submission_sent_again_is_refused_alike_and_kept_once(
    api: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    client_as: ClientAs,
    field_worker: str,
    other_ward_id: str,
) -> None:
    elsewhere = await post_household(client, other_ward_id)  # outside the worker's ward
    visit, _ = instance_xml(
        "followup_visit", VERSION, {"household_id": elsewhere, "outcome": "met_household"}
    )
    async with collect(api, field_worker) as phone:
        first = await phone.post("/openrosa/submission", files=multipart(visit))
        again = await phone.post("/openrosa/submission", files=multipart(visit))

    assert first.status_code == again.status_code == 403  # the runner's kept refusal
    assert message(first) == message(again)
    convener = await client_as(Role.CONVENER, f"ward:{other_ward_id}")
    assert (await kept(convener, application))["count"] == 1
    assert await events_of(client, elsewhere) == ["Household.Registered"]


async def post_household(client: httpx.AsyncClient, ward_id: str) -> str:
    body = {"ward_id": ward_id, "dwelling_type": "formal"}
    created = await client.post("/v1/households", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_a_wrong_password_after_a_right_one_is_refused_and_counted(
    api: FastAPI, field_worker: str
) -> None:
    async with collect(api, field_worker) as phone:
        right = await phone.get("/openrosa/formList")
    async with collect(api, field_worker, "a-guess") as thief:
        guesses = [(await thief.get("/openrosa/formList")).status_code for _ in range(6)]

    assert right.status_code == 200
    assert guesses == [401] * 5 + [429]  # never the remembered sign-in; throttled as ever


async def test_a_remembered_sign_in_ends_at_once_when_its_user_is_deactivated(
    api: FastAPI, client: httpx.AsyncClient, field_worker: str
) -> None:
    async with collect(api, field_worker) as phone:
        before = await phone.get("/openrosa/formList")
        deactivated = await client.post(
            f"/v1/users/{field_worker}/deactivate", json={"reason": "left the programme"}
        )
        after = await phone.get("/openrosa/formList")

    assert before.status_code == 200
    assert deactivated.status_code == 200, deactivated.text
    assert after.status_code == 401  # the same process: not a moment of the old sign-in


async def test_a_revoked_role_takes_the_forms_from_a_remembered_sign_in_at_once(
    api: FastAPI, client: httpx.AsyncClient, field_worker: str
) -> None:
    async with collect(api, field_worker) as phone:
        before = fromstring((await phone.get("/openrosa/formList")).content)
        revoked = await client.post(f"/v1/users/{field_worker}/roles/field_worker/revoke", json={})
        after = fromstring((await phone.get("/openrosa/formList")).content)

    assert revoked.status_code == 200, revoked.text
    assert len(before.findall(f"{LIST}xform")) == 3
    assert after.findall(f"{LIST}xform") == []  # signed in again: no role, no form


async def test_phones_signing_in_at_once_queue_and_are_not_counted_while_they_wait(
    settings: Settings, application: Sukuma
) -> None:
    # Given a server whose address limit is 3 and six phones behind one address (a NAT)
    names = [f"phone-{n}" for n in range(6)]
    for name in names:
        add_user(application, name, (Role.FIELD_WORKER,), ("province:KZN",))
    strict = create_app(
        settings.model_copy(update={"login_max_failures_per_address": 3}), application
    )
    async with strict.router.lifespan_context(strict):
        limiter = strict.state.auth.sign_ins
        most = 0

        async def watch() -> None:
            nonlocal most
            while True:
                most = max(most, limiter.borrowed_tokens)
                await asyncio.sleep(0.005)

        watcher = asyncio.create_task(watch())

        async def sign_in(name: str) -> int:
            async with collect(strict, name) as phone:
                return (await phone.get("/openrosa/formList")).status_code

        # When all six sign in at once
        answered = await asyncio.gather(*(sign_in(name) for name in names))
        watcher.cancel()

    # Then each waits its turn for one password check at a time, and a phone waiting is no
    # failed attempt of the address (counted up front, six at once passed its limit: 429)
    assert answered == [200] * 6
    assert most == 1
