"""M9's figures a ward and week (``nerve_centre_ward_weeks``, migration 0031): the projector
keeps them as the migration fills them from ``area_daily``, and an area's functionality
classes read them instead of every ward's daily rows."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from adapters.migrations import migrations
from domain.context import CommandContext
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from domain.warrooms.model import war_room_id
from projections.nerve_centre.queries.indicators import indicators
from projections.nerve_centre.tables import AREA_COUNTS, AREA_DAILY, WARD_WEEKS
from tests.integration.helpers import profiled_household
from tests.integration.test_quarantine_plan import Explained, nodes
from tests.integration.test_views_api import project
from tests.integration.test_ward_classes import room_meeting_on

pytestmark = pytest.mark.integration

(FILL,) = (m.sql for m in migrations() if m.name == "web3m_ward_weeks")
TODAY = date(2026, 11, 25)  # a Wednesday: the 8 weeks' window starts on a Thursday


def ward_weeks(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT * FROM {WARD_WEEKS} ORDER BY 1, 2").fetchall()


async def test_the_projector_keeps_the_weeks_the_migration_fills_from_the_daily_flows(
    client: httpx.AsyncClient, application: Sukuma, fresh_db_url: str
) -> None:
    wards = [w.id for w in geography().wards_in("municipality", "KZN225")]
    # Given meetings over 8 weeks in two wards (seven core departments, and one that is not),
    # a profile, projected in two runs whose meetings share weeks (the rows are added to)
    room_meeting_on(application, wards[0], [0, 1, 9, 20, 50], present=7)
    await profiled_household(client, wards[0])
    project(application)
    room_meeting_on(application, wards[1], [2, 30], present=3)
    yesterday = CommandContext(actor="test-setup", occurred_at=datetime.now(UTC) - timedelta(1))
    application.hold_meeting(
        room_id=war_room_id(wards[0]), meeting_id=uuid4(), attendee_member_ids=[],
        households_discussed=[], notes=None, ctx=yesterday,
    )  # fmt: skip
    project(application)
    kept = ward_weeks(fresh_db_url)

    # When the migration fills the table again from area_daily
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        conn.execute(f"DELETE FROM {WARD_WEEKS}")
        conn.execute(FILL.encode())

    # Then it holds the rows the projector kept, row for row
    assert ward_weeks(fresh_db_url) == kept
    # and those rows hold each day's meetings, core departments present and profiles
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday())
    first = next(row for row in kept if row[0] == wards[0] and row[1] == monday)
    meetings = [0] * 7
    for days in (0, 1, 1):  # two meetings a day ago (the second with nobody present)
        if (today - timedelta(days=days)) >= monday:
            meetings[(today - timedelta(days=days)).weekday()] += 1
    assert first[2] == meetings
    assert first[4][today.weekday()] == 1  # the profile, today
    assert {row[0] for row in kept} == {wards[0], wards[1]}
    assert sum(sum(row[3]) for row in kept) == 5 * 7 + 2 * 3  # core seats present


async def test_a_districts_functionality_reads_no_wards_daily_rows(api: FastAPI) -> None:
    # Given a year of daily flows for every ward of a district as dense as the web benchmark's
    # (a meeting a day with five core departments, a profile a day), its weeks, and war rooms
    # in half its wards with 80% of referrals acknowledged in time
    pool = api.state.read_pool
    wards = [w.id for w in geography().wards_in("district", "DC22")]
    await pool.execute(
        f"INSERT INTO {AREA_DAILY} SELECT level, code, $2::date - d, m, 1 FROM ("
        "SELECT 'ward' AS level, unnest($1::text[]) AS code UNION ALL "
        "SELECT 'district', 'DC22') a, generate_series(0, 364) d, "
        "unnest(ARRAY['meetings', 'profiles', 'visits', 'attended:DSD', 'attended:SASSA', "
        "'attended:DOH', 'attended:DHA', 'attended:MUNI', 'attended:DARD']) m",
        wards,
        TODAY,
    )
    await pool.execute(
        f"INSERT INTO {AREA_COUNTS} SELECT 'ward', code, m, v FROM unnest($1::text[]) code, "
        "(VALUES ('war_rooms', 1), ('acknowledged', 10), ('acknowledged_within', 8)) c(m, v)",
        wards[::2],
    )
    await pool.execute(FILL)
    await pool.execute(f"ANALYZE {AREA_DAILY}, {WARD_WEEKS}, {AREA_COUNTS}")
    db = Explained(pool)

    # When the district's indicators are read
    body = await indicators(db, "district", "DC22", 12, TODAY)

    # Then every established ward is fully functional, the rest not existing
    established = len(wards[::2])
    expected = {"fully_functional": established, "not_existing": len(wards) - established}
    assert body["current"]["M9_functionality"] == {"wards_by_class": expected}
    # And the daily flows read are the district's own (its weekly series): no ward's; the
    # wards' figures come from 9 weeks a ward
    since = TODAY - timedelta(days=TODAY.weekday(), weeks=11)
    own = await pool.fetchval(
        f"SELECT count(*) FROM {AREA_DAILY} WHERE level = 'district' AND day >= $1", since
    )
    scans = Counter[str]()
    for plan in db.plans:
        for node in nodes(plan):
            if node.get("Relation Name") in (AREA_DAILY, WARD_WEEKS):
                scans[node["Relation Name"]] += node["Actual Rows"] * node["Actual Loops"]
    assert scans[AREA_DAILY] == own, db.plans
    assert scans[WARD_WEEKS] == 9 * len(wards), db.plans
