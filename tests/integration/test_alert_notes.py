"""Notes people write on alerts are sealed like personal fields: under a key destroyed with the
household the alert is about, kept out of the alert view, and shown only with ``pii:read``
(each such read on the access log)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import httpx
import pytest

from adapters.event_store import SukumaRecorder
from domain.access.principal import Role
from domain.context import CommandContext
from domain.personal_data import ERASED, WITHHELD
from domain.sukuma import Sukuma
from tests.integration.alerting import Alerting, alerting
from tests.integration.conftest import ClientAs, Clock
from tests.integration.helpers import database_text, household, need, post_ok, referral
from tests.integration.test_erasure import datastore_of

NOTE = "Gogo Xolisweqa coughs blood, TB clinic"


@pytest.fixture
def ew(client: httpx.AsyncClient, application: Sukuma, clock: Clock) -> Alerting:
    return alerting(application, clock)


@pytest.mark.integration
async def test_an_alert_note_is_sealed_shown_with_pii_read_and_erased_with_its_household(
    client: httpx.AsyncClient,
    client_as: ClientAs,
    application: Sukuma,
    ew: Alerting,
    ward_id: str,
) -> None:
    # Given an alert about a household's unacknowledged referral, acknowledged with a note
    household_id = await household(client, ward_id)
    referral_id = await referral(client, household_id, await need(client, household_id))
    ew.clock.advance(days=8)
    ew.sweep()
    [alert] = (await client.get("/v1/alerts", params={"rule": "EW-01"})).json()["data"]
    assert alert["subject"] == referral_id
    url = f"/v1/alerts/{alert['alert_id']}"
    await post_ok(client, f"{url}/acknowledge", {"note": NOTE})
    ew.project()
    convener = await client_as(Role.CONVENER, f"ward:{ward_id}", username="convener")

    # When the tester (pii:read) and the ward's convener (without) read it
    shown = (await client.get(url)).json()
    hidden = (await convener.get(url)).json()

    # Then only the tester sees the note, no table holds it in plain text, and the read is logged
    notes = [e["detail"].get("note") for e in shown["history"] if e["type"] == "Acknowledged"]
    assert notes == [NOTE]
    assert [e["detail"] for e in hidden["history"] if e["type"] == "Acknowledged"] == [
        {"note": WITHHELD}
    ]
    assert not [t for t, text in database_text(datastore_of(application)).items() if NOTE in text]
    reads = await client.get("/v1/audit/pii-reads", params={"household_id": household_id})
    assert [(r["endpoint"], r["fields"]) for r in reads.json()["data"]] == [
        ("GET /v1/alerts/{id}", ["history[].detail.note"])
    ]

    # When the household's personal data is erased
    await post_ok(client, f"/v1/households/{household_id}/erase", {"reason": "data subject asked"})
    ew.project()

    # Then the note is gone for everyone, though the alert and its history remain
    after = (await client.get(url)).json()
    assert [e["detail"]["note"] for e in after["history"] if e["type"] == "Acknowledged"] == [
        ERASED
    ]
    assert [e["type"] for e in after["history"]] == [e["type"] for e in shown["history"]]


@pytest.mark.integration
@pytest.mark.parametrize("about_household", [False, True])
def test_a_note_is_sealed_under_the_alerts_own_key_linked_to_the_household_it_is_about(
    application: Sukuma, ward_id: str, about_household: bool
) -> None:
    # Given an alert about a ward's need category (no household's), or about a household's
    # need (EW-04's subject: ``<household id>:<need id>``), acknowledged with a note
    ctx = CommandContext(actor="tester", occurred_at=datetime.now(UTC))
    household_id = uuid4()
    application.register_household(
        household_id=household_id,
        ward_id=ward_id,
        dwelling_type="formal",
        village=None,
        gps=None,
        field_worker_id=None,
        ctx=ctx,
    )
    subject = f"{household_id}:{uuid4()}" if about_household else f"{ward_id}:water"
    raised = application.raise_alert(
        rule="EW-04" if about_household else "EW-10",
        rule_version="test",
        subject=subject,
        level=1,
        evidence={},
        scope={"ward_id": ward_id},
        since=None,
        ctx=ctx,
    )
    application.acknowledge_alert(raised.id, NOTE, ctx)

    # Then the note is stored sealed, under a key of the alert's own naming the household it
    # is about (so the household's erasure destroys it), and opens with it
    recorder = application.recorder
    assert isinstance(recorder, SukumaRecorder) and recorder.data_keys is not None
    [stored] = recorder.select_events(raised.id, gt=1)
    assert NOTE.encode() not in stored.state and b'"_pii_"' in stored.state
    with recorder.datastore.transaction(commit=False) as curs:
        curs.execute(
            f"SELECT household_id FROM {recorder.data_keys_table_name} WHERE aggregate_id = %s",
            (raised.id,),
        )
        linked = household_id if about_household else None
        assert curs.fetchall() == [{"household_id": linked}]
    assert application.alert_notes(raised.id) == (linked and str(linked), {2: NOTE})
