"""The war room's pages over HTTP through the ASGI app, against a real PostgreSQL: members and
department seats, a meeting with attendance (absent departments), action items, and the next
meeting's agenda drawn from the ward's data (overdue referrals, open alerts, items due,
departments absent); only those the access policy allows get the forms."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from domain.access.principal import Role
from domain.sukuma import Sukuma
from tests.integration.alerting import Alerting, alerting
from tests.integration.conftest import Clock
from tests.integration.helpers import household, need, referral
from tests.integration.test_warrooms_api import war_room
from tests.integration.test_web_pages import browser, csrf_of, post_form, sign_in, user
from tests.integration.test_web_pages import web as web

ATTENDEE = re.compile(r'name="attended" value="([0-9a-f-]{36})"><label for="[^"]+">([^<·]+) ·')


@pytest.fixture
def ew(client: httpx.AsyncClient, application: Sukuma, clock: Clock) -> Alerting:
    return alerting(application, clock)


async def test_convener_seats_members_records_a_meeting_and_reads_the_agenda(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    # Given a ward's war room and a referral to SASSA left unacknowledged past its standard
    room = f"/war-rooms/{await war_room(client, ward_id)}"
    household_id = await household(client, ward_id)
    late = await referral(client, household_id, await need(client, household_id))
    ew.clock.advance(days=8)
    ew.sweep()  # EW-01 raised for it
    user(application, "nandi", Role.CONVENER, f"ward:{ward_id}")
    async with browser(web) as http:
        assert (await sign_in(http, "nandi")).status_code == 303
        assert room in (await http.get("/war-rooms")).text
        # When the convener seats a convener and two departments through the room's form
        for name, seat, department in (
            ("Nandi Dlamini", "convener", ""),
            ("Sipho of SASSA", "department", "SASSA"),
            ("Thuli of DHA", "department", "DHA"),
        ):
            seated = await post_form(
                http, f"{room}/members", room, name=name, seat=seat, department=department
            )
            assert seated.status_code == 303
            assert seated.headers["location"].startswith(f"{room}?min_position=")
        ew.project()
        page = (await http.get(room)).text
        assert "Member seated." in page
        members = {name.strip(): member for member, name in ATTENDEE.findall(page)}
        assert set(members) == {"Nandi Dlamini", "Sipho of SASSA", "Thuli of DHA"}
        # and records today's meeting: the convener and SASSA came, DHA did not
        token = await csrf_of(http, room)
        attended = [members["Nandi Dlamini"], members["Sipho of SASSA"]]
        held = await http.post(
            f"{room}/meetings", data={"csrf": token, "attended": attended, "notes": "Weekly"}
        )
        assert held.status_code == 303
        ew.project()
        page = (await http.get(room)).text
        assert "Meeting recorded." in page
        assert "Attended: Nandi Dlamini, Sipho of SASSA</p>" in page
        assert "Departments absent: DHA" in page
        # and agrees an action item for SASSA, due yesterday, at that meeting
        meeting = re.search(r'<option value="([0-9a-f-]{36})" selected>The meeting of', page)
        assert meeting is not None
        yesterday = (ew.clock.now - timedelta(days=1)).date().isoformat()
        agreed = await post_form(
            http,
            f"{room}/action-items",
            room,
            text="Book the grant appointment",
            owner=members["Sipho of SASSA"],
            due_on=yesterday,
            meeting=meeting.group(1),
        )
        assert agreed.status_code == 303
        ew.project()
        page = (await http.get(room)).text
        assert "Book the grant appointment" in page and "was due" in page

        # Then the next meeting's agenda is drawn from the ward's data
        agenda = (await http.get(f"{room}/agenda")).text
        overdue = agenda.split('id="a-referrals"')[1].split('id="a-alerts"')[0]
        assert f"/referrals/{late}" in overdue and re.search(r"\d+ days? overdue", overdue)
        alerts = agenda.split('id="a-alerts"')[1].split('id="a-items"')[0]
        assert "EW-01" in alerts and f"ward={ward_id}" in alerts
        items = agenda.split('id="a-items"')[1].split('id="a-absent"')[0]
        assert "Book the grant appointment" in items and "Sipho of SASSA" in items
        absent = agenda.split('id="a-absent"')[1]
        assert "DHA" in absent and "missed 1 of the last 1 meetings" in absent
        assert "SASSA" not in absent

        # When the item is done and DHA's member unseated, the agenda drops both
        item = re.search(r'action="(/war-rooms/[^"]+/action-items/[^"]+/done)"', page)
        assert item is not None
        assert (await post_form(http, item.group(1), room)).status_code == 303
        unseat = f"{room}/members/{members['Thuli of DHA']}/remove"
        assert (await post_form(http, unseat, room, reason="transferred")).status_code == 303
        ew.project()
        page = (await http.get(room)).text
        assert "1 action item done" in page and "Thuli of DHA" not in page.split("Meetings")[0]
        agenda = (await http.get(f"{room}/agenda")).text
        assert "No action item falls due by then." in agenda
        assert "Every seated department came to the last meeting." in agenda


async def test_a_department_officer_reads_the_room_without_its_forms(
    web: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    ward_id: str,
    other_ward_id: str,
    ew: Alerting,
) -> None:
    room = f"/war-rooms/{await war_room(client, ward_id)}"
    ew.project()
    user(application, "sassa", Role.DEPARTMENT_OFFICER, f"ward:{ward_id}", "department:SASSA")
    user(application, "far", Role.CONVENER, f"ward:{other_ward_id}")
    async with browser(web) as officer, browser(web) as stranger:
        assert (await sign_in(officer, "sassa")).status_code == 303
        page = await officer.get(room)
        assert page.status_code == 200
        assert "Seat a member" not in page.text and "Record today" not in page.text
        # The command still decides: the form posted anyway is refused, as the API refuses it
        refused = await post_form(
            officer, f"{room}/members", room, name="Someone", seat="ngo", department=""
        )
        assert refused.status_code == 403
        # A convener of another ward does not see the room at all
        assert (await sign_in(stranger, "far")).status_code == 303
        assert (await stranger.get(room)).status_code == 404
        assert (await stranger.get(f"{room}/agenda")).status_code == 404


async def test_the_agenda_speaks_isizulu(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, ward_id: str, ew: Alerting
) -> None:
    room = f"/war-rooms/{await war_room(client, ward_id)}"
    ew.project()
    user(application, "zodwa", Role.CONVENER, f"ward:{ward_id}")
    async with browser(web, **{"Accept-Language": "zu"}) as http:
        await sign_in(http, "zodwa")
        agenda = (await http.get(f"{room}/agenda")).text
        assert "I-ajenda yomhlangano olandelayo" in agenda
        assert "Akukho ukudluliselwa ewadini okwedlule isikhathi." in agenda


async def test_a_convener_establishes_the_wards_war_room_from_the_list(
    web: FastAPI, application: Sukuma, ward_id: str, other_ward_id: str, ew: Alerting
) -> None:
    user(application, "sbu", Role.CONVENER, f"ward:{ward_id}")
    async with browser(web) as http:
        assert (await sign_in(http, "sbu")).status_code == 303
        listed = (await http.get("/war-rooms")).text
        assert f"Establish the war room of ward {ward_id}" in listed
        made = await post_form(http, "/war-rooms", "/war-rooms", ward=ward_id, name="Sbu's room")
        assert made.status_code == 303
        room = made.headers["location"].split("?")[0]
        ew.project()
        page = (await http.get(room)).text
        assert "War room established." in page and "<h1>Sbu&#39;s room</h1>" in page
        assert "Establish the war room" not in (await http.get("/war-rooms")).text
        # Another ward's room is not this convener's to establish: the policy refuses it
        refused = await post_form(http, "/war-rooms", "/war-rooms", ward=other_ward_id, name="x")
        assert refused.status_code == 403 and "You may not do this" in refused.text
