"""War-room reads from the war-rooms view through HTTP: one room whole (members' names,
meetings, action items' text), and an area's rooms a page at a time, scoped by the policy."""

from __future__ import annotations

from datetime import timedelta

import httpx

from domain.access.principal import Role
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from tests.integration.conftest import ClientAs, Clock
from tests.integration.helpers import post_ok
from tests.integration.test_views_api import get_ok, ids, project

GEO = geography()
WARD_A, WARD_A2 = (w.id for w in GEO.wards_in("municipality", "KZN225")[:2])
ELSEWHERE = GEO.wards_in("municipality", "ETH")[0].id  # another district altogether
DISTRICT_A = GEO.ward(WARD_A).district_code
DISTRICT_ELSEWHERE = GEO.ward(ELSEWHERE).district_code


async def room_in(client: httpx.AsyncClient, ward_id: str) -> str:
    body = {"ward_id": ward_id, "name": f"Ward {ward_id} war room"}
    return str((await post_ok(client, "/v1/war-rooms", body))["id"])


async def test_a_war_room_read_shows_members_meetings_and_action_items_whole(
    client: httpx.AsyncClient, client_as: ClientAs, application: Sukuma, clock: Clock
) -> None:
    # Given a war room with a convener, a SASSA seat, a meeting and two action items
    room_id = await room_in(client, WARD_A)
    members = f"/v1/war-rooms/{room_id}/members"
    convener = await post_ok(client, members, {"name": "Thandi Zulu", "seat": "convener"})
    sassa = await post_ok(
        client, members, {"name": "Sipho Ndlovu", "seat": "department", "department": "SASSA"}
    )
    meeting = await post_ok(
        client,
        f"/v1/war-rooms/{room_id}/meetings",
        {"attendee_member_ids": [convener["member_id"]], "notes": "SASSA absent again"},
    )
    due = (clock.now + timedelta(days=7)).date().isoformat()
    items = f"/v1/war-rooms/{room_id}/action-items"
    open_item = await post_ok(
        client,
        items,
        {
            "text": "Book grant appointments for the Mkhize children",
            "owner_member_id": sassa["member_id"],
            "due_on": due,
            "meeting_id": meeting["meeting_id"],
        },
    )
    done_item = await post_ok(client, items, {"text": "Find the ward's new clinic sister"})
    last = await post_ok(client, f"{items}/{done_item['item_id']}/done", {})
    project(application)

    # When the ward's convener (without pii:read) reads it
    convener_http = await client_as(Role.CONVENER, f"ward:{WARD_A}")
    answer = await convener_http.get(f"/v1/war-rooms/{room_id}")

    # Then it has every member's name and seat, the meeting and each item's text and status
    assert answer.status_code == 200
    assert answer.headers["ETag"] == f'"{last["version"]}"'
    room = answer.json()
    assert (room["ward_id"], room["meetings_held"], room["version"]) == (WARD_A, 1, 7)
    assert [(m["name"], m["seat"], m["department"], m["active"]) for m in room["members"]] == [
        ("Thandi Zulu", "convener", None, True),
        ("Sipho Ndlovu", "department", "SASSA", True),
    ]
    assert room["meetings"][0]["notes"] == "SASSA absent again"
    assert room["meetings"][0]["attendee_member_ids"] == [convener["member_id"]]
    assert [
        (i["item_id"], i["text"], i["owner_member_id"], i["due_on"], i["status"])
        for i in room["action_items"]
    ] == [
        (
            open_item["item_id"],
            "Book grant appointments for the Mkhize children",
            sassa["member_id"],
            due,
            "open",
        ),
        (done_item["item_id"], "Find the ward's new clinic sister", None, None, "done"),
    ]
    assert room["freshness"]["position"] >= last["position"]


async def test_a_war_room_is_read_only_by_those_who_see_its_ward(
    client: httpx.AsyncClient, client_as: ClientAs, application: Sukuma
) -> None:
    # Given ward A's war room
    room_id = await room_in(client, WARD_A)
    project(application)
    path = f"/v1/war-rooms/{room_id}"

    # Then another ward's convener and administrator find no such room; the district's
    # analyst, a department officer of the municipality and the ward's administrator read it
    assert (await (await client_as(Role.CONVENER, f"ward:{WARD_A2}")).get(path)).status_code == 404
    assert (await (await client_as(Role.ADMIN, f"ward:{WARD_A2}")).get(path)).status_code == 404
    assert (await (await client_as(Role.ADMIN, f"ward:{WARD_A}")).get(path)).status_code == 200
    analyst = await client_as(Role.ANALYST, f"district:{DISTRICT_A}")
    officer = await client_as(Role.DEPARTMENT_OFFICER, "municipality:KZN225", "department:DSD")
    assert (await analyst.get(path)).status_code == 200
    assert (await officer.get(path)).status_code == 200


async def test_war_rooms_of_an_area_are_listed_a_page_at_a_time_as_the_policy_scopes_them(
    client: httpx.AsyncClient, client_as: ClientAs, application: Sukuma, clock: Clock
) -> None:
    # Given war rooms in two wards of one district and one in another district; ward A's
    # has a SASSA seat (DSD's member left), two open action items, one past its due date
    room_a = await room_in(client, WARD_A)
    room_a2 = await room_in(client, WARD_A2)
    room_elsewhere = await room_in(client, ELSEWHERE)
    await post_ok(
        client,
        f"/v1/war-rooms/{room_a}/members",
        {"name": "Sipho Ndlovu", "seat": "department", "department": "SASSA"},
    )
    dsd = await post_ok(
        client,
        f"/v1/war-rooms/{room_a}/members",
        {"name": "Lindiwe Dube", "seat": "department", "department": "DSD"},
    )
    await post_ok(client, f"/v1/war-rooms/{room_a}/members/{dsd['member_id']}/remove", {})
    items = f"/v1/war-rooms/{room_a}/action-items"
    overdue = (clock.now - timedelta(days=3)).date().isoformat()
    later = (clock.now + timedelta(days=3)).date().isoformat()
    await post_ok(client, items, {"text": "Call DSD", "due_on": overdue})
    await post_ok(client, items, {"text": "Visit the Khumalo family", "due_on": later})
    done = await post_ok(client, items, {"text": "Fix the venue", "due_on": overdue})
    await post_ok(client, f"{items}/{done['item_id']}/done", {})
    project(application)
    convener = await client_as(Role.CONVENER, f"ward:{WARD_A}")
    analyst = await client_as(Role.ANALYST, f"district:{DISTRICT_A}")
    worker = await client_as(Role.FIELD_WORKER, f"ward:{WARD_A2}")

    # Then a convener lists its ward's room, a field worker its own, an analyst its
    # district's, and the broad user any area's
    assert await ids(convener, "/v1/war-rooms", "war_room_id") == {room_a}
    assert await ids(convener, "/v1/war-rooms", "war_room_id", district=DISTRICT_ELSEWHERE) == set()
    assert await ids(analyst, "/v1/war-rooms", "war_room_id") == {room_a, room_a2}
    assert await ids(analyst, "/v1/war-rooms", "war_room_id", ward=WARD_A2) == {room_a2}
    assert await ids(client, "/v1/war-rooms", "war_room_id", district=DISTRICT_ELSEWHERE) == {
        room_elsewhere
    }
    assert await ids(worker, "/v1/war-rooms", "war_room_id") == {room_a2}
    # And pages follow one another by cursor
    first = await get_ok(analyst, "/v1/war-rooms", limit=1)
    second = await get_ok(analyst, "/v1/war-rooms", limit=1, cursor=first["next_cursor"])
    assert second["next_cursor"] is None
    assert {first["data"][0]["war_room_id"], second["data"][0]["war_room_id"]} == {
        room_a,
        room_a2,
    }
    # And each entry carries the room's figures, without names or text
    (entry,) = (await get_ok(convener, "/v1/war-rooms"))["data"]
    assert entry == {
        **entry,
        "members_seated": 1,
        "departments_seated": ["SASSA"],
        "action_items_open": 2,
        "action_items_overdue": 1,
    }
    assert "members" not in entry
    assert "action_items" not in entry
