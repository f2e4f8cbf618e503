"""M9 counted over an area (``wards_by_class``: from each ward's weeks today, from every ward's
daily rows as of a day) against each ward's own M9 (the pure rule over that ward's rows): the
same class for every ward, with meetings in several weeks, core departments' attendance,
recent profiles and acknowledged referrals."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx

from domain.context import CommandContext
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from domain.warrooms.model import war_room_id
from tests.integration.helpers import advance_referral, need, profiled_household, referral
from tests.integration.test_views_api import project

DEPARTMENTS = ("DSD", "SASSA", "DOH", "DHA", "DBE", "SAPS", "MUNI")


def room_meeting_on(application: Sukuma, ward: str, days_ago: list[int], present: int) -> None:
    """A war room whose ``present`` core departments met ``days_ago`` (field work backdated)."""
    ctx = CommandContext(actor="test-setup", occurred_at=datetime.now(UTC) - timedelta(days=60))
    application.establish_war_room(ward, f"Ward {ward} war room", 7, ctx)
    room = war_room_id(ward)
    members = []
    for department in DEPARTMENTS[:present]:
        member = uuid4()
        application.add_war_room_member(
            room_id=room, member_id=member, name=f"{department} officer", seat="department",
            department=department, ctx=ctx,
        )  # fmt: skip
        members.append(str(member))
    for days in days_ago:
        held = CommandContext(
            actor="test-setup", occurred_at=datetime.now(UTC) - timedelta(days=days)
        )
        application.hold_meeting(
            room_id=room, meeting_id=uuid4(), attendee_member_ids=members,
            households_discussed=[], notes=None, ctx=held,
        )  # fmt: skip


async def acknowledged_referral(client: httpx.AsyncClient, ward: str) -> None:
    household_id = await profiled_household(client, ward)  # a profile today
    need_id = await need(client, household_id, category="social_grant", severity="high")
    await advance_referral(client, await referral(client, household_id, need_id), "acknowledge")


async def test_an_areas_ward_classes_match_each_wards_own_functionality(
    client: httpx.AsyncClient, application: Sukuma
) -> None:
    wards = [w.id for w in geography().wards_in("municipality", "KZN225")]
    full, functional, poor = wards[4], wards[5], wards[6]
    # Met each of the last 4 weeks with 5 of the 7 core departments; a profile, a referral
    # acknowledged in time
    room_meeting_on(application, full, [0, 7, 14, 21], present=5)
    await acknowledged_referral(client, full)
    # Met 2 of the last 4 weeks (and 8 weeks ago, which counts for attendance only), 1 seat
    room_meeting_on(application, functional, [1, 15, 50], present=1)
    await acknowledged_referral(client, functional)
    # Met only 5 weeks ago
    room_meeting_on(application, poor, [35], present=7)
    project(application)

    own = {}
    for ward in (full, functional, poor):
        body = (await client.get(f"/v1/indicators/ward/{ward}", params={"weeks": 1})).json()
        own[ward] = body["current"]["M9_functionality"]["class"]
    area = (await client.get("/v1/indicators/municipality/KZN225", params={"weeks": 1})).json()
    # as of today, by either basis: from the daily flows as known then (today's read takes
    # each ward's weeks, ``ward_weeks``)
    today = datetime.now(UTC).date().isoformat()
    as_of = [
        await client.get(
            "/v1/indicators/municipality/KZN225",
            params={"weeks": 1, "as_of": today, "basis": basis},
        )
        for basis in ("recorded", "occurred")
    ]

    assert own == {full: "fully_functional", functional: "functional", poor: "poorly_functional"}
    expected = Counter({"not_existing": len(wards) - 3, **Counter(own.values())})
    assert area["current"]["M9_functionality"]["wards_by_class"] == dict(expected)
    for then in as_of:
        assert then.json()["current"]["M9_functionality"] == area["current"]["M9_functionality"]
