"""Idempotency-Key: a retried POST returns the first answer and appends nothing."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID, uuid4

import httpx
import psycopg
import pytest
from eventsourcing.persistence import OperationalError, RecordConflictError, StoredEvent
from psycopg import sql

from adapters.event_store import SukumaRecorder
from adapters.idempotency import IdempotencyReceipt, request_fingerprint
from domain.access.principal import Role
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from tests.integration.conftest import ClientAs
from tests.integration.helpers import household


async def test_retry_with_same_key_returns_original_response(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    url = f"/v1/households/{household_id}/needs"
    body = {"category": "water", "severity": "medium"}
    headers = {"Idempotency-Key": "phone-42-need-1"}

    first = await client.post(url, json=body, headers=headers)
    retry = await client.post(url, json=body, headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["ETag"] == first.headers["ETag"]
    state = (await client.get(f"/v1/households/{household_id}")).json()
    assert len(state["needs"]) == 1
    assert state["version"] == 2


async def test_same_key_with_different_body_is_refused(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    url = f"/v1/households/{household_id}/needs"
    headers = {"Idempotency-Key": "phone-42-need-2"}
    await client.post(url, json={"category": "water", "severity": "medium"}, headers=headers)

    other = await client.post(url, json={"category": "housing", "severity": "low"}, headers=headers)

    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert len((await client.get(f"/v1/households/{household_id}")).json()["needs"]) == 1


async def test_creation_retry_with_key_and_server_generated_id(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    body = {"ward_id": ward_id, "dwelling_type": "traditional"}
    headers = {"Idempotency-Key": "register-7"}

    first = await client.post("/v1/households", json=body, headers=headers)
    retry = await client.post("/v1/households", json=body, headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    assert retry.headers["Location"] == first.headers["Location"]


async def test_concurrent_retries_append_once(client: httpx.AsyncClient, ward_id: str) -> None:
    household_id = await household(client, ward_id)
    url = f"/v1/households/{household_id}/visits"
    headers = {"Idempotency-Key": "visit-burst"}

    responses = await asyncio.gather(
        *[client.post(url, json={"outcome": "met_household"}, headers=headers) for _ in range(5)]
    )

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["visit_id"] for r in responses}) == 1
    state = (await client.get(f"/v1/households/{household_id}")).json()
    assert len(state["visits"]) == 1


async def test_concurrent_retries_with_if_match_append_once(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    url = f"/v1/households/{household_id}/visits"
    version = (await client.get(f"/v1/households/{household_id}")).headers["ETag"]
    headers = {"Idempotency-Key": "visit-burst-if-match", "If-Match": version}

    responses = await asyncio.gather(
        *[client.post(url, json={"outcome": "met_household"}, headers=headers) for _ in range(5)]
    )

    # The losers of the race replay the winner's answer rather than a 412.
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["visit_id"] for r in responses}) == 1
    state = (await client.get(f"/v1/households/{household_id}")).json()
    assert len(state["visits"]) == 1


async def test_keys_are_scoped_per_actor(
    client: httpx.AsyncClient, client_as: ClientAs, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    url = f"/v1/households/{household_id}/visits"
    body = {"outcome": "met_household"}
    other = await client_as(Role.CONVENER, f"ward:{ward_id}", username="other")

    mine = await client.post(url, json=body, headers={"Idempotency-Key": "k1"})
    theirs = await other.post(url, json=body, headers={"Idempotency-Key": "k1"})

    assert mine.status_code == theirs.status_code == 201
    assert len((await client.get(f"/v1/households/{household_id}")).json()["visits"]) == 2


async def test_after_erasure_a_key_reused_on_another_route_is_refused_not_replayed(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    # Given a need recorded with a key, and then its household's personal data erased
    household_id = await household(client, ward_id)
    headers = {"Idempotency-Key": "phone-42-need-3"}
    need = {"category": "water", "severity": "medium"}
    first = await client.post(f"/v1/households/{household_id}/needs", json=need, headers=headers)
    assert first.status_code == 201
    erase = {"reason": "data subject asked"}
    erased = await client.post(f"/v1/households/{household_id}/erase", json=erase)
    assert erased.status_code == 200

    # When the same key comes with another request
    other = await client.post(
        "/v1/field-workers", json={"name": "T. Mkhize", "cadre": "ccg"}, headers=headers
    )

    # Then it is refused (the erased receipt still knows its route), not the need's answer
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    # And the need's own retry still replays
    retry = await client.post(f"/v1/households/{household_id}/needs", json=need, headers=headers)
    assert (retry.status_code, retry.json()) == (201, first.json())


def _receipt(key: str, aggregate_id: UUID, fingerprint: str) -> IdempotencyReceipt:
    return IdempotencyReceipt(
        key=key,
        actor="tester",
        fingerprint=fingerprint,
        status_code=201,
        aggregate_id=aggregate_id,
        body={"extra": {}, "location": None},
    )


@pytest.mark.parametrize("winner_in_flight", [True, False], ids=["in-flight", "committed"])
def test_a_lost_receipt_race_is_a_record_conflict_and_appends_nothing(
    application: Sukuma, settings: Settings, winner_in_flight: bool
) -> None:
    """The loser of a race for a key gets a conflict at once (the command runner then replays
    the winner's receipt), not a database failure retried for seconds, and none of its events
    are appended.

    The loser's receipt INSERT fails on the winner's row: at once if the winner has
    committed, or when it commits if it is in flight.
    """
    recorder = application.recorder
    assert isinstance(recorder, SukumaRecorder)
    assert settings.database_url is not None
    receipts = sql.Identifier(recorder.datastore.schema, recorder.receipts_table_name)
    key, winner_id, loser_id = "visit-race", uuid4(), uuid4()
    winner_answer = request_fingerprint("POST", "/v1/visits", b"winner")

    loser_event = StoredEvent(
        originator_id=loser_id, originator_version=1, topic="tests:Loser", state=b"{}"
    )
    loser_receipt = _receipt(key, loser_id, request_fingerprint("POST", "/v1/visits", b"loser"))
    with (
        psycopg.connect(settings.database_url) as winner,
        psycopg.connect(settings.database_url, autocommit=True) as observer,
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        winner.execute(
            sql.SQL(
                "INSERT INTO {} (actor, key, fingerprint, status_code, body, aggregate_id)"
                " VALUES ('tester', %s, %s, 201, '{{}}', %s)"
            ).format(receipts),
            (key, winner_answer, winner_id),
        )
        if not winner_in_flight:
            winner.commit()
        started = time.monotonic()
        loser = pool.submit(recorder.insert_events, [loser_event], receipt=loser_receipt)
        if winner_in_flight:
            # Let the loser's receipt INSERT queue behind the winner's row, then commit it.
            while not observer.execute(
                "SELECT 1 FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event = 'transactionid'"
            ).fetchone():
                assert time.monotonic() - started < 5.0, "the loser never waited on the winner"
                time.sleep(0.01)
            winner.commit()

        with pytest.raises(RecordConflictError) as raised:
            loser.result(timeout=30)
        elapsed = time.monotonic() - started

    assert not isinstance(raised.value, OperationalError), raised.value
    assert elapsed < 1.0, f"answered after {elapsed:.1f}s: retried as if the database had failed"
    assert list(recorder.select_events(loser_id)) == []
    stored = recorder.find_receipt("tester", key)
    assert stored is not None and stored.fingerprint == winner_answer


async def test_an_empty_or_overlong_key_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    url = f"/v1/households/{household_id}/visits"
    before = (await client.get(f"/v1/households/{household_id}")).json()["version"]

    for key in ("", "k" * 256):
        refused = await client.post(
            url, json={"outcome": "met_household"}, headers={"Idempotency-Key": key}
        )
        assert refused.status_code == 422, key
        assert refused.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    longest = await client.post(
        url, json={"outcome": "met_household"}, headers={"Idempotency-Key": "k" * 255}
    )

    assert longest.status_code == 201
    assert longest.json()["version"] == before + 1
