"""Open data follows a merge of duplicate households and a move, through HTTP against a real
PostgreSQL (issues 20 and 21): a merged duplicate counts for its survivor (one household) in
a month released after the merge, and as its own again after the unmerge, while a month
released before stays as published; a merged duplicate's referral is delivered in its
survivor's ward; a referral rehomed by a move counts its delivery in the new ward even after
the projection restarts with its cache cleared."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from domain.duplicates.model import candidate_id
from domain.sukuma import Sukuma
from projections.open_data.release import Publisher
from tests.factories import make_member, make_profile
from tests.integration.conftest import Clock
from tests.integration.helpers import post_ok
from tests.integration.test_open_data import (
    WARD_A,
    WARD_B,
    by_area,
    closed_month,
    day_in,
    project,
    publisher,
    seed,
    table,
)

pytestmark = pytest.mark.integration


def one_family() -> dict[str, Any]:
    """A family unlike the seeded households' (another name, birth date and phone), so the
    matcher proposes its two records as a pair."""
    head = make_member(
        first_name="Zodwa", surname="Mkhize", date_of_birth="1969-08-21", phone="+27 73 555 0199"
    )
    return dict(make_profile(members=[head]))


async def registered(http: httpx.AsyncClient, ward_id: str, at: datetime, profile: Any) -> str:
    body = {"ward_id": ward_id, "dwelling_type": "informal", "occurred_at": at.isoformat()}
    household_id = str((await post_ok(http, "/v1/households", body))["id"])
    body = {"profile": profile, "occurred_at": at.isoformat()}
    await post_ok(http, f"/v1/households/{household_id}/profile", body)
    return household_id


async def referred(http: httpx.AsyncClient, household_id: str, at: datetime) -> str:
    """A need of the household referred to SASSA and acknowledged; the referral's id."""
    need = await post_ok(
        http, f"/v1/households/{household_id}/needs",
        {"category": "social_grant", "severity": "high", "occurred_at": at.isoformat()},
    )  # fmt: skip
    made = await post_ok(
        http, "/v1/referrals",
        {"id": str(uuid4()), "household_id": household_id, "need_id": need["need_id"],
         "department": "SASSA", "occurred_at": at.isoformat()},
    )  # fmt: skip
    await post_ok(http, f"/v1/referrals/{made['id']}/acknowledge", {"occurred_at": at.isoformat()})
    return str(made["id"])


def profiled_in(release: Publisher, month: Any, code: str) -> int | None:
    cells = release.compute(month)
    return next(c.value for c in cells if c.measure == "households_profiled" and c.code == code)


def delivery_ward(application: Sukuma, referral_id: str) -> str:
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as curs:
        curs.execute(
            "SELECT ward_id FROM open_data_facts WHERE fact_id = %s", (f"delivered:{referral_id}",)
        )
        row = curs.fetchone()
    assert row is not None
    return str(row["ward_id"])


async def test_a_merged_duplicate_counts_once_in_a_later_release_and_an_earlier_one_stands(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, application: Sukuma, clock: Clock
) -> None:
    # Given a closed month with eight households served and one family profiled twice in ward A
    month = closed_month(clock)
    day = day_in(month)
    await seed(client, day)
    family = one_family()
    survivor = await registered(client, WARD_A, day, family)
    duplicate = await registered(client, WARD_A, day, family)
    project(application)
    release = publisher(application)
    assert profiled_in(release, month, "KZN225") == 10

    # When a convener merges the pair, then the month is released
    pair = candidate_id(UUID(survivor), UUID(duplicate))
    await post_ok(client, f"/v1/duplicates/{pair}/merge", {"survivor_id": survivor})
    project(application)
    assert month in release.publish_due(clock.now)

    # Then the family counts once in the release
    published = await table(anonymous, month, "households_profiled", within="KZN225")
    assert by_area(published.json()["rows"])["KZN225"] == 9
    etag = published.headers["etag"]

    # When the merge is undone
    await post_ok(client, f"/v1/duplicates/{pair}/unmerge", {"reason": "two families"})
    project(application)

    # Then the month as it would be computed now counts both records again, but the release
    # made before the unmerge stands as published (a released month is never rewritten)
    assert profiled_in(release, month, "KZN225") == 10
    again = await table(anonymous, month, "households_profiled", within="KZN225")
    assert again.headers["etag"] == etag
    assert by_area(again.json()["rows"])["KZN225"] == 9


async def test_a_merged_duplicates_referral_is_delivered_in_its_survivors_ward(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock
) -> None:
    # Given one family profiled in ward A and again in ward B, the second record referred
    day = clock.now - timedelta(days=2)
    family = one_family()
    survivor = await registered(client, WARD_A, day, family)
    duplicate = await registered(client, WARD_B, day, family)
    referral_id = await referred(client, duplicate, day)
    project(application)

    # When the second record is merged into the first and its referral then delivered
    pair = candidate_id(UUID(survivor), UUID(duplicate))
    await post_ok(client, f"/v1/duplicates/{pair}/merge", {"survivor_id": survivor})
    await post_ok(client, f"/v1/referrals/{referral_id}/deliver", {})
    project(application)

    # Then the delivery counts in the survivor's ward, as a move would have placed it
    assert delivery_ward(application, referral_id) == WARD_A


async def test_a_referral_rehomed_by_a_move_is_delivered_in_the_new_ward_after_a_restart(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock
) -> None:
    # Given a household of ward A with an acknowledged referral, moved to ward B (the
    # referral rehomed with it), projected
    day = clock.now - timedelta(days=2)
    household_id = await registered(client, WARD_A, day, make_profile())
    referral_id = await referred(client, household_id, day)
    await post_ok(client, f"/v1/households/{household_id}/move", {"to_ward_id": WARD_B})
    project(application)

    # When the referral is delivered and a new projection (its cache empty, so it reads the
    # referral's stored row) projects it
    await post_ok(client, f"/v1/referrals/{referral_id}/deliver", {})
    project(application)

    # Then the delivery counts in the new ward (the stored row kept the ward it moved to)
    assert delivery_ward(application, referral_id) == WARD_B
