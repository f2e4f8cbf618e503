"""A merged duplicate's open referrals follow its survivor, through HTTP against PostgreSQL
(issue 20): while merged, an overdue one raises its early-warning alert in the survivor's
ward; a move of the survivor carries it on in every view (nerve centre, open data,
early-warning clocks, field capture), as the move rehomes the survivor's own (the offline
feed tells the ward it leaves to drop it); the unmerge puts it back in the duplicate's ward
(and the feed tells the survivor's new ward)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import httpx
import pytest

from domain.access.principal import Role
from domain.duplicates.model import candidate_id
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from projections.open_data.release import Publisher
from tests.factories import make_profile
from tests.integration.alerting import Alerting, alerting
from tests.integration.conftest import ClientAs, Clock
from tests.integration.helpers import advance_referral, household, need, post_ok, referral
from tests.integration.test_duplicates_api import view_row
from tests.integration.test_merge_views import clock_row
from tests.integration.test_sync_api import all_changes
from tests.integration.test_views_api import get_ok

pytestmark = pytest.mark.integration


@pytest.fixture
def ew(client: httpx.AsyncClient, application: Sukuma, clock: Clock) -> Alerting:
    return alerting(application, clock)


def third_ward() -> str:
    return geography().wards_in("municipality", "KZN225")[2].id


def clock_ward(application: Sukuma, kind: str, referral_id: str) -> str | None:
    """The ward of a referral's running early-warning clock (``None``: none runs)."""
    row = clock_row(application, kind, referral_id)
    return str(row["ward_id"]) if row is not None and row["active"] else None


def ward_of(application: Sukuma, referral_id: str) -> dict[str, str]:
    """Where each view follows the referral up (``early_warning``: its EW-01 clock)."""
    key = UUID(referral_id)
    return {
        view: str((view_row(application, table, "referral_id", key) or {})["ward_id"])
        for view, table in (
            ("nerve_centre", "nerve_centre_referrals"),
            ("open_data", "open_data_referrals"),
            ("field_capture", "field_capture_referrals"),
        )
    } | {"early_warning": str(clock_ward(application, "referral_unacknowledged", referral_id))}


def cancelled_wards(application: Sukuma, referral_id: str) -> set[str]:
    """Where the nerve centre, field capture and the early-warning state hold a closed one."""
    state = view_row(application, "early_warning_state", "id", referral_id)
    tables = ("nerve_centre_referrals", "field_capture_referrals")
    rows = [view_row(application, t, "referral_id", UUID(referral_id)) for t in tables]
    return {str(row["ward_id"]) for row in (*rows, state and state["state"]) if row is not None}


async def removed(http: httpx.AsyncClient, since: int) -> tuple[dict[str, str], int]:
    """The referrals and households the feed tells this reader to drop, with the reason."""
    seen, since = await all_changes(http, since, 50)
    return {c["id"]: c["removed"]["reason"] for c in seen if c["kind"] == "removed"}, since


async def api_ward(http: httpx.AsyncClient, referral_id: str) -> str:
    read: dict[str, Any] = await get_ok(http, "/v1/referrals")
    return str(next(r for r in read["data"] if r["referral_id"] == referral_id)["ward_id"])


async def referred_pair(
    client: httpx.AsyncClient, ward_id: str, other_ward_id: str
) -> tuple[str, str, str]:
    """One family profiled in two wards, the second record with a referral made."""
    survivor, duplicate = await household(client, ward_id), await household(client, other_ward_id)
    for household_id in (survivor, duplicate):
        await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": make_profile()})
    return survivor, duplicate, await referral(client, duplicate, await need(client, duplicate))


async def test_a_merged_duplicates_referral_follows_its_survivor_until_unmerged(
    client: httpx.AsyncClient,
    client_as: ClientAs,
    application: Sukuma,
    ew: Alerting,
    ward_id: str,
    other_ward_id: str,
) -> None:
    # Given one family profiled in two wards, the second record with a referral not yet
    # acknowledged, and a field worker of each ward (and of a third) reading the feed
    survivor, duplicate, referred = await referred_pair(client, ward_id, other_ward_id)
    cancelled = await referral(client, duplicate, await need(client, duplicate, "water"), "MUNI")
    ew.project()
    readers = {
        w: await client_as(Role.FIELD_WORKER, f"ward:{w}")
        for w in (ward_id, other_ward_id, third_ward())
    }
    since = {w: (await removed(http, 0))[1] for w, http in readers.items()}
    assert set(ward_of(application, referred).values()) == {other_ward_id}

    # When a convener merges the second record into the first
    pair = candidate_id(UUID(survivor), UUID(duplicate))
    await post_ok(client, f"/v1/duplicates/{pair}/merge", {"survivor_id": survivor})
    ew.project()

    # Then every view follows the referral up in the survivor's ward (the duplicate's ward's
    # phones drop it: the merge handed the referral itself over), and once overdue its EW-01
    # alert is the survivor's ward's
    assert set(ward_of(application, referred).values()) == {ward_id}
    assert await api_ward(client, cancelled) == ward_id
    # (and one of them cancelled meanwhile stays in the ward it was followed up in)
    await post_ok(client, f"/v1/referrals/{cancelled}/cancel", {"reason": "not needed"})
    gone, since[other_ward_id] = await removed(readers[other_ward_id], since[other_ward_id])
    assert gone == {referred: "merged", cancelled: "merged"}
    ew.clock.advance(days=8)
    assert ew.sweep("EW-01").raised["EW-01"] == 1
    alert = ew.alert("EW-01", referred)
    assert alert is not None and alert["ward_id"] == ward_id

    # When the survivor moves to a third ward
    await post_ok(client, f"/v1/households/{survivor}/move", {"to_ward_id": third_ward()})
    ew.project()

    # Then the duplicate's open referral goes with it in every view, as the survivor's own
    # would, and the survivor's old ward is told to drop it
    assert set(ward_of(application, referred).values()) == {third_ward()}
    assert await api_ward(client, referred) == third_ward()
    assert cancelled_wards(application, cancelled) == {ward_id}
    assert await api_ward(client, cancelled) == ward_id
    gone, since[ward_id] = await removed(readers[ward_id], since[ward_id])
    assert gone.get(referred) == "moved"
    # (a delivery of it now counts in the survivor's new ward in open data)
    await advance_referral(client, referred, "acknowledge", "deliver")
    ew.project()
    today = ew.clock.now.date()
    released = Publisher(application.factory.datastore, k=5, grace_days=7)  # type: ignore[attr-defined]
    delivered = [
        f
        for f in released.facts_of(date(today.year, today.month, 1))
        if f.measure == "referrals_delivered" and f.household_id == UUID(survivor)
    ]
    assert [f.ward_id for f in delivered] == [third_ward()]
    assert clock_ward(application, "referral_unverified", referred) == third_ward()

    # When the pair is unmerged
    await post_ok(client, f"/v1/duplicates/{pair}/unmerge", {"reason": "two families"})
    ew.project()

    # Then the referral is the duplicate's ward's again in every view, and the third ward's
    # phones are told to drop it
    assert await api_ward(client, referred) == other_ward_id
    assert {
        view: ward
        for view, ward in ward_of(application, referred).items()
        if view != "early_warning"
    } == dict.fromkeys(("nerve_centre", "open_data", "field_capture"), other_ward_id)
    assert clock_ward(application, "referral_unverified", referred) == other_ward_id
    assert cancelled_wards(application, cancelled) == {other_ward_id}
    assert await api_ward(client, cancelled) == other_ward_id
    gone, _ = await removed(readers[third_ward()], since[third_ward()])
    assert gone.get(referred) == "merged"


async def test_a_household_state_from_before_its_referrals_were_listed_hands_them_over_too(
    client: httpx.AsyncClient,
    application: Sukuma,
    clock: Clock,
    ward_id: str,
    other_ward_id: str,
) -> None:
    # Given a pair across two wards, the second with a referral, projected by an early-warning
    # view whose household states were written before they listed their referrals
    survivor, duplicate, referred = await referred_pair(client, ward_id, other_ward_id)
    alerting(application, clock).project()
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=True) as curs:
        curs.execute(
            "UPDATE early_warning_state SET state = state - 'referrals' WHERE kind = 'household'"
        )

    # When the pair is merged and a projector started afresh follows it
    pair = candidate_id(UUID(survivor), UUID(duplicate))
    await post_ok(client, f"/v1/duplicates/{pair}/merge", {"survivor_id": survivor})
    alerting(application, clock).project()

    # Then the duplicate's referral is handed over all the same: by its own ``HandedOver``
    # event, so no household state lists referrals any more (what it lists cannot matter)
    assert clock_ward(application, "referral_unacknowledged", referred) == ward_id
    state = view_row(application, "early_warning_state", "id", duplicate)
    assert state is not None and "referrals" not in state["state"]
