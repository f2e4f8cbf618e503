"""War rooms and field workers through HTTP: one war room per ward, meetings, action items."""

from __future__ import annotations

import json
from uuid import uuid4

import httpx

from domain.access.principal import Role
from domain.sukuma import Sukuma
from projections.registry import open_projections
from projections.runner import BatchRunner
from tests.integration.conftest import ClientAs
from tests.integration.helpers import database_text, household, post_ok
from tests.integration.test_views_api import project


async def war_room(client: httpx.AsyncClient, ward_id: str) -> str:
    body = {"ward_id": ward_id, "name": f"Ward {ward_id} war room"}
    return str((await post_ok(client, "/v1/war-rooms", body))["id"])


async def test_one_war_room_per_ward(
    client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    room_id = await war_room(client, ward_id)

    same = await client.post(
        "/v1/war-rooms", json={"ward_id": ward_id, "name": f"Ward {ward_id} war room"}
    )
    second = await client.post("/v1/war-rooms", json={"ward_id": ward_id, "name": "Another room"})

    assert same.status_code == 201
    assert same.json()["id"] == room_id
    assert second.status_code == 409
    project(application)
    state = (await client.get(f"/v1/war-rooms/{room_id}")).json()
    assert state["ward_id"] == ward_id
    assert state["meeting_cadence_days"] == 7


async def test_meeting_attendance_by_department(
    client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    room_id = await war_room(client, ward_id)
    members = f"/v1/war-rooms/{room_id}/members"
    convener = await post_ok(client, members, {"name": "N. Dlamini", "seat": "convener"})
    sassa = await post_ok(
        client, members, {"name": "SASSA officer", "seat": "department", "department": "SASSA"}
    )
    household_id = await household(client, ward_id)

    meeting = await post_ok(
        client,
        f"/v1/war-rooms/{room_id}/meetings",
        {
            "attendee_member_ids": [convener["member_id"], sassa["member_id"]],
            "households_discussed": [household_id],
        },
    )
    item = await post_ok(
        client,
        f"/v1/war-rooms/{room_id}/action-items",
        {
            "text": "Follow up SASSA appointment",
            "owner_member_id": sassa["member_id"],
            "meeting_id": meeting["meeting_id"],
        },
    )
    done = await client.post(
        f"/v1/war-rooms/{room_id}/action-items/{item['item_id']}/done", json={}
    )
    twice = await client.post(
        f"/v1/war-rooms/{room_id}/action-items/{item['item_id']}/done", json={}
    )

    assert done.status_code == 200
    assert twice.status_code == 409
    project(application)
    state = (await client.get(f"/v1/war-rooms/{room_id}")).json()
    assert state["meetings"][0]["departments_present"] == ["SASSA"]
    assert state["meetings"][0]["households_discussed"] == [household_id]


async def test_attendance_of_strangers_and_bad_seats_refused(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    room_id = await war_room(client, ward_id)

    stranger = await client.post(
        f"/v1/war-rooms/{room_id}/meetings", json={"attendee_member_ids": [str(uuid4())]}
    )
    seatless = await client.post(
        f"/v1/war-rooms/{room_id}/members", json={"name": "Someone", "seat": "department"}
    )
    bad_seat = await client.post(
        f"/v1/war-rooms/{room_id}/members", json={"name": "Someone", "seat": "king"}
    )
    missing = await client.get(f"/v1/war-rooms/{uuid4()}")

    assert stranger.status_code == 409
    assert stranger.json()["rule"] == "attendance-seated-members"
    assert seatless.status_code == 409
    assert bad_seat.status_code == 422
    assert bad_seat.json()["detail"][0]["loc"] == ["body", "seat"]
    assert missing.status_code == 404


async def test_field_worker_assignment_gates_submissions(
    client: httpx.AsyncClient, ward_id: str, other_ward_id: str
) -> None:
    worker = await post_ok(client, "/v1/field-workers", {"name": "T. Mkhize", "cadre": "ccg"})
    worker_id = worker["id"]
    await post_ok(client, f"/v1/field-workers/{worker_id}/assign", {"ward_id": ward_id})
    household_id = await household(client, ward_id)

    visit = await client.post(
        f"/v1/households/{household_id}/visits", json={"field_worker_id": worker_id}
    )
    elsewhere = await household(client, other_ward_id)
    foreign = await client.post(
        f"/v1/households/{elsewhere}/visits", json={"field_worker_id": worker_id}
    )
    await post_ok(client, f"/v1/field-workers/{worker_id}/deactivate", {"reason": "contract ended"})
    after = await client.post(
        f"/v1/households/{household_id}/visits", json={"field_worker_id": worker_id}
    )
    reassign = await client.post(
        f"/v1/field-workers/{worker_id}/assign", json={"ward_id": other_ward_id}
    )

    assert visit.status_code == 201
    assert foreign.status_code == 409
    assert foreign.json()["rule"] == "field-worker-ward"
    assert after.status_code == 409
    assert reassign.status_code == 409
    state = (await client.get(f"/v1/field-workers/{worker_id}")).json()
    assert state == {**state, "active": False, "ward_ids": [ward_id]}


async def test_war_room_free_text_is_sealed_at_rest_and_read_back_whole(
    client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    """Members' names, meeting notes and action items are stored encrypted (under the war
    room's own data key) yet read back as written in its history."""
    written = {
        "name": "Zanele Khumalo-Sealtest",
        "notes": "Discussed the Sealtest family's eviction notice",
        "text": "Take Sealtest gogo to the clinic on Friday",
        "note": "Sealtest clinic visit done",
    }
    room_id = await war_room(client, ward_id)
    member = await post_ok(
        client, f"/v1/war-rooms/{room_id}/members", {"name": written["name"], "seat": "convener"}
    )
    await post_ok(
        client,
        f"/v1/war-rooms/{room_id}/meetings",
        {"attendee_member_ids": [member["member_id"]], "notes": written["notes"]},
    )
    item = await post_ok(client, f"/v1/war-rooms/{room_id}/action-items", {"text": written["text"]})
    await post_ok(
        client,
        f"/v1/war-rooms/{room_id}/action-items/{item['item_id']}/done",
        {"note": written["note"]},
    )
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    views = BatchRunner(application.recorder, application.name, open_projections(datastore))  # type: ignore[arg-type]
    assert views.run_once() > 0  # the views follow these events without a key

    stored = database_text(datastore)
    state = (await client.get(f"/v1/war-rooms/{room_id}")).json()
    history = (await client.get(f"/v1/war-rooms/{room_id}/history")).json()

    assert [table for table, text in stored.items() if "Sealtest" in text] == []
    assert state["members"][0]["member_id"] == member["member_id"]
    assert state["members"][0]["name"] == written["name"]
    assert state["meetings"][0]["notes"] == written["notes"]
    assert state["action_items"][0]["text"] == written["text"]
    assert state["action_items"][0]["status"] == "done"
    payloads = json.dumps([event["payload"] for event in history["events"]])
    assert all(text in payloads for text in written.values())


async def test_removing_a_member_unseats_it_once_and_honours_if_match(
    client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    # Given a war room with a SASSA member
    room_id = await war_room(client, ward_id)
    member = await post_ok(
        client,
        f"/v1/war-rooms/{room_id}/members",
        {"name": "SASSA officer", "seat": "department", "department": "SASSA"},
    )
    remove = f"/v1/war-rooms/{room_id}/members/{member['member_id']}/remove"
    project(application)
    version = int((await client.get(f"/v1/war-rooms/{room_id}")).headers["ETag"].strip('"'))

    # When the member is removed with a stale version, then the current one, then again
    stale = await client.post(remove, json={}, headers={"If-Match": f'"{version - 1}"'})
    removed = await client.post(
        remove, json={"reason": "transferred"}, headers={"If-Match": f'"{version}"'}
    )
    again = await client.post(remove, json={})
    stranger = await client.post(f"/v1/war-rooms/{room_id}/members/{uuid4()}/remove", json={})
    nowhere = await client.post(f"/v1/war-rooms/{uuid4()}/members/{uuid4()}/remove", json={})

    # Then only the current version's removal is written, and a non-member is a conflict
    assert stale.status_code == 412
    assert removed.status_code == 200
    assert removed.json()["version"] == version + 1
    assert (again.status_code, again.json()["rule"]) == (409, "member-seated")
    assert (stranger.status_code, stranger.json()["rule"]) == (409, "member-seated")
    assert nowhere.status_code == 404
    project(application)
    state = (await client.get(f"/v1/war-rooms/{room_id}")).json()
    assert [(m["active"], m["left_on"] is not None) for m in state["members"]] == [(False, True)]
    history = (await client.get(f"/v1/war-rooms/{room_id}/history")).json()
    assert history["events"][-1]["payload"]["reason"] == "transferred"


async def test_only_the_wards_convener_or_admin_removes_a_member(
    client: httpx.AsyncClient, client_as: ClientAs, ward_id: str, other_ward_id: str
) -> None:
    # Given a seated member of ward A's war room
    room_id = await war_room(client, ward_id)
    member = await post_ok(
        client, f"/v1/war-rooms/{room_id}/members", {"name": "N. Dlamini", "seat": "convener"}
    )
    remove = f"/v1/war-rooms/{room_id}/members/{member['member_id']}/remove"
    other_convener = await client_as(Role.CONVENER, f"ward:{other_ward_id}")
    field_worker = await client_as(Role.FIELD_WORKER, f"ward:{ward_id}")
    officer = await client_as(Role.DEPARTMENT_OFFICER, f"ward:{ward_id}", "department:SASSA")
    other_admin = await client_as(Role.ADMIN, f"ward:{other_ward_id}")
    convener = await client_as(Role.CONVENER, f"ward:{ward_id}")
    admin = await client_as(Role.ADMIN, f"ward:{ward_id}")

    # When others try to remove it, then its own ward's convener; an admin of the ward seats
    # it again and removes it too
    foreign = await other_convener.post(remove, json={})
    by_foreign_admin = await other_admin.post(remove, json={})
    by_worker = await field_worker.post(remove, json={})
    by_officer = await officer.post(remove, json={})
    by_convener = await convener.post(remove, json={})
    seat = {"member_id": member["member_id"], "name": "N. Dlamini", "seat": "convener"}
    reseated = await admin.post(f"/v1/war-rooms/{room_id}/members", json=seat)
    by_admin = await admin.post(remove, json={})
    admin_meeting = await admin.post(f"/v1/war-rooms/{room_id}/meetings", json={})

    # Then another ward's convener or admin does not even see the room, roles that only read
    # it are forbidden, the ward's convener and admin manage its seats (and only that)
    assert foreign.status_code == 404
    assert by_foreign_admin.status_code == 404
    assert by_worker.status_code == 403
    assert by_officer.status_code == 403
    assert by_convener.status_code == 200
    assert (reseated.status_code, by_admin.status_code) == (201, 200)
    assert admin_meeting.status_code == 403
