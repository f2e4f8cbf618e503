"""Broken object-level authorisation, tried everywhere: a matrix generated from ``app.routes``.

Objects live in ward A (Msunduzi, KZN225) with a referral to DSD. Every route with a path
parameter is called, with a valid body generated from its schema, by a user of every role from
another municipality and district (and, for referrals, a SASSA officer of the same
municipality): each must answer exactly as for an id that does not exist (404, nothing else).
The same request by ``client`` (province-wide) then must get past validation and scoping, so
the 404s are the policy's doing: remove scoping from any endpoint and this test fails. Lists,
exports and area views must show the foreign users none of ward A; inside ward A's area, each
role sees exactly the area views the policy's table (``PERMISSIONS``) lets it read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast
from uuid import UUID, uuid4

import httpx
from fastapi import FastAPI

from domain.access.policy import ADMIN_KINDS, AREA_VIEW, PERMISSIONS
from domain.access.principal import PII_READ, Role
from domain.context import CommandContext
from domain.duplicates.model import candidate_id
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from tests.factories import make_profile
from tests.integration.conftest import ClientAs, add_user
from tests.integration.helpers import need, post_ok, profiled_household, referral
from tests.integration.routes import PUBLIC, Served, field_app, served_routes
from tests.integration.test_views_api import project

GEO = geography()
WARD_A, WARD_A2 = (w.id for w in GEO.wards_in("municipality", "KZN225")[:2])
ELSEWHERE = GEO.wards_in("municipality", "ETH")[0].id  # another district altogether

#: Foreign users: every role, scoped away from ward A (the second officer is in A's
#: municipality, but for another department: it must not see A's DSD referral either).
FOREIGN: list[tuple[Role, tuple[str, ...]]] = [
    (Role.FIELD_WORKER, (f"ward:{ELSEWHERE}", PII_READ)),
    (Role.CONVENER, (f"ward:{ELSEWHERE}", PII_READ)),
    (Role.DEPARTMENT_OFFICER, ("municipality:ETH", "department:DSD", PII_READ)),
    (Role.DEPARTMENT_OFFICER, ("municipality:KZN225", "department:SASSA", PII_READ)),
    (Role.ANALYST, ("district:ETH", PII_READ)),
    (Role.ADMIN, (f"ward:{ELSEWHERE}", PII_READ)),
]
#: The kind of object each path parameter names (the first one of a path is its object).
KINDS = {
    "household_id": "household",
    "referral_id": "referral",
    "room_id": "warroom",
    "worker_id": "fieldworker",
    "username": "user",
    "level": "area",
    "alert_id": "alert",
    "department_code": "reference",
    "conflict_id": "household",  # a contested field of a household's profile
    "candidate_id": "household",  # a pair of households that may be one (both in ward A)
    "device_id": "device",
    "quarantine_id": "quarantine",
    "priority_id": "priority",  # a task team's (LTT KZN225's), and its target
    "target_id": "target",
    "team_id": "taskteam",  # LTT KZN225
    "stocktake_id": "stocktake",  # of that team
    "solution_id": "solution",  # ward A's war room's
}
#: What each area view shows, as the kind of ``PERMISSIONS`` it is read as: an area's figures
#: (``AREA_VIEW``), or the objects it lists. A new area view needs a line here.
AREA_VIEW_KINDS = {
    "/v1/dashboard/{level}/{code}": AREA_VIEW,
    "/v1/indicators/{level}/{code}": AREA_VIEW,
    "/v1/needs/heatmap": AREA_VIEW,
    "/v1/trends": AREA_VIEW,
    "/v1/departments/performance": AREA_VIEW,
    "/v1/departments/performance.csv": AREA_VIEW,
    "/v1/indicators/{level}/{code}.csv": AREA_VIEW,
    "/v1/field-workers/activity": "fieldworker",  # field workers' ids and last submissions
}
#: A call of each area view over ward A's municipality (or ward A).
AREA_VIEW_CALLS = {
    "/v1/dashboard/{level}/{code}": "/v1/dashboard/municipality/KZN225",
    "/v1/indicators/{level}/{code}": "/v1/indicators/municipality/KZN225",
    "/v1/needs/heatmap": "/v1/needs/heatmap?municipality=KZN225",
    "/v1/trends": "/v1/trends?level=municipality&code=KZN225",
    "/v1/departments/performance": "/v1/departments/performance?municipality=KZN225",
    "/v1/departments/performance.csv": "/v1/departments/performance.csv?municipality=KZN225",
    "/v1/indicators/{level}/{code}.csv": "/v1/indicators/municipality/KZN225.csv",
    "/v1/field-workers/activity": f"/v1/field-workers/activity?ward={WARD_A}",
}


@dataclass
class World:
    values: dict[str, str]  # path parameter -> the existing object's id in ward A

    def path(self, route: Served, missing: bool = False) -> str:
        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            value = self.values[name]  # KeyError: a new path parameter needs an object here
            first = route.path.index("{") == match.start()
            return str(uuid4()) if missing and first and name.endswith("_id") else value

        return re.sub(r"\{(\w+)\}", fill, route.path)


async def contested_rooms(client: httpx.AsyncClient, household_id: str) -> str:
    """Two offline edits of the household's profile from one base set rooms to 6 and to 2."""
    url = f"/v1/households/{household_id}/profile"
    state = (await client.get(f"/v1/households/{household_id}")).json()
    for rooms in (6, 2):
        edited = {**state["profile"], "dwelling": {**state["profile"]["dwelling"], "rooms": rooms}}
        await post_ok(client, url, {"profile": edited, "base_version": state["version"]})
    state = (await client.get(f"/v1/households/{household_id}")).json()
    return str(state["profile_conflicts"][0]["conflict_id"])


def stocktake_review(
    priority_id: str, target_id: str, actions: list[dict[str, str]]
) -> dict[str, Any]:
    """A stocktake's review of the world's priority and target."""
    return {
        "priority_id": priority_id,
        "target_id": target_id,
        "rating": 2,
        "problem_level": 1,
        "reason": "A sample reason",
        "actions": actions,
    }


async def build_world(client: httpx.AsyncClient, application: Sukuma) -> World:
    household_id = await profiled_household(client, WARD_A)
    referred_need = await need(client, household_id)
    other_need = await need(client, household_id, "water", "medium")
    referral_id = await referral(client, household_id, referred_need, department="DSD")
    room = await post_ok(client, "/v1/war-rooms", {"ward_id": WARD_A, "name": "Ward A war room"})
    item = await post_ok(
        client, f"/v1/war-rooms/{room['id']}/action-items", {"text": "Visit the clinic"}
    )
    member = await post_ok(
        client, f"/v1/war-rooms/{room['id']}/members", {"name": "Sipho", "seat": "convener"}
    )
    question = await post_ok(
        client,
        f"/v1/war-rooms/{room['id']}/imbizo-questions",
        {"imbizo_on": date.today().isoformat(), "question": "When will the tanker come?"},
    )
    worker = await post_ok(client, "/v1/field-workers", {"name": "Zodwa", "cadre": "ccg"})
    await post_ok(client, f"/v1/field-workers/{worker['id']}/assign", {"ward_id": WARD_A})
    add_user(application, "someone", (Role.CONVENER,), (f"ward:{WARD_A}",))
    alert = application.raise_alert(
        rule="EW-01",
        rule_version="ew-01.v1",
        subject=f"referral:{referral_id}",
        level=1,
        evidence={"referral_id": referral_id},
        scope={
            "ward_id": WARD_A,
            "municipality": "KZN225",
            "district": "DC22",
            "department": "DSD",
        },
        since=None,
        ctx=CommandContext(actor="system:test", occurred_at=datetime.now(UTC)),
    )
    conflict_id = await contested_rooms(client, household_id)
    someone = application.user_named("someone")
    device = await post_ok(client, "/v1/devices", {"user_id": str(someone.id), "label": "A"})
    quarantined = application.quarantine_submission(
        quarantine_id=uuid4(),
        instance_id="uuid:scoping",
        form_id="followup_visit",
        household_id=None,  # kept apart from the household, which a route below erases
        wards=[WARD_A],
        xml=(
            f'<data id="followup_visit"><household_id>{household_id}</household_id>'
            "<outcome>met_household</outcome><meta><instanceID>uuid:s</instanceID></meta></data>"
        ),
        field="household_id",
        reason="test",
        ctx=CommandContext(actor="someone", occurred_at=datetime.now(UTC)),
    )
    # A signature a field app sent with the household's form.
    attached = application.store_attachments(
        attachments_id=uuid4(),
        household_id=UUID(household_id),
        instance_id="uuid:scoping-signature",
        files=[{"name": "sig.png", "content_type": "image/png", "data": "iVBORw0K"}],
        ctx=CommandContext(actor="someone", occurred_at=datetime.now(UTC)),
    )
    # The same family profiled again in ward A: the matcher proposes the pair.
    again = await profiled_household(client, WARD_A)
    priority = await post_ok(
        client, "/v1/priorities", {"title": "Profiling", "team": "LTT", "team_code": "KZN225"}
    )
    target = await post_ok(
        client,
        f"/v1/priorities/{priority['id']}/targets",
        {"indicator": "M1", "level": "ward", "code": WARD_A, "baseline_value": 0,
         "baseline_on": "2025-12-31", "target_value": 100, "due_on": "2026-03-31"},
    )  # fmt: skip
    team = await post_ok(
        client, "/v1/task-teams", {"kind": "LTT", "code": "KZN225", "name": "Msunduzi LTT"}
    )
    seat = await post_ok(
        client, f"/v1/task-teams/{team['id']}/members", {"name": "Chair", "seat": "chair"}
    )
    stocktake = await post_ok(
        client,
        f"/v1/task-teams/{team['id']}/stocktakes",
        {"attendee_member_ids": [seat["member_id"]], "reviews": [stocktake_review(
            priority["id"], target["id"],
            [{"text": "Plan", "owner": "Chair", "due_on": "2026-12-31"}],
        )]},
    )  # fmt: skip
    solution = await post_ok(
        client,
        "/v1/solutions",
        {"body": "warroom", "body_id": room["id"], "problem": "No IDs", "solution": "Mobile unit",
         "plan": OVERRIDES["plan"]},
    )  # fmt: skip
    link = await post_ok(
        client,
        f"/v1/targets/{target['id']}/chain",
        {"role": "department", "body": "DSD", "owner": "HOD", "indicator": "M5"},
    )
    project(application)  # the alert, the conflict and the pair are read from their views
    action_id = (await client.get(f"/v1/stocktakes/{stocktake['id']}")).json()["actions"][0]
    return World(
        {
            "household_id": household_id,
            "need_id": other_need,
            "referral_id": referral_id,
            "room_id": room["id"],
            "item_id": item["item_id"],
            "member_id": member["member_id"],
            "question_id": question["question_id"],
            "worker_id": worker["id"],
            "field_worker_id": worker["id"],  # a household's caseload (assign)
            "username": "someone",
            "role": "convener",
            "level": "ward",
            "code": WARD_A,
            "alert_id": str(alert.id),
            "conflict_id": conflict_id,
            "device_id": device["id"],
            "quarantine_id": str(quarantined.id),
            "attachments_id": str(attached.id),
            "name": "sig.png",
            "candidate_id": str(candidate_id(UUID(household_id), UUID(again))),
            "survivor_id": household_id,
            "priority_id": priority["id"],
            "target_id": target["id"],
            "team_id": team["id"],
            "stocktake_id": stocktake["id"],
            "action_id": action_id["action_id"],
            "solution_id": solution["id"],
            "body_id": room["id"],
            "link_id": link["link_id"],
        }
    )


# ---- request bodies, generated from each route's schema ----------------------------------------

OVERRIDES: dict[str, Any] = {
    "ward_id": WARD_A2,
    "to_ward_id": WARD_A2,
    "department": "DSD",
    "to_department": "SASSA",
    "scope": f"ward:{WARD_A2}",
    "profile": make_profile(),
    "value": 6,  # one of the two values the world's conflict holds
    # A target of the world's priority, and a trajectory for the world's target.
    "team_code": "KZN225",
    "code": WARD_A,
    "baseline_value": 0,
    "baseline_on": "2025-12-31",
    "target_value": 100,
    "due_on": "2026-03-31",
    "points": [
        {"month": "2026-01-01", "value": 10},
        {"month": "2026-02-01", "value": 40},
        {"month": "2026-03-01", "value": 100},
    ],
    "plan": [{"text": "Book it", "owner": "Convener", "due_on": "2026-12-31"}],
    "username": "someone",  # the user who holds a task team's seat
}


def sample(schema: dict[str, Any], defs: dict[str, Any], name: str, world: World) -> Any:
    if name in OVERRIDES:
        return OVERRIDES[name]
    if name == "reviews":  # a stocktake reviews one of its team's priorities
        return [stocktake_review(world.values["priority_id"], world.values["target_id"], [])]
    if name in world.values and name.endswith("_id"):
        return world.values[name]
    if "$ref" in schema:
        return sample(defs[schema["$ref"].split("/")[-1]], defs, name, world)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return sample(options[0], defs, name, world)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {
            key: sample(sub, defs, key, world)
            for key, sub in schema.get("properties", {}).items()
            if key in schema.get("required", ())
        }
    if kind == "array":
        return []
    if kind == "integer":
        return schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
    if kind == "boolean":
        return False
    if schema.get("format") == "uuid":
        return str(uuid4())
    if schema.get("format") == "date":
        return date.today().isoformat()
    return "a sample text of some length"


def body_for(served: Served, world: World) -> dict[str, Any] | None:
    if served.route.body_field is None:
        return None
    model = cast(Any, served.route.body_field.field_info.annotation)
    schema = model.model_json_schema()
    return cast(dict[str, Any], sample(schema, schema.get("$defs", {}), "", world))


# ---- the matrix ----------------------------------------------------------------------------------


def object_routes(api: FastAPI) -> Iterator[tuple[Served, str]]:
    for served in served_routes(api):
        first = re.search(r"\{(\w+)\}", served.path)
        public = (served.method, served.path) in PUBLIC  # open data: in no ward, no one's
        if (
            first is not None
            and served.method != "HEAD"
            and not field_app(served.path)
            and not public
        ):
            kind = KINDS[first.group(1)]  # KeyError: say what a new parameter names
            if kind != "reference":  # public reference data: in no ward (tested on its own)
                yield served, kind


def call(http: httpx.AsyncClient, served: Served, path: str, body: Any) -> Any:
    if body is None:
        return http.request(served.method, path)
    return http.request(served.method, path, json=body)


async def test_no_object_of_ward_a_is_visible_or_changeable_from_elsewhere(
    api: FastAPI, client: httpx.AsyncClient, client_as: ClientAs, application: Sukuma
) -> None:
    world = await build_world(client, application)
    routes = list(object_routes(api))
    foreigners = [(role, scopes, await client_as(role, *scopes)) for role, scopes in FOREIGN]
    leaks: list[str] = []

    # Every foreign user first, on every route (nothing has changed ward A's objects yet).
    for route, kind in routes:
        body = body_for(route, world)
        for role, scopes, http in foreigners:
            if role is Role.ADMIN and kind in ADMIN_KINDS:
                continue  # users and field workers are an administrator's, wherever they are
            if "municipality:KZN225" in scopes and kind in {
                "warroom", "fieldworker", "area", "priority", "target", "taskteam", "stocktake",
                "solution",
            }:  # fmt: skip
                continue  # that officer is in ward A's municipality: it may see those
            seen = await call(http, route, world.path(route), body)
            absent = await call(http, route, world.path(route, missing=True), body)
            if seen.status_code != 404 or set(seen.json()) != {"detail"}:
                leaks.append(f"{route.path} {role} {scopes}: {seen.status_code} {seen.text[:80]}")
            elif kind != "area" and absent.status_code != 404:
                leaks.append(f"{route.path}: an unknown id answers {absent.status_code}")

    # The same requests from the province-wide user get past validation and scoping.
    for route, _ in routes:
        response = await call(client, route, world.path(route), body_for(route, world))
        assert response.status_code not in {401, 403, 404, 422}, (route.path, response.text)

    assert routes and leaks == []


async def test_lists_exports_and_area_views_show_nothing_of_ward_a_elsewhere(
    client: httpx.AsyncClient, client_as: ClientAs, application: Sukuma
) -> None:
    world = await build_world(client, application)
    project(application)
    room_id, priority_id = world.values["room_id"], world.values["priority_id"]
    ids = {world.values[k] for k in ("household_id", "referral_id", "candidate_id")}
    ids |= {room_id, priority_id}
    area_views = [
        f"/v1/dashboard/ward/{WARD_A}",
        "/v1/dashboard/municipality/KZN225",
        "/v1/dashboard/district/DC29",
        "/v1/dashboard/province/KZN",
        f"/v1/indicators/ward/{WARD_A}",
        "/v1/indicators/municipality/KZN225",
        "/v1/needs/heatmap?municipality=KZN225",
        f"/v1/trends?level=ward&code={WARD_A}",
        "/v1/departments/performance?municipality=KZN225",
        "/v1/departments/performance",
        f"/v1/field-workers/activity?ward={WARD_A}",
    ]
    lists = {  # each list, and the object of ward A it shows the broad user
        "/v1/households": "household_id",
        "/v1/referrals": "referral_id",
        "/v1/households.csv": "household_id",
        "/v1/referrals.csv": "referral_id",
        "/v1/alerts": "referral_id",  # its alert is about the referral
        "/v1/war-rooms": "room_id",
        "/v1/conflicts": "household_id",  # its conflict is the household's
        "/v1/duplicates": "candidate_id",  # the household and its double
        "/v1/priorities": "priority_id",
    }
    district_of_a = GEO.ward(WARD_A).district_code
    area_views = [v.replace("DC29", district_of_a) for v in area_views]

    for path, listed in lists.items():  # the broad user sees them: absence means scoping
        assert world.values[listed] in (await client.get(path)).text, path
    for path in area_views:
        assert (await client.get(path)).status_code == 200, path
    for role, scopes in FOREIGN:
        http = await client_as(role, *scopes)
        # That officer is in ward A's municipality: it may see its war room and its task
        # team's priority (not its cases)
        hidden = ids - {room_id, priority_id} if "municipality:KZN225" in scopes else ids
        for path in lists:
            response = await http.get(path)
            assert response.status_code == 200, (path, response.text)
            assert not any(i in response.text for i in hidden), (path, role, scopes)
        for path in area_views:
            if "municipality:KZN225" in scopes and "KZN225" in path:
                continue  # aggregated figures of its own municipality (no case in them)
            assert (await http.get(path)).status_code == 404, (path, role, scopes)


async def test_each_role_sees_and_does_its_own_part_in_ward_a(
    client: httpx.AsyncClient, client_as: ClientAs, application: Sukuma
) -> None:
    world = await build_world(client, application)
    project(application)
    household_id, referral_id = world.values["household_id"], world.values["referral_id"]
    worker = await client_as(Role.FIELD_WORKER, f"ward:{WARD_A}")
    officer = await client_as(Role.DEPARTMENT_OFFICER, "district:DC22", "department:DSD")
    analyst = await client_as(Role.ANALYST, "municipality:KZN225")

    visit = await worker.post(f"/v1/households/{household_id}/visits", json={})
    acknowledged = await officer.post(f"/v1/referrals/{referral_id}/acknowledge", json={})

    assert visit.status_code == 201
    assert (
        await worker.post(f"/v1/referrals/{referral_id}/acknowledge", json={})
    ).status_code == 403
    assert acknowledged.status_code == 200
    assert (await officer.get(f"/v1/households/{household_id}")).status_code == 404
    assert referral_id in (await officer.get("/v1/referrals.csv")).text
    assert (await officer.get("/v1/households")).json()["data"] == []
    assert (await officer.get("/v1/dashboard/municipality/KZN225")).status_code == 200
    assert (await officer.get(f"/v1/field-workers/activity?ward={WARD_A}")).status_code == 404
    assert household_id in (await analyst.get("/v1/households")).text
    assert (await analyst.get("/v1/dashboard/municipality/KZN225")).status_code == 200
    assert (await analyst.get("/v1/dashboard/district/DC22")).status_code == 404


def test_every_dashboard_route_is_an_area_view_of_the_matrix(api: FastAPI) -> None:
    dashboards = {
        s.path for s in served_routes(api) if s.method == "GET" and "dashboards" in s.route.tags
    }
    assert dashboards <= set(AREA_VIEW_KINDS) == set(AREA_VIEW_CALLS)


async def test_inside_ward_as_area_each_role_sees_the_area_views_its_table_grants(
    client: httpx.AsyncClient, client_as: ClientAs, application: Sukuma
) -> None:
    await build_world(client, application)
    wrong = []
    for role in Role:
        http = await client_as(role, "municipality:KZN225", "department:DSD")
        for route, kind in AREA_VIEW_KINDS.items():
            granted = "read" in PERMISSIONS[role].get(kind, frozenset())
            response = await http.get(AREA_VIEW_CALLS[route])
            hidden = response.status_code == 404 and set(response.json()) == {"detail"}
            if (response.status_code == 200) is not granted or (not granted and not hidden):
                wrong.append(f"{role} {route}: {response.status_code}, granted {granted}")

    assert wrong == []
    # The table says, for instance: an officer reads its area's figures, not field workers.
    assert "read" in PERMISSIONS[Role.DEPARTMENT_OFFICER][AREA_VIEW]
    assert "fieldworker" not in PERMISSIONS[Role.DEPARTMENT_OFFICER]


# ---- consent, captured at the door -----------------------------------------------------------

README = Path(__file__).parents[2] / "README.md"


def test_the_readme_role_table_says_who_records_and_withdraws_consent() -> None:
    rows = re.findall(r"^\| `(\w+)` \|[^|]*\| ([^|]*) \|$", README.read_text(), re.MULTILINE)
    says = {Role(role): "consent" in may for role, may in rows if role in set(Role)}
    may = {role: "consent" in PERMISSIONS[role].get("household", ()) for role in Role}

    assert says == may
    assert may[Role.FIELD_WORKER]  # field workers capture consent at the door


async def test_consent_is_recorded_and_withdrawn_by_the_roles_its_table_grants_in_ward_a(
    client: httpx.AsyncClient, client_as: ClientAs
) -> None:
    household_id = await profiled_household(client, WARD_A)
    url = f"/v1/households/{household_id}/consent"
    wrong = []
    for role in Role:
        http = await client_as(role, f"ward:{WARD_A}", "department:DSD")
        granted = PERMISSIONS[role].get("household", frozenset())
        expected = 200 if "consent" in granted else 403 if "read" in granted else 404
        given = await http.post(url, json={"given_by": "self"})
        withdrawn = await http.post(f"{url}/withdraw", json={"note": "changed her mind"})
        if (given.status_code, withdrawn.status_code) != (expected, expected):
            wrong.append(f"{role}: {given.status_code} {withdrawn.status_code}, not {expected}")
    elsewhere = await client_as(Role.FIELD_WORKER, f"ward:{WARD_A2}")  # the next ward

    assert wrong == []
    assert (await elsewhere.post(url, json={"given_by": "self"})).status_code == 404
    assert (await elsewhere.post(f"{url}/withdraw", json={})).status_code == 404
