"""Alerts as a caller without ``pii:read`` sees them: a person's resolution reason is sealed
like a note (withheld in the view, shown with pii:read, erased with the household), and the
special need category of a referral's alert reads broad."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest

from domain.access.principal import Role
from domain.personal_data import ERASED, WITHHELD
from domain.sukuma import Sukuma
from tests.integration.alerting import Alerting, alerting
from tests.integration.conftest import ClientAs, Clock
from tests.integration.helpers import database_text, household, need, post_ok, referral
from tests.integration.test_erasure import datastore_of

REASON = "Thandeka's partner was arrested for the assault, she is safe at her mother's"


@pytest.fixture
def ew(client: httpx.AsyncClient, application: Sukuma, clock: Clock) -> Alerting:
    return alerting(application, clock)


async def _referral_alert(client: httpx.AsyncClient, ew: Alerting, ward_id: str) -> tuple[str, str]:
    """A household's GBV need referred to SAPS and left unacknowledged: EW-01's alert."""
    household_id = await household(client, ward_id)
    referral_id = await referral(
        client, household_id, await need(client, household_id, "gbv"), "SAPS"
    )
    ew.clock.advance(days=8)
    ew.sweep()
    [alert] = (await client.get("/v1/alerts", params={"rule": "EW-01"})).json()["data"]
    assert alert["subject"] == referral_id
    return household_id, f"/v1/alerts/{alert['alert_id']}"


def _reasons(alert: dict[str, object]) -> list[object]:
    history = alert["history"]
    assert isinstance(history, list)
    return [e["detail"]["reason"] for e in history if e["type"] == "Resolved"]


@pytest.mark.integration
async def test_a_resolution_reason_is_sealed_shown_with_pii_read_and_erased(
    client: httpx.AsyncClient,
    client_as: ClientAs,
    application: Sukuma,
    ew: Alerting,
    ward_id: str,
) -> None:
    # Given an alert about a household's referral, resolved by a person with a reason
    household_id, url = await _referral_alert(client, ew, ward_id)
    await post_ok(client, f"{url}/resolve", {"reason": REASON})
    ew.project()
    convener = await client_as(Role.CONVENER, f"ward:{ward_id}", username="convener")

    # When the tester (pii:read) and the ward's convener (without) read it and the list
    shown = (await client.get(url)).json()
    hidden = (await convener.get(url)).json()
    [listed] = (await convener.get("/v1/alerts", params={"rule": "EW-01"})).json()["data"]

    # Then only the tester sees the reason, no table holds it in plain text, the read is logged
    assert (_reasons(shown), shown["resolution"]) == ([REASON], REASON)
    assert (_reasons(hidden), hidden["resolution"]) == ([WITHHELD], WITHHELD)
    assert listed["resolution"] == WITHHELD
    assert not [t for t, text in database_text(datastore_of(application)).items() if REASON in text]
    reads = await client.get("/v1/audit/pii-reads", params={"household_id": household_id})
    assert ("GET /v1/alerts/{id}", ["history[].detail.note"]) in [
        (r["endpoint"], r["fields"]) for r in reads.json()["data"]
    ]

    # When the household's personal data is erased
    await post_ok(client, f"/v1/households/{household_id}/erase", {"reason": "data subject asked"})
    ew.project()

    # Then the reason is gone for everyone, though the resolution itself remains
    after = (await client.get(url)).json()
    assert (_reasons(after), after["resolution"], after["status"]) == (
        [ERASED],
        ERASED,
        "resolved",
    )


@pytest.mark.integration
async def test_an_alert_about_a_special_need_shows_its_category_broad_without_pii_read(
    client: httpx.AsyncClient, client_as: ClientAs, ew: Alerting, ward_id: str
) -> None:
    # Given an alert about a GBV referral left unacknowledged
    household_id, url = await _referral_alert(client, ew, ward_id)
    convener = await client_as(Role.ANALYST, f"ward:{ward_id}", username="analyst")

    # When an analyst without pii:read and the tester read it and the list
    hidden = (await convener.get(url)).json()
    [listed] = (await convener.get("/v1/alerts", params={"rule": "EW-01"})).json()["data"]
    shown = (await client.get(url)).json()

    # Then only the tester sees the exact category, and its read is logged
    assert hidden["evidence"]["category"] == listed["evidence"]["category"] == "safety"
    assert "gbv" not in str(hidden) and "gbv" not in str(listed)
    assert shown["evidence"]["category"] == "gbv"
    reads = await client.get("/v1/audit/pii-reads", params={"household_id": household_id})
    assert [(r["endpoint"], r["fields"]) for r in reads.json()["data"]] == [
        ("GET /v1/alerts/{id}", ["needs[].category"]),
        ("GET /v1/alerts", ["needs[].category"]),
    ]


@pytest.mark.integration
async def test_the_alerts_export_shows_a_special_category_broad_without_pii_read(
    client: httpx.AsyncClient, client_as: ClientAs, ew: Alerting, ward_id: str
) -> None:
    # Given an alert about a GBV referral left unacknowledged
    household_id, _ = await _referral_alert(client, ew, ward_id)
    analyst = await client_as(Role.ANALYST, f"ward:{ward_id}", username="analyst")

    # When an analyst without pii:read and the tester export the alerts as CSV
    hidden = await analyst.get("/v1/alerts.csv", params={"rule": "EW-01"})
    shown = await client.get("/v1/alerts.csv", params={"rule": "EW-01"})

    # Then the analyst's evidence names the broad category only, the tester's the exact one,
    # and the tester's read is logged as the list's are
    [hidden_row] = list(csv.DictReader(io.StringIO(hidden.text)))
    [shown_row] = list(csv.DictReader(io.StringIO(shown.text)))
    assert json.loads(hidden_row["evidence"])["category"] == "safety"
    assert "gbv" not in hidden.text
    assert json.loads(shown_row["evidence"])["category"] == "gbv"
    reads = await client.get("/v1/audit/pii-reads", params={"household_id": household_id})
    assert ("GET /v1/alerts.csv", ["needs[].category"]) in [
        (r["endpoint"], r["fields"]) for r in reads.json()["data"]
    ]
