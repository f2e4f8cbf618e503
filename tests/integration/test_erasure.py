"""Erasure end to end: known PII seeded over HTTP, erased, then every table's text scanned."""

from __future__ import annotations

import logging
import random
from datetime import date
from typing import Any
from uuid import UUID

import httpx
import orjson
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.postgres import PostgresDatastore

from adapters.data_keys import DataKeyStore
from adapters.event_store import SukumaRecorder
from adapters.shredding import TAG, is_sealed, unseal
from domain.access.categories import shape_categories
from domain.households.model import Household
from domain.personal_data import ERASED, EVENT_PATHS, leaves
from domain.reference.said import generate_sa_id
from domain.sukuma import Sukuma
from domain.vocabulary import SPECIAL_CATEGORIES
from sukuma.settings import Settings
from sukuma.wiring import build_application
from tests.factories import make_child, make_member, make_profile
from tests.integration.helpers import database_text, post_ok
from tests.integration.test_views_api import get_ok, project

BORN = date(1979, 11, 23)
SECRETS = {
    "first_name": "Zyxwandile",
    "surname": "Quombokazi",
    "child_name": "Thandoxqua",
    "id_number": generate_sa_id(BORN, "female", True, random.Random(7)),
    "phone": "+27 71 987 6543",
    "date_of_birth": BORN.isoformat(),
    "village": "Kwaxolelwayo",
    "gps": "-28.765432",
    "need_note": "Zyxwandile's TB relapse",
    "visit_note": "Gogo Quombokazi was coughing blood",
    "intervention": "Clinic card for Thandoxqua",
    "referral_note": "Refer Zyxwandile to DSD urgently",
    "ack_note": "Quombokazi family called back",
}
# Special personal information (POPIA s26), seeded as profile answers: the plain text each
# leaves where it is stored or worded (answers' names and values, risk reasons, need items).
SPECIAL = {
    "tb_screen": "tb_symptom_screen_positive",
    "tb_reason": "TB symptom",
    "chronic": "infectious_chronic",
    "treatment": "defaulting_treatment",
    "pregnancy": "pregnan",
    "disability": "psychosocial",
    "gbv": "gbv_disclosed_or_suspected",
    "gbv_reason": "gender-based violence",
    "crime": "crime_victim",
    "crime_reason": "victim of crime",
}
SPECIAL_HEALTH = {
    "chronic_condition_category": "infectious_chronic",
    "tb_symptom_screen_positive": True,
    "on_treatment": True,
    "defaulting_treatment": True,
    "pregnant": True,
    "missed_immunisation": False,
    "suspected_malnutrition": False,
}


async def seed(client: httpx.AsyncClient, ward_id: str) -> tuple[str, str]:
    """A household carrying every kind of personal field, with a need, a visit and a referral."""
    s = SECRETS
    registered = await post_ok(
        client,
        "/v1/households",
        {
            "ward_id": ward_id,
            "dwelling_type": "informal",
            "village": s["village"],
            "gps": {"lat": float(s["gps"]), "lon": 30.123457},
        },
    )
    household_id = str(registered["id"])
    head = make_member(
        first_name=s["first_name"],
        surname=s["surname"],
        id_number=s["id_number"],
        date_of_birth=s["date_of_birth"],
        phone=s["phone"],
        health=SPECIAL_HEALTH,
        disability={"type": "psychosocial", "assistive_device_needed": False},
    )
    child = make_child(first_name=s["child_name"], surname=s["surname"])
    ills = {"gbv_disclosed_or_suspected": True, "crime_victim": True}
    profile = make_profile(members=[head, child], social_ills=ills)
    profile["dwelling"]["village"] = s["village"]
    url = f"/v1/households/{household_id}"
    headers = {"Idempotency-Key": "profile-1"}
    await post_ok(client, f"{url}/profile", {"profile": profile}, headers=headers)
    need = await post_ok(
        client,
        f"{url}/needs",
        {"category": "health_tb", "severity": "high", "note": s["need_note"]},
        headers={"Idempotency-Key": "need-1"},
    )
    await post_ok(client, f"{url}/visits", {"note": s["visit_note"]})
    await post_ok(
        client,
        f"{url}/interventions",
        {
            "need_id": need["need_id"],
            "kind": "referral_to_clinic",
            "provider": "Clinic",
            "description": s["intervention"],
        },
    )
    made = await post_ok(
        client,
        "/v1/referrals",
        {
            "household_id": household_id,
            "need_id": need["need_id"],
            "department": "DOH",
            "personal_data_shared": True,
            "note": s["referral_note"],
        },
    )
    await post_ok(client, f"/v1/referrals/{made['id']}/acknowledge", {"note": s["ack_note"]})
    return household_id, str(made["id"])


def datastore_of(app: Sukuma) -> PostgresDatastore:
    datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
    return datastore


def found(texts: dict[str, str]) -> dict[str, list[str]]:
    """Which seeded secrets (special categories too) appear in which tables."""
    return {
        name: [table for table, text in texts.items() if secret in text]
        for name, secret in {**SECRETS, **SPECIAL}.items()
        if any(secret in text for text in texts.values())
    }


def recoverable(app: Sukuma, settings: Settings) -> set[str]:
    """Every sealed field the data keys still in the database can open (master key in hand)."""
    recorder = app.recorder
    assert isinstance(recorder, SukumaRecorder)
    keys = DataKeyStore(
        recorder.datastore, recorder.data_keys_table_name, settings.master_key.get_secret_value()
    )
    opened: set[str] = set()
    for event in recorder.select_notifications(None, 100_000):
        state = orjson.loads(event.state)
        key = keys.key(event.originator_id)
        if not isinstance(key, bytes) or TAG.encode() not in event.state:
            continue
        cipher = AESGCM(key)
        for path in EVENT_PATHS[event.topic.split(":")[1]]:
            for container, slot in leaves(state, path):
                if is_sealed(container[slot]):
                    opened.add(str(unseal(cipher, event.originator_id, path, container[slot])))
    return opened


def dashboard(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("freshness", "last_30_days")}


@pytest.mark.integration
async def test_erasure_leaves_no_personal_data_in_any_table_and_keeps_the_counts(
    client: httpx.AsyncClient,
    application: Sukuma,
    settings: Settings,
    ward_id: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # Given a household with every kind of personal field, read back and projected
    household_id, referral_id = await seed(client, ward_id)
    shown = await get_ok(client, f"/v1/households/{household_id}")
    assert shown["profile"]["members"][0]["first_name"] == SECRETS["first_name"]
    assert shown["profile"]["members"][0]["health"] == SPECIAL_HEALTH
    assert shown["profile"]["social_ills"]["gbv_disclosed_or_suspected"] is True
    facts = {
        "members": 2,
        "members_with_health_need": 1,
        "members_with_disability": 1,
        "social_concerns": 2,
    }
    assert shown["profile_facts"] == facts
    history = await get_ok(client, f"/v1/households/{household_id}/history")
    assert SECRETS["visit_note"] in str(history["events"])
    project(application)
    before = await get_ok(client, f"/v1/dashboard/ward/{ward_id}")
    listed = await get_ok(client, "/v1/households", ward_id=ward_id)
    # Then no table holds any of it in plaintext, even before erasure (sealed in the events)
    assert found(database_text(datastore_of(application))) == {}
    sealed = recoverable(application, settings)
    assert {SECRETS["first_name"], SECRETS["visit_note"], SECRETS["ack_note"]} <= sealed

    # When an admin erases the household's personal data
    await post_ok(client, f"/v1/households/{household_id}/erase", {"reason": "data subject asked"})
    project(application)

    # Then nothing in the database holds it, and no key left can open it
    assert found(database_text(datastore_of(application))) == {}
    assert recoverable(application, settings) == set()
    # And every read shows the fields as erased, even from a process with a cold key cache
    fresh = build_application(settings, str(settings.database_url))
    try:
        reloaded = fresh.get(Household, UUID(household_id))
        assert reloaded.village == ERASED
        events = list(fresh.repository.event_store.get(UUID(referral_id)))
        assert vars(events[0])["note"] == ERASED
    finally:
        fresh.close()
    read = await get_ok(client, f"/v1/households/{household_id}")
    assert read["personal_data_erased"] is True
    head = read["profile"]["members"][0]
    assert (head["first_name"], head["id_number"], read["dwelling"]["village"]) == (ERASED,) * 3
    assert (head["health"], head["disability"], read["profile"]["social_ills"]) == (ERASED,) * 3
    assert (read["profile_facts"], read["risk"]) == (facts, shown["risk"])
    history = await get_ok(client, f"/v1/households/{household_id}/history")
    assert not any(secret in str(history) for secret in SECRETS.values())
    referral_history = await get_ok(client, f"/v1/referrals/{referral_id}/history")
    assert not any(secret in str(referral_history) for secret in SECRETS.values())
    # And no read of the household or its referral names its special need category any more,
    # even to a caller with pii:read (the views keep it beside the pseudonymous id: README)
    referral_read = await get_ok(client, f"/v1/referrals/{referral_id}")
    assert referral_read["category"] == "health"
    assert not {n["category"] for n in read["needs"]} & set(SPECIAL_CATEGORIES)
    for body in (read, history, referral_read, referral_history):
        assert "health_tb" not in str(body)
    # And a retried request replays its answer, though its receipt no longer fingerprints it
    events = len(history["events"])
    retry = await client.post(
        f"/v1/households/{household_id}/profile",
        json={"profile": make_profile()},
        headers={"Idempotency-Key": "profile-1"},
    )
    assert retry.status_code == 200
    history = await get_ok(client, f"/v1/households/{household_id}/history")
    assert len(history["events"]) == events
    # And the statistics are unchanged
    assert dashboard(await get_ok(client, f"/v1/dashboard/ward/{ward_id}")) == dashboard(before)
    relisted = await get_ok(client, "/v1/households", ward_id=ward_id)
    # (its row's special categories read broad, as its own read's do: the list's one change)
    assert relisted["data"] == [
        shape_categories(row, exact=False)[0] if row["household_id"] == household_id else row
        for row in listed["data"]
    ]
    assert relisted["data"] != listed["data"]
    # And nothing was logged with it
    assert not any(secret in caplog.text for secret in SECRETS.values())


@pytest.mark.integration
async def test_a_referral_made_after_erasure_gets_no_live_key(
    client: httpx.AsyncClient, application: Sukuma, settings: Settings, ward_id: str
) -> None:
    # Given an erased household (its keys are tombstones)
    household_id, _ = await seed(client, ward_id)
    await post_ok(client, f"/v1/households/{household_id}/erase", {"reason": "data subject asked"})
    # When a new referral (a new aggregate, so a new key row) is made for it, with a note
    late_note = "Xolisweqa told us her new address"
    need = await post_ok(
        client,
        f"/v1/households/{household_id}/needs",
        {"category": "food_security", "severity": "high"},
    )
    made = await post_ok(
        client,
        "/v1/referrals",
        {
            "household_id": household_id,
            "need_id": need["need_id"],
            "department": "SASSA",
            "note": late_note,
        },
    )

    # Then its key is a tombstone from the start: the note is stored nowhere, openable by none
    fresh = DataKeyStore(
        application.factory.datastore,  # type: ignore[attr-defined]
        application.recorder.data_keys_table_name,  # type: ignore[attr-defined]
        settings.master_key.get_secret_value(),
    )
    assert fresh.key(UUID(str(made["id"]))) == "erased"
    assert not [
        t for t, text in database_text(datastore_of(application)).items() if late_note in text
    ]
    assert late_note not in recoverable(application, settings)
    shown = await get_ok(client, f"/v1/referrals/{made['id']}")
    assert late_note not in str(shown)
