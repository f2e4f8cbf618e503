"""Offline sync through HTTP against PostgreSQL: a batch of commands up, the changes down."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from domain.access.principal import PII_READ, Role
from domain.sukuma import Sukuma
from tests.factories import make_profile
from tests.integration.conftest import ClientAs, Clock
from tests.integration.helpers import household, post_ok
from tests.integration.test_views_api import project

pytestmark = pytest.mark.integration


def item(type_: str, target: Any = None, **fields: Any) -> dict[str, Any]:
    body = fields.pop("body", {})
    return {
        "command_id": str(uuid4()),
        "type": type_,
        "target": None if target is None else str(target),
        "body": body,
        **fields,
    }


async def sync(http: httpx.AsyncClient, *items: dict[str, Any]) -> dict[str, Any]:
    response = await http.post("/v1/sync", json={"items": list(items)})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def outcomes(answer: dict[str, Any]) -> list[str]:
    return [r["outcome"] for r in answer["results"]]


def log_head(application: Sukuma) -> int:
    return application.recorder.max_notification_id() or 0


async def test_a_batch_runs_in_order_and_one_items_refusal_blocks_none_of_the_others(
    client: httpx.AsyncClient, client_as: ClientAs, ward_id: str, clock: Clock
) -> None:
    # Given a convener of the ward with a phone that created a household, its profile, a need
    # and a referral offline (client ids), then captured some bad and some good commands
    convener = await client_as(Role.CONVENER, f"ward:{ward_id}", PII_READ)
    h, n, r = uuid4(), uuid4(), uuid4()
    two_days_ago = (clock.now - timedelta(days=2)).isoformat()
    batch = [
        item("household.register", h, body={"ward_id": ward_id, "dwelling_type": "informal"}),
        item("household.profile", h, body={"profile": make_profile()}),
        item(
            "household.need",
            h,
            body={"need_id": str(n), "category": "social_grant", "severity": "high"},
        ),
        item(
            "referral.make",
            r,
            body={"household_id": str(h), "need_id": str(n), "department": "SASSA"},
        ),
        item("household.visit", h, body={"days_skipped_meal_last_7": 9}),
        item("household.visit", h, expected_version=0),
        item("referral.close", r),
        item("household.visit", h, occurred_at=two_days_ago),
        item("household.teleport", h),
    ]

    # When it syncs the batch
    answer = await sync(convener, *batch)

    # Then each item has its own outcome, in order, and the refused ones stopped nothing
    results = answer["results"]
    assert outcomes(answer) == [
        "applied", "applied", "applied", "applied",
        "rejected", "conflict", "conflict", "applied", "rejected",
    ]  # fmt: skip
    assert [r["command_id"] for r in results] == [i["command_id"] for i in batch]
    assert results[0]["id"] == str(h) and results[3]["id"] == str(r)
    assert results[2]["ids"] == {"need_id": str(n)}
    assert results[4]["errors"][0]["loc"] == ["body", "days_skipped_meal_last_7"]
    assert results[5]["rule"] == "stale-version" and results[5]["current_version"] >= 3
    assert results[8]["errors"][0]["loc"] == ["type"]
    positions = [r["position"] for r in results if r["outcome"] == "applied"]
    assert positions == sorted(positions) and answer["position"] == positions[-1]
    # And a conflict names the same rule the route answers with its 409
    refused = await convener.post(f"/v1/referrals/{r}/close", json={})
    assert refused.status_code == 409
    assert results[6]["rule"] == refused.json()["rule"]
    assert results[6]["detail"] == refused.json()["detail"]
    # And the household holds what was applied, the visit at its field time
    read = (await convener.get(f"/v1/households/{h}")).json()
    assert read["version"] == results[7]["version"]
    assert [v["visited_on"] for v in read["visits"]] == [two_days_ago[:10]]
    assert read["needs"][0]["open_referral_id"] == str(r)


async def test_a_resent_batch_appends_nothing_and_answers_duplicate(
    client: httpx.AsyncClient, client_as: ClientAs, ward_id: str, application: Sukuma
) -> None:
    # Given a field worker's batch that was applied, but whose answer the phone never got
    worker = await client_as(Role.FIELD_WORKER, f"ward:{ward_id}")
    other = await client_as(Role.FIELD_WORKER, f"ward:{ward_id}")
    h = uuid4()
    batch = [
        item("household.register", h, body={"ward_id": ward_id, "dwelling_type": "formal"}),
        item("household.visit", h, body={"note": "nobody home"}),
        item("household.visit", h, body={"days_skipped_meal_last_7": -1}),
        item("household.visit", h, expected_version=0),
    ]
    first = await sync(worker, *batch)
    head = log_head(application)

    # When it sends the same batch again
    again = await sync(worker, *batch)

    # Then nothing new is appended and the applied items answer as they did, as duplicates
    assert log_head(application) == head
    assert outcomes(first) == ["applied", "applied", "rejected", "conflict"]
    assert outcomes(again) == ["duplicate", "duplicate", "rejected", "conflict"]
    assert again["results"][3] == first["results"][3]  # the kept refusal, replayed
    for before, after in zip(first["results"][:2], again["results"][:2], strict=True):
        assert (after["id"], after["version"], after["position"]) == (
            before["id"],
            before["version"],
            before["position"],
        )
    assert again["position"] == first["position"]
    # And a command id reused for another command is refused, appending nothing
    reused = {**batch[1], "body": {"note": "another visit"}}
    assert (await sync(worker, reused))["results"][0]["errors"][0]["loc"] == [
        "header",
        "Idempotency-Key",
    ]
    # And command ids are each user's own: another user's same id is a new command
    assert outcomes(await sync(other, batch[1])) == ["applied"]
    assert log_head(application) == head + 1


async def test_a_later_item_may_act_on_what_an_earlier_one_created_never_the_reverse(
    client: httpx.AsyncClient, client_as: ClientAs, ward_id: str
) -> None:
    convener = await client_as(Role.CONVENER, f"ward:{ward_id}")
    h, n = uuid4(), uuid4()
    register = item("household.register", h, body={"ward_id": ward_id, "dwelling_type": "formal"})
    need = {"need_id": str(n), "category": "water", "severity": "medium"}
    resolution = {"resolution": "no_longer_needed", "note": "a tank was installed"}

    answer = await sync(
        convener,
        item("household.visit", h),
        register,
        item("household.visit", h),
        item("household.need.resolve", h, params={"need_id": str(n)}, body=resolution),
        item("household.need", h, body=need),
        item("household.need.resolve", h, body=resolution),
        item("household.need.resolve", h, params={"need_id": str(n)}, body=resolution),
    )

    assert outcomes(answer) == [
        "forbidden", "applied", "applied", "conflict", "applied", "rejected", "applied",
    ]  # fmt: skip
    results = answer["results"]
    assert results[2]["version"] == results[1]["version"] + 1
    assert results[5]["errors"][0]["loc"] == ["params", "need_id"]
    read = (await convener.get(f"/v1/households/{h}")).json()
    assert [(x["need_id"], x["status"]) for x in read["needs"]] == [(str(n), "resolved")]


async def test_an_item_for_another_wards_household_is_forbidden_like_an_unknown_one(
    client: httpx.AsyncClient,
    client_as: ClientAs,
    ward_id: str,
    other_ward_id: str,
    application: Sukuma,
) -> None:
    # Given a household in ward A and a field worker of ward B
    household_a = await household(client, ward_id)
    foreign = await client_as(Role.FIELD_WORKER, f"ward:{other_ward_id}", PII_READ)
    head = log_head(application)

    # When it syncs commands for that household, for an unknown one, and a registration in A
    answer = await sync(
        foreign,
        item("household.visit", household_a),
        item("household.visit", uuid4()),
        item("household.profile", household_a, body={"profile": make_profile()}),
        item("household.register", uuid4(), body={"ward_id": ward_id, "dwelling_type": "formal"}),
    )

    # Then all are forbidden, the existing one answered exactly as the unknown one
    assert outcomes(answer) == ["forbidden"] * 4
    shown = [
        {k: v for k, v in r.items() if k not in {"index", "command_id"}} for r in answer["results"]
    ]
    assert shown[0] == shown[1] == shown[2] == shown[3]
    assert household_a not in str(answer)
    assert log_head(application) == head


async def test_a_batch_over_the_limit_or_empty_is_refused_whole(
    client: httpx.AsyncClient,
) -> None:
    over = [item("household.visit", uuid4()) for _ in range(201)]
    too_many = await client.post("/v1/sync", json={"items": over})
    empty = await client.post("/v1/sync", json={"items": []})

    assert too_many.status_code == empty.status_code == 422
    assert "at most 200 items" in too_many.json()["detail"][0]["msg"]


async def changes(http: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await http.get("/v1/sync/changes", params=params)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def all_changes(http: httpx.AsyncClient, since: int, limit: int) -> tuple[list[Any], int]:
    seen, more = [], True
    while more:
        page = await changes(http, since=since, limit=limit)
        # a page holds whole positions: over the limit only with rows of one position
        assert len(page["changes"]) <= limit or len({c["position"] for c in page["changes"]}) == 1
        seen += page["changes"]
        since, more = page["next_since"], page["more"]
    return seen, since


async def test_changes_come_in_pages_of_the_callers_scope_and_resume_from_a_position(
    client: httpx.AsyncClient,
    client_as: ClientAs,
    ward_id: str,
    other_ward_id: str,
    application: Sukuma,
) -> None:
    # Given three households and a referral in ward A, and a household in ward B, projected
    in_a = [await household(client, ward_id) for _ in range(3)]
    need = await post_ok(
        client, f"/v1/households/{in_a[0]}/needs", {"category": "social_grant", "severity": "high"}
    )
    referral = await post_ok(
        client,
        "/v1/referrals",
        {"household_id": in_a[0], "need_id": need["need_id"], "department": "SASSA"},
    )
    in_b = await household(client, other_ward_id)
    project(application)
    worker = await client_as(Role.FIELD_WORKER, f"ward:{ward_id}")

    # When ward A's field worker reads every change from the start, two at a time
    seen, since = await all_changes(worker, 0, 2)

    # Then it gets ward A's households and referral once each, in log order, and not ward B's
    assert {(c["kind"], c["id"]) for c in seen} == {
        *(("household", h) for h in in_a),
        ("referral", referral["id"]),
    }
    assert len(seen) == 4 and in_b not in str(seen)
    assert [c["position"] for c in seen] == sorted(c["position"] for c in seen)
    first = next(c for c in seen if c["id"] == in_a[0])
    assert first["household"]["needs"][0]["open_referral_id"] == referral["id"]
    # And nothing more until something changes: then only that
    assert (await changes(worker, since=since)) == {
        "changes": [],
        "next_since": since,
        "more": False,
    }
    await post_ok(worker, f"/v1/households/{in_a[1]}/visits", {"note": "all well"})
    await post_ok(client, f"/v1/households/{in_b}/visits", {"note": "all well"})
    project(application)
    later = await changes(worker, since=since)
    assert [(c["kind"], c["id"]) for c in later["changes"]] == [("household", in_a[1])]
    assert len(later["changes"][0]["household"]["visits"]) == 1
    assert later["next_since"] > since


async def test_changes_show_personal_fields_only_as_the_household_read_does(
    client: httpx.AsyncClient, client_as: ClientAs, ward_id: str, application: Sukuma
) -> None:
    # Given a profiled household and two analysts of its ward, one with pii:read
    household_id = await household(client, ward_id)
    await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": make_profile()})
    project(application)
    plain = await client_as(Role.ANALYST, f"ward:{ward_id}", username="plain")
    trusted = await client_as(Role.ANALYST, f"ward:{ward_id}", PII_READ, username="trusted")

    # When each reads the changes
    hidden = (await changes(plain))["changes"][0]["household"]
    shown = (await changes(trusted))["changes"][0]["household"]

    # Then each sees what its household read shows it, and only the trusted read is logged
    assert hidden == (await plain.get(f"/v1/households/{household_id}")).json()
    assert "Nomvula" not in str(hidden) and "Nomvula" in str(shown)
    reads = (await client.get("/v1/audit/pii-reads", params={"limit": 50})).json()["data"]
    logged = {(r["username"], r["endpoint"]) for r in reads if r["household_id"] == household_id}
    assert ("trusted", "GET /v1/sync/changes") in logged
    assert not any(user == "plain" for user, _ in logged)


def test_the_openapi_documents_the_batch_its_item_types_and_the_changes(api: FastAPI) -> None:
    paths = api.openapi()["paths"]
    batch = paths["/v1/sync"]["post"]
    visit = "`household.visit`: the body of `POST /v1/households/{household_id}/visits`"
    assert visit in batch["description"] and "`referral.make`" in batch["description"]
    assert batch["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "SyncResults"
    )
    assert {"since", "limit"} <= {p["name"] for p in paths["/v1/sync/changes"]["get"]["parameters"]}


async def test_a_high_risk_households_next_visit_is_due_from_its_last_visit(
    client: httpx.AsyncClient, client_as: ClientAs, ward_id: str, application: Sukuma
) -> None:
    # Given a household whose profile makes it high-risk, never visited, projected
    household_id = await household(client, ward_id)
    profile = make_profile(social_ills={"child_abuse_concern": True})  # risk floor: high
    await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": profile})
    project(application)
    worker = await client_as(Role.FIELD_WORKER, f"ward:{ward_id}")

    # When its field worker reads the changes, visits, and reads them again
    due, since = await all_changes(worker, 0, 50)
    one_by_one, _ = await all_changes(worker, 0, 1)
    await post_ok(worker, f"/v1/households/{household_id}/visits", {})
    project(application)
    after, _ = await all_changes(worker, since, 50)

    # Then a visit is due, never made; then due again, counted from the visit made
    visits = [c for c in due if c["kind"] == "visit_due"]
    assert [(c["id"], c["visit_due"]) for c in visits] == [
        (household_id, {"active": True, "risk_level": "high", "last_visit_at": None})
    ]
    # (the household's row and its visit clock share the profile's position: never split)
    assert one_by_one == due and len({c["position"] for c in due}) < len(due)
    stopped = [c for c in after if c["kind"] == "visit_due"]
    assert [(c["id"], c["visit_due"]["active"]) for c in stopped] == [(household_id, True)]
    assert stopped[0]["visit_due"]["last_visit_at"] is not None
