"""Each early-warning rule end to end: the situation built through the API, time advanced on
the test's clock, a sweep raises the alert, escalation follows, and fixing it resolves it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import httpx
import pytest

from domain.personal_data import WITHHELD
from domain.sukuma import Sukuma
from tests.integration.alerting import Alerting, alerting
from tests.integration.conftest import Clock
from tests.integration.helpers import advance_referral, household, need, post_ok, referral


@pytest.fixture
def ew(client: httpx.AsyncClient, application: Sukuma, clock: Clock) -> Alerting:
    return alerting(application, clock)


def assert_open(ew: Alerting, rule: str, subject: str, level: int) -> dict[str, object]:
    alert = ew.alert(rule, subject)
    assert alert is not None, f"{rule} raised no alert for {subject}"
    assert (alert["status"], alert["level"]) == ("open", level)
    return alert


def assert_resolved(ew: Alerting, rule: str, subject: str) -> None:
    alert = ew.alert(rule, subject)
    assert alert is not None
    assert alert["status"] == "resolved"
    assert alert["resolved_automatically"] is True


async def test_ew01_unacknowledged_referral(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    referral_id = await referral(client, household_id, await need(client, household_id))
    ew.clock.advance(days=7)
    assert ew.sweep().raised["EW-01"] == 0  # ack_by is day 7: not yet overdue

    ew.clock.advance(days=1)
    first = ew.sweep()
    alert = assert_open(ew, "EW-01", referral_id, level=1)
    again = ew.sweep()
    ew.clock.advance(days=3)
    escalated = ew.sweep()
    level_2 = assert_open(ew, "EW-01", referral_id, level=2)
    await advance_referral(client, referral_id, "acknowledge")
    resolved = ew.sweep()

    assert first.raised["EW-01"] == 1
    assert alert["evidence"]["referral_id"] == referral_id
    assert alert["evidence"]["ack_by"] is not None
    assert alert["rule_version"] == "ew01-v1"
    assert (alert["ward_id"], alert["municipality"], alert["department"]) == (
        ward_id,
        "KZN225",
        "SASSA",
    )
    assert again.total() == {"raised": 0, "escalated": 0, "resolved": 0, "failed": 0}
    assert escalated.escalated["escalation"] == 1
    assert level_2["level_since"] > alert["level_since"]
    assert resolved.resolved["EW-01"] == 1
    assert_resolved(ew, "EW-01", referral_id)


async def test_ew01_child_protection_starts_at_level_2(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    need_id = await need(client, household_id, category="child_protection", severity="high")
    referral_id = await referral(client, household_id, need_id, department="DSD")
    ew.clock.advance(days=3)  # child protection: acknowledge within 2 days

    ew.sweep()

    assert_open(ew, "EW-01", referral_id, level=2)


async def test_ew02_overdue_for_delivery(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    referral_id = await referral(client, household_id, await need(client, household_id))
    await advance_referral(client, referral_id, "acknowledge")
    ew.clock.advance(days=31)  # SASSA grants: deliver within 30 days

    ew.sweep()
    assert_open(ew, "EW-02", referral_id, level=1)
    ew.clock.advance(days=3)
    ew.sweep()
    assert_open(ew, "EW-02", referral_id, level=2)
    await advance_referral(client, referral_id, "deliver")
    ew.sweep()

    assert_resolved(ew, "EW-02", referral_id)


async def test_ew03_delivered_but_not_verified(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    referral_id = await referral(client, household_id, await need(client, household_id))
    await advance_referral(client, referral_id, "acknowledge", "deliver")
    ew.clock.advance(days=15)

    ew.sweep()
    alert = assert_open(ew, "EW-03", referral_id, level=1)
    ew.clock.advance(days=3)
    ew.sweep()
    assert_open(ew, "EW-03", referral_id, level=2)
    await advance_referral(client, referral_id, "verify")
    ew.sweep()

    assert alert["evidence"]["delivered_at"] is not None
    assert_resolved(ew, "EW-03", referral_id)


async def test_ew04_rejected_need_left_unreferred(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    need_id = await need(client, household_id)
    referral_id = await referral(client, household_id, need_id)
    await post_ok(client, f"/v1/referrals/{referral_id}/reject", {"reason": "wrong_department"})
    subject = f"{household_id}:{need_id}"
    ew.clock.advance(days=8)

    ew.sweep()
    alert = assert_open(ew, "EW-04", subject, level=2)
    ew.clock.advance(days=7)
    ew.sweep()
    assert_open(ew, "EW-04", subject, level=3)
    await referral(client, household_id, need_id, department="DSD")
    ew.sweep()

    assert alert["evidence"]["reason"] == "wrong_department"
    assert_resolved(ew, "EW-04", subject)


async def test_ew05_child_protection_household_without_intervention(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    need_id = await need(client, household_id, category="child_protection", severity="high")
    ew.clock.advance(days=15)

    ew.sweep()
    alert = assert_open(ew, "EW-05", household_id, level=2)
    # acknowledged, so only the rule itself raises the level: 3 once 30 days have passed
    await post_ok(client, f"/v1/alerts/{alert['alert_id']}/acknowledge", {"note": "on it"})
    ew.clock.advance(days=16)
    rose = ew.sweep()
    level_3 = ew.alert("EW-05", household_id)
    await post_ok(
        client,
        f"/v1/households/{household_id}/interventions",
        {"need_id": need_id, "kind": "counselling", "provider": "DSD"},
    )
    ew.sweep()

    assert rose.escalated["EW-05"] == 1
    assert level_3 is not None and (level_3["status"], level_3["level"]) == ("acknowledged", 3)
    assert_resolved(ew, "EW-05", household_id)


async def test_ew06_high_risk_household_not_contacted(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    from tests.factories import make_profile

    household_id = await household(client, ward_id)
    profile = make_profile(social_ills={"child_abuse_concern": True})  # risk floor: high
    await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": profile})

    ew.sweep()
    alert = assert_open(ew, "EW-06", household_id, level=1)  # never visited
    ew.clock.advance(days=3)
    ew.sweep()
    assert_open(ew, "EW-06", household_id, level=2)
    await post_ok(client, f"/v1/households/{household_id}/visits", {})
    ew.sweep()
    assert_resolved(ew, "EW-06", household_id)
    ew.clock.advance(days=31)
    ew.sweep()

    assert alert["evidence"]["last_visit_at"] is None
    reopened = assert_open(ew, "EW-06", household_id, level=1)
    assert reopened["episode"] == 2


async def test_ew07_field_worker_silent(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    worker = await post_ok(client, "/v1/field-workers", {"name": "T. Zulu", "cadre": "ccg"})
    worker_id = worker["id"]
    await post_ok(client, f"/v1/field-workers/{worker_id}/assign", {"ward_id": ward_id})
    household_id = await household(client, ward_id)
    ew.clock.advance(days=15)

    ew.sweep()
    assert_open(ew, "EW-07", worker_id, level=1)
    ew.clock.advance(days=3)
    ew.sweep()
    assert_open(ew, "EW-07", worker_id, level=2)
    await post_ok(client, f"/v1/households/{household_id}/visits", {"field_worker_id": worker_id})
    ew.sweep()

    assert_resolved(ew, "EW-07", worker_id)


async def war_room_with_seat(client: httpx.AsyncClient, ward_id: str) -> tuple[str, str, str]:
    room = await post_ok(client, "/v1/war-rooms", {"ward_id": ward_id, "name": "Ward room"})
    members = f"/v1/war-rooms/{room['id']}/members"
    convener = await post_ok(client, members, {"name": "N. Dlamini", "seat": "convener"})
    sassa = await post_ok(
        client, members, {"name": "SASSA officer", "seat": "department", "department": "SASSA"}
    )
    return room["id"], convener["member_id"], sassa["member_id"]


async def test_ew08_war_room_not_meeting(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    room_id, convener, _ = await war_room_with_seat(client, ward_id)
    ew.clock.advance(days=15)  # weekly cadence: max(14, 2 x 7) days

    ew.sweep()
    alert = assert_open(ew, "EW-08", room_id, level=1)
    await post_ok(client, f"/v1/alerts/{alert['alert_id']}/acknowledge", {})
    ew.clock.advance(days=14)
    rose = ew.sweep()  # 29 days without a meeting: level 2
    await post_ok(client, f"/v1/war-rooms/{room_id}/meetings", {"attendee_member_ids": [convener]})
    ew.sweep()

    assert rose.escalated["EW-08"] == 1
    assert_resolved(ew, "EW-08", room_id)


async def test_ew09_department_seat_absent(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    room_id, convener, sassa = await war_room_with_seat(client, ward_id)
    meetings = f"/v1/war-rooms/{room_id}/meetings"
    subject = f"{room_id}:SASSA"
    for _ in range(2):
        await post_ok(client, meetings, {"attendee_member_ids": [convener]})
    ew.sweep()
    assert ew.alert("EW-09", subject) is None  # two absences are not yet a pattern

    await post_ok(client, meetings, {"attendee_member_ids": [convener]})
    ew.sweep()
    alert = assert_open(ew, "EW-09", subject, level=2)
    ew.clock.advance(days=7)
    ew.sweep()
    assert_open(ew, "EW-09", subject, level=3)
    await post_ok(client, meetings, {"attendee_member_ids": [convener, sassa]})
    ew.sweep()

    assert alert["evidence"]["consecutive_absences"] == 3
    assert alert["department"] == "SASSA"
    assert_resolved(ew, "EW-09", subject)


async def test_ew09_resolves_when_the_department_leaves_its_seat_empty(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    # Given SASSA (two members) absent from three meetings: EW-09 is open
    room_id, convener, sassa = await war_room_with_seat(client, ward_id)
    members = f"/v1/war-rooms/{room_id}/members"
    second = await post_ok(
        client, members, {"name": "SASSA clerk", "seat": "department", "department": "SASSA"}
    )
    subject = f"{room_id}:SASSA"
    for _ in range(3):
        await post_ok(
            client, f"/v1/war-rooms/{room_id}/meetings", {"attendee_member_ids": [convener]}
        )
    ew.sweep()
    assert_open(ew, "EW-09", subject, level=2)

    # When one SASSA member is removed, the seat is still held: the alert stays open
    await post_ok(client, f"{members}/{sassa}/remove", {"reason": "transferred"})
    ew.sweep()
    assert_open(ew, "EW-09", subject, level=2)
    # When the last one is removed, the department's seat is empty
    await post_ok(client, f"{members}/{second['member_id']}/remove", {})
    ew.sweep()

    # Then its absence is no longer a situation: the alert resolves by itself
    assert_resolved(ew, "EW-09", subject)


async def test_ew10_department_failing_its_standard(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    referrals = []
    for _ in range(10):
        household_id = await household(client, ward_id)
        referrals.append(await referral(client, household_id, await need(client, household_id)))
    for referral_id in referrals[:5]:  # half acknowledged in time: below 60%
        await advance_referral(client, referral_id, "acknowledge")
    ew.clock.advance(days=8)
    subject = "KZN225:SASSA"

    ew.sweep()
    alert = assert_open(ew, "EW-10", subject, level=3)
    ew.clock.advance(days=14)
    ew.sweep()
    assert_open(ew, "EW-10", subject, level=4)
    ew.clock.advance(days=21)  # the late referrals leave the 28-day window
    ew.sweep()

    assert (alert["evidence"]["due"], alert["evidence"]["answered_within"]) == (10, 5)
    assert alert["ward_id"] is None and alert["municipality"] == "KZN225"
    assert_resolved(ew, "EW-10", subject)


async def test_ew11_graduated_household_regressed(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    from tests.factories import make_profile

    household_id = await household(client, ward_id)
    await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": make_profile()})
    ew.clock.advance(days=183)  # the graduation policy's time in the programme
    await post_ok(client, f"/v1/households/{household_id}/visits", {})
    await post_ok(client, f"/v1/households/{household_id}/graduate", {})
    ew.clock.advance(days=10)
    need_id = await need(client, household_id, category="food_security", severity="high")

    ew.sweep()
    alert = assert_open(ew, "EW-11", household_id, level=2)
    ew.clock.advance(days=7)
    ew.sweep()
    assert_open(ew, "EW-11", household_id, level=3)
    await referral(client, household_id, need_id, department="DSD")  # reopened, and referred
    ew.sweep()

    assert alert["evidence"]["needs"] == [need_id]
    assert_resolved(ew, "EW-11", household_id)


async def test_ew13_need_category_spike(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    monday = ew.clock.now.date() + timedelta(days=7 - ew.clock.now.weekday())
    ew.clock.now = datetime.combine(monday, time(8), UTC)  # the week's count starts afresh
    for _ in range(5):
        await need(client, await household(client, ward_id), category="water", severity="low")
    subject = f"{ward_id}:water"

    ew.sweep()
    alert = assert_open(ew, "EW-13", subject, level=1)
    ew.clock.advance(days=3)
    ew.sweep()
    assert_open(ew, "EW-13", subject, level=2)
    ew.clock.advance(days=5)  # a new week: 5 in the weeks before, none in this one
    ew.sweep()

    assert alert["evidence"]["this_week"] == 5
    assert_resolved(ew, "EW-13", subject)


async def test_person_resolves_and_the_same_situation_does_not_reopen(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    referral_id = await referral(client, household_id, await need(client, household_id))
    ew.clock.advance(days=8)
    ew.sweep()
    alert = assert_open(ew, "EW-01", referral_id, level=1)

    await post_ok(
        client, f"/v1/alerts/{alert['alert_id']}/resolve", {"reason": "department phoned"}
    )
    ew.clock.advance(days=1)
    summary = ew.sweep()

    assert summary.raised["EW-01"] == 0
    resolved = ew.alert("EW-01", referral_id)
    assert resolved is not None
    assert (resolved["status"], resolved["resolved_automatically"]) == ("resolved", False)
    assert resolved["resolution"] == WITHHELD  # sealed: shown with pii:read (test_alert_reasons)
