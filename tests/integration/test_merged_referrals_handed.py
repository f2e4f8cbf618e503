"""A merge hands a duplicate's open referrals to its survivor's war room as events on the
referrals (issue 20), through HTTP against PostgreSQL: while merged, the survivor's ward's
convener acts on them (escalate, verify, close) and the duplicate's ward's gets 404; the offline
feed drops them from the duplicate's ward's phones and brings them to the survivor's; a move
of the survivor carries them on; the unmerge hands them back, and the feed follows again."""

# ruff: noqa: F811  (the ``ew`` parameter is the fixture imported below)

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest

from domain.access.principal import Role
from domain.context import CommandContext
from domain.duplicates.model import DuplicateCandidate, candidate_id
from domain.households.model import Household
from domain.referrals.model import Referral
from domain.sukuma import Sukuma
from tests.integration.alerting import Alerting
from tests.integration.conftest import ClientAs
from tests.integration.helpers import advance_referral, post_ok
from tests.integration.test_merged_referrals_follow import (  # noqa: F401  (ew: the fixture)
    ew,
    referred_pair,
    third_ward,
)
from tests.integration.test_sync_api import all_changes
from tests.integration.test_views_api import get_ok

pytestmark = pytest.mark.integration


def context(expected_version: int | None = None) -> CommandContext:
    return CommandContext(
        actor="tester", occurred_at=datetime.now(UTC), expected_version=expected_version
    )


async def status_of(http: httpx.AsyncClient, referral_id: str) -> int:
    return (await http.get(f"/v1/referrals/{referral_id}")).status_code


async def feed(http: httpx.AsyncClient, since: int) -> tuple[dict[str, str], int]:
    """What the feed sends this reader about each id since ``since``: ``referral`` (its
    entry: it arrives or changed), or ``removed: <reason>``."""
    seen, since = await all_changes(http, since, 50)
    said = {}
    for c in seen:
        said[c["id"]] = (
            f"removed: {c['removed']['reason']}" if c["kind"] == "removed" else c["kind"]
        )
    return said, since


async def test_a_merged_duplicates_open_referral_is_the_survivors_ward_to_act_on(
    client: httpx.AsyncClient,
    client_as: ClientAs,
    application: Sukuma,
    ew: Alerting,
    ward_id: str,
    other_ward_id: str,
) -> None:
    # Given one family profiled in two wards, the second record with an open referral, a
    # convener and a field worker's phone in each ward (and in a third)
    survivor, duplicate, referred = await referred_pair(client, ward_id, other_ward_id)
    wards = (ward_id, other_ward_id, third_ward())
    conveners = {w: await client_as(Role.CONVENER, f"ward:{w}") for w in wards}
    phones = {w: await client_as(Role.FIELD_WORKER, f"ward:{w}") for w in wards}
    ew.project()
    since = {w: (await feed(phone, 0))[1] for w, phone in phones.items()}
    assert await status_of(conveners[other_ward_id], referred) == 200
    assert await status_of(conveners[ward_id], referred) == 404

    # When a convener merges the second record into the first
    pair = candidate_id(UUID(survivor), UUID(duplicate))
    await post_ok(client, f"/v1/duplicates/{pair}/merge", {"survivor_id": survivor})
    ew.project()

    # Then the referral itself is the survivor's ward's (its history says why), so that
    # ward's convener may act on it and the duplicate's ward's no longer sees it
    read: dict[str, Any] = await get_ok(client, f"/v1/referrals/{referred}")
    assert (read["ward_id"], read["from_ward_id"]) == (ward_id, other_ward_id)
    history = await get_ok(client, f"/v1/referrals/{referred}/history")
    assert history["events"][-1]["type"] == "Referral.HandedOver"
    assert await status_of(conveners[other_ward_id], referred) == 404
    escalate = {"level": 2, "reason": "no answer yet"}
    refused = await conveners[other_ward_id].post(
        f"/v1/referrals/{referred}/escalate", json=escalate
    )
    assert refused.status_code == 404
    await post_ok(conveners[ward_id], f"/v1/referrals/{referred}/escalate", escalate)
    # and the feed drops it from the duplicate's ward's phones, and brings it to the survivor's
    ew.project()
    said, since[other_ward_id] = await feed(phones[other_ward_id], since[other_ward_id])
    assert said.get(referred) == "removed: merged"
    said, since[ward_id] = await feed(phones[ward_id], since[ward_id])
    assert said.get(referred) == "referral"

    # When the survivor moves to a third ward
    await post_ok(client, f"/v1/households/{survivor}/move", {"to_ward_id": third_ward()})
    ew.project()

    # Then the referral goes with it: the third ward's convener acts on it, the old ward's
    # phones drop it and the third ward's get it
    assert await status_of(conveners[ward_id], referred) == 404
    await advance_referral(client, referred, "acknowledge", "deliver")
    await post_ok(conveners[third_ward()], f"/v1/referrals/{referred}/verify", {})
    ew.project()
    said, since[ward_id] = await feed(phones[ward_id], since[ward_id])
    assert said.get(referred) == "removed: moved"
    said, since[third_ward()] = await feed(phones[third_ward()], since[third_ward()])
    assert said.get(referred) == "referral"

    # When the pair is unmerged
    await post_ok(client, f"/v1/duplicates/{pair}/unmerge", {"reason": "two families"})
    ew.project()

    # Then the referral is the duplicate's ward's again, to act on (and close), and the
    # feed follows it back
    assert await status_of(conveners[third_ward()], referred) == 404
    await post_ok(conveners[other_ward_id], f"/v1/referrals/{referred}/close", {})
    read = await get_ok(client, f"/v1/referrals/{referred}")
    assert (read["ward_id"], read["status"]) == (other_ward_id, "closed")
    ew.project()
    said, _ = await feed(phones[third_ward()], since[third_ward()])
    assert said.get(referred) == "removed: merged"
    said, _ = await feed(phones[other_ward_id], since[other_ward_id])
    assert said.get(referred) == "referral"


async def test_a_referral_closed_while_merged_goes_back_to_the_duplicates_ward_on_unmerge(
    client: httpx.AsyncClient,
    client_as: ClientAs,
    ew: Alerting,
    ward_id: str,
    other_ward_id: str,
) -> None:
    # Given a merged pair across two wards: the department's officer of the survivor's ward
    # acknowledges the handed referral (its officer of the duplicate's ward no longer sees
    # it), and the survivor's ward's convener cancels it
    survivor, duplicate, referred = await referred_pair(client, ward_id, other_ward_id)
    convener = await client_as(Role.CONVENER, f"ward:{ward_id}")
    officers = {
        w: await client_as(Role.DEPARTMENT_OFFICER, f"ward:{w}", "department:SASSA")
        for w in (ward_id, other_ward_id)
    }
    assert await status_of(officers[other_ward_id], referred) == 200
    pair = candidate_id(UUID(survivor), UUID(duplicate))
    await post_ok(client, f"/v1/duplicates/{pair}/merge", {"survivor_id": survivor})
    assert await status_of(officers[other_ward_id], referred) == 404
    await post_ok(officers[ward_id], f"/v1/referrals/{referred}/acknowledge", {})
    await post_ok(convener, f"/v1/referrals/{referred}/cancel", {"reason": "not needed"})

    # When the pair is unmerged
    await post_ok(client, f"/v1/duplicates/{pair}/unmerge", {"reason": "two families"})
    ew.project()

    # Then the closed referral is where the merge found it, in the views as in the aggregate
    read: dict[str, Any] = await get_ok(client, f"/v1/referrals/{referred}")
    assert (read["ward_id"], read["status"]) == (other_ward_id, "cancelled")
    listed: dict[str, Any] = await get_ok(client, "/v1/referrals")
    assert {r["ward_id"] for r in listed["data"] if r["referral_id"] == referred} == {other_ward_id}
    assert await status_of(convener, referred) == 404
    assert await status_of(officers[other_ward_id], referred) == 200


@pytest.mark.parametrize("if_match", [False, True])
async def test_a_referral_changed_while_a_merge_decides_retries_the_whole_merge(
    client: httpx.AsyncClient,
    application: Sukuma,
    monkeypatch: pytest.MonkeyPatch,
    ward_id: str,
    other_ward_id: str,
    if_match: bool,
) -> None:
    # Given a pair across two wards, the second with an open referral that a department
    # acknowledges just after the merge has read it (a real command, on the same database)
    survivor, duplicate, referred = await referred_pair(client, ward_id, other_ward_id)
    pair = candidate_id(UUID(survivor), UUID(duplicate))
    get, raced = application.get, []

    def get_then_race(cls: Any, aggregate_id: UUID, version: int | None = None) -> Any:
        aggregate = get(cls, aggregate_id, version)
        if cls is Referral and not raced:
            raced.append(aggregate.version)
            application.acknowledge_referral(aggregate_id, None, context())
        return aggregate

    monkeypatch.setattr(application, "get", get_then_race)

    # When the merge is decided (maybe with If-Match: the pair's version, which the race
    # leaves as it was)
    version = application.get(DuplicateCandidate, pair).version if if_match else None
    application.merge_households(pair, UUID(survivor), context(version))
    monkeypatch.undo()

    # Then its first save wrote nothing (the referral had moved on: optimistic concurrency),
    # and the retry wrote the merge once, with the acknowledged referral handed over
    kinds = [type(e).__qualname__ for e in application.repository.event_store.get(UUID(referred))]
    assert kinds[raced[0] :] == ["Referral.Acknowledged", "Referral.HandedOver"]
    merges = [
        type(e).__qualname__
        for h in (survivor, duplicate)
        for e in application.repository.event_store.get(UUID(h))
        if isinstance(e, Household.MergedInto | Household.Absorbed)
    ]
    assert sorted(merges) == ["Household.Absorbed", "Household.MergedInto"]
    assert application.get(Referral, UUID(referred)).ward_id == ward_id
