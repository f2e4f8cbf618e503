"""Overdue referrals climb the escalation ladder by themselves, through the scheduler's sweep
against real PostgreSQL: one system event per level, idempotent, shown by every read."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import httpx

from domain.escalation import Ladder, overdue_from
from domain.referrals.model import Referral
from domain.sukuma import Sukuma
from projections.nerve_centre.tables import REFERRALS
from scheduler.rules.config import load_rules_file
from scheduler.summary import Summary
from scheduler.sweeper import Sweeper
from sukuma.demo import generate
from sukuma.settings import Settings
from sukuma.wiring import build_application
from tests.integration.alerting import alerting, at_once
from tests.integration.conftest import Clock
from tests.integration.helpers import advance_referral, post_ok
from tests.integration.test_alert_scheduler import overdue_referrals


async def get_ok(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    response = await client.get(url)
    assert response.status_code == 200, (url, response.text)
    data: dict[str, Any] = response.json()
    return data


async def system_escalations(client: httpx.AsyncClient, referral_id: str) -> list[dict[str, Any]]:
    history = await get_ok(client, f"/v1/referrals/{referral_id}/history")
    return [e for e in history["events"] if e["type"] == "Referral.EscalatedOverdue"]


async def listed_level(client: httpx.AsyncClient, referral_id: str) -> int:
    """The referral's escalation level in the nerve centre's list (``GET /v1/referrals``)."""
    page = await get_ok(client, "/v1/referrals?limit=200")
    (row,) = [r for r in page["data"] if r["referral_id"] == referral_id]
    return int(row["escalation_level"])


async def test_a_referral_331_days_overdue_climbs_to_level_4_in_one_sweep_one_event_per_level(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str
) -> None:
    ew = alerting(application, clock)
    (referral_id,) = await overdue_referrals(client, ward_id, 1)
    ack_by = date.fromisoformat((await get_ok(client, f"/v1/referrals/{referral_id}"))["ack_by"])
    clock.now = overdue_from(ack_by) + timedelta(days=331, hours=10)

    first = ew.sweep()
    version = application.get(Referral, UUID(referral_id)).version
    again = ew.sweep()

    events = await system_escalations(client, referral_id)
    assert [(e["payload"]["from_level"], e["payload"]["to_level"]) for e in events] == [
        (0, 1),
        (1, 2),
        (2, 3),
        (3, 4),
    ]
    assert {
        (e["actor"], e["payload"]["standard"], e["payload"]["due"], e["payload"]["days_overdue"])
        for e in events
    } == {("system:scheduler", "acknowledgement", ack_by.isoformat(), 331)}
    assert events[0]["payload"]["standard_version"]
    assert (first.escalated["referrals"], again.escalated["referrals"]) == (1, 0)
    assert application.get(Referral, UUID(referral_id)).version == version  # nothing twice
    assert (await get_ok(client, f"/v1/referrals/{referral_id}"))["escalation_level"] == 4
    assert await listed_level(client, referral_id) == 4
    alert = ew.alert("EW-01", referral_id)
    assert alert is not None and alert["level"] == 4  # raised where its age has reached


async def test_the_ladder_follows_the_delay_and_a_manual_escalation_raises_it_further(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str
) -> None:
    ew = alerting(application, clock)
    (referral_id,) = await overdue_referrals(client, ward_id, 1)
    await advance_referral(client, referral_id, "acknowledge")
    deliver_by = date.fromisoformat(
        (await get_ok(client, f"/v1/referrals/{referral_id}"))["deliver_by"]
    )
    clock.now = overdue_from(deliver_by).replace(hour=9)

    ew.sweep()
    at_1 = await listed_level(client, referral_id)
    clock.advance(days=3)
    ew.sweep()
    at_2 = await listed_level(client, referral_id)
    await post_ok(
        client, f"/v1/referrals/{referral_id}/escalate", {"level": 3, "reason": "no answer"}
    )
    clock.advance(days=7)  # 10 days overdue: the ladder says 3, the referral is there already
    unchanged = ew.sweep()
    clock.advance(days=14)  # 24 days overdue: the ladder says 4
    ew.sweep()

    events = await system_escalations(client, referral_id)
    assert (at_1, at_2) == (1, 2)
    assert unchanged.escalated["referrals"] == 0
    assert [(e["payload"]["to_level"], e["payload"]["standard"]) for e in events] == [
        (1, "delivery"),
        (2, "delivery"),
        (4, "delivery"),
    ]
    assert events[-1]["payload"]["from_level"] == 3
    assert await listed_level(client, referral_id) == 4


async def test_a_referral_escalated_above_the_ladder_by_hand_is_never_lowered(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str
) -> None:
    ew = alerting(application, clock)
    (referral_id,) = await overdue_referrals(client, ward_id, 1)
    await post_ok(
        client, f"/v1/referrals/{referral_id}/escalate", {"level": 4, "reason": "child at risk"}
    )
    clock.advance(days=40)

    summary = ew.sweep()

    assert summary.escalated["referrals"] == 0
    assert await system_escalations(client, referral_id) == []
    assert await listed_level(client, referral_id) == 4


async def test_two_schedulers_racing_escalate_each_referral_to_each_level_once(
    client: httpx.AsyncClient,
    application: Sukuma,
    settings: Settings,
    clock: Clock,
    ward_id: str,
) -> None:
    referral_ids = await overdue_referrals(client, ward_id, 4)
    clock.advance(days=20)  # 12 days overdue: level 3
    alerting(application, clock).project()
    assert settings.database_url is not None
    replica = build_application(settings, settings.database_url)
    # Past the advisory lock (which would make one of them skip): the referral's own
    # optimistic concurrency is what keeps each level to one event.
    sweepers = [Sweeper(app, load_rules_file(), clock) for app in (application, replica)]
    summaries = [Summary(), Summary()]

    try:
        at_once(
            lambda: sweepers[0]._escalate_referrals(clock.now, summaries[0]),
            lambda: sweepers[1]._escalate_referrals(clock.now, summaries[1]),
        )
    finally:
        replica.close()

    for referral_id in referral_ids:
        events = await system_escalations(client, referral_id)
        assert [e["payload"]["to_level"] for e in events] == [1, 2, 3], referral_id
    assert sum(s.escalated["referrals"] for s in summaries) == 4
    assert sum(s.failed["referrals"] for s in summaries) == 0


def test_the_demos_overdue_referrals_reach_their_levels_after_a_sweep(
    application: Sukuma, clock: Clock
) -> None:
    generate(application, 120, seed=7, now=clock.now)
    ew = alerting(application, clock)

    ew.sweep()

    ladder = Ladder()
    overdue = [
        (row["escalation_level"], ladder.level_reached(clock.now - overdue_from(row["due"])))
        for row in _overdue_referrals(application, clock.now.date())
    ]
    assert len(overdue) >= 3, "the demo should have overdue referrals"
    assert [(level, reached) for level, reached in overdue if level < reached] == []


def _overdue_referrals(application: Sukuma, today: date) -> list[dict[str, Any]]:
    """Open referrals past the standard they are waiting on, from the nerve-centre view."""
    with application.factory.datastore.transaction(commit=False) as curs:  # type: ignore[attr-defined]
        curs.execute(
            f"SELECT escalation_level, CASE status WHEN 'made' THEN ack_by ELSE deliver_by END"
            f" AS due FROM {REFERRALS} WHERE (status = 'made' AND ack_by < %(today)s)"
            " OR (status = 'acknowledged' AND deliver_by < %(today)s)",
            {"today": today},
        )
        return [dict(row) for row in curs.fetchall()]
