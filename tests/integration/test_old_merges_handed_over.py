"""The views place a merged duplicate's referrals by the referrals' own events (issue 20), and
``sukuma duplicates hand-over`` records the handovers merges made before ``HandedOver``
existed, against a real PostgreSQL: before it, an old merge's referral stays where its
aggregate is (the duplicate's ward) in every view; the dry run lists it and appends nothing;
the run hands it over once (a re-run appends nothing), never an unmerged pair's nor a closed
referral; the survivor's ward's convener then acts on it over HTTP and every view follows;
a referral changed while the back-fill decides is decided again (optimistic concurrency).
A projector committing after every event counts each referral once throughout a merge."""

# ruff: noqa: F811  (the ``ew`` parameter is the fixture imported below)

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
from psycopg.sql import SQL, Identifier
from typer.testing import CliRunner

from domain.access.principal import Role
from domain.context import CommandContext
from domain.duplicates.model import DuplicateCandidate, candidate_id
from domain.households.model import Household
from domain.referrals.model import Referral
from domain.sukuma import Sukuma
from projections.registry import open_projections
from projections.runner import BatchRunner
from sukuma.cli import cli
from tests.conftest import TEST_MASTER_KEY, TEST_SECRET_KEY
from tests.integration.alerting import Alerting
from tests.integration.conftest import ClientAs
from tests.integration.helpers import need, post_ok, referral, table_rows
from tests.integration.test_merged_referrals_follow import (  # noqa: F401  (ew: the fixture)
    ew,
    referred_pair,
    third_ward,
    ward_of,
)
from tests.integration.test_merged_referrals_handed import status_of

pytestmark = pytest.mark.integration

#: The views that place a referral (``projections.registry`` names).
PLACING = ("nerve_centre", "early_warning", "field_capture", "open_data")


def old_merge(application: Sukuma, survivor: str, duplicate: str) -> UUID:
    """Merge the pair as merges were recorded before ``HandedOver`` existed: the pair and the
    two households in one save, the duplicate's referrals left as they were."""
    pair = candidate_id(UUID(survivor), UUID(duplicate))
    at, who = datetime.now(UTC), "convener"
    candidate = application.get(DuplicateCandidate, pair)
    kept, merged = (application.get(Household, UUID(h)) for h in (survivor, duplicate))
    candidate.merge(survivor, at, who)
    merged.merge_into(survivor_id=survivor, candidate_id=str(pair), occurred_at=at, actor=who)
    kept.absorb(duplicate_id=duplicate, candidate_id=str(pair), occurred_at=at, actor=who)
    application.save(candidate, kept, merged)
    return pair


def events_of(application: Sukuma, aggregate_id: str) -> list[Any]:
    return list(application.repository.event_store.get(UUID(aggregate_id)))


def hand_over(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> str:
    monkeypatch.setenv("SUKUMA_DATABASE_URL", url)
    monkeypatch.setenv("SUKUMA_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("SUKUMA_MASTER_KEY", TEST_MASTER_KEY)
    result = CliRunner().invoke(cli, ["duplicates", "hand-over", *args])
    assert result.exit_code == 0, result.output
    return result.output


async def test_an_old_merges_referral_is_handed_over_by_the_back_fill_and_the_views_follow(
    client: httpx.AsyncClient,
    client_as: ClientAs,
    application: Sukuma,
    ew: Alerting,
    ward_id: str,
    other_ward_id: str,
    fresh_db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a pair merged the old way across two wards, the duplicate with an open referral
    # and a cancelled one; and another pair merged the old way and unmerged since
    survivor, duplicate, referred = await referred_pair(client, ward_id, other_ward_id)
    cancelled = await referral(client, duplicate, await need(client, duplicate, "water"), "MUNI")
    await post_ok(client, f"/v1/referrals/{cancelled}/cancel", {"reason": "not needed"})
    other, undone, kept_back = await referred_pair(client, ward_id, third_ward())
    old_merge(application, survivor, duplicate)
    ctx = CommandContext(actor="convener", occurred_at=datetime.now(UTC))
    application.unmerge_households(old_merge(application, other, undone), "two families", ctx)
    ew.project()
    conveners = {w: await client_as(Role.CONVENER, f"ward:{w}") for w in (ward_id, other_ward_id)}

    # Then, before the back-fill, the referral is where its aggregate is, in every view: the
    # duplicate's ward (no view places it by a rule of its own)
    assert application.get(Referral, UUID(referred)).ward_id == other_ward_id
    assert set(ward_of(application, referred).values()) == {other_ward_id}
    assert await status_of(conveners[ward_id], referred) == 404

    # When the back-fill runs dry
    recorded = {r: len(events_of(application, r)) for r in (referred, cancelled, kept_back)}
    dry = hand_over(monkeypatch, fresh_db_url, "--dry-run")

    # Then it lists the open referral it would hand over, and appends nothing
    assert f"referral {referred}: {other_ward_id} -> {ward_id} (survivor {survivor})" in dry
    assert "merged pairs: 2; referrals to hand over (dry run, nothing appended): 1" in dry
    assert {r: len(events_of(application, r)) for r in recorded} == recorded

    # When it runs, and runs again
    first = hand_over(monkeypatch, fresh_db_url)
    again = hand_over(monkeypatch, fresh_db_url)
    ew.project()

    # Then the open referral is handed over once, as a merge hands one over today; the
    # cancelled one and the unmerged pair's are as they were
    assert "merged pairs: 2; referrals handed over: 1" in first
    assert "merged pairs: 2; referrals handed over: 0" in again
    handed = events_of(application, referred)[recorded[referred] :]
    assert [(type(e).__qualname__, e.reason, e.household_id) for e in handed] == [
        ("Referral.HandedOver", "merged", survivor)
    ]
    assert len(events_of(application, cancelled)) == recorded[cancelled]
    assert len(events_of(application, kept_back)) == recorded[kept_back]
    assert application.get(Referral, UUID(kept_back)).ward_id == third_ward()
    # and the survivor's ward's convener acts on it, the duplicate's no longer sees it,
    assert await status_of(conveners[other_ward_id], referred) == 404
    escalate = {"level": 2, "reason": "no answer yet"}
    await post_ok(conveners[ward_id], f"/v1/referrals/{referred}/escalate", escalate)
    # and every view follows it there (the cancelled one stays in the duplicate's ward)
    ew.project()
    assert set(ward_of(application, referred).values()) == {ward_id}
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as curs:
        for table in ("nerve_centre_referrals", "open_data_referrals", "field_capture_referrals"):
            curs.execute(
                SQL("SELECT ward_id FROM {} WHERE referral_id = %s").format(Identifier(table)),
                (UUID(cancelled),),
            )
            assert curs.fetchone() == {"ward_id": other_ward_id}, table


def open_referrals(application: Sukuma) -> dict[str, int]:
    """The nerve centre's open referrals: rows, and the province's and wards' totals."""
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as curs:
        curs.execute(
            "SELECT (SELECT count(*) FROM nerve_centre_referrals WHERE status IN "
            "('made', 'acknowledged', 'service_delivered', 'verified', 'disputed')) AS rows_, "
            "(SELECT coalesce(sum(value), 0) FROM nerve_centre_area_counts WHERE level = "
            "'province' AND metric = 'referrals_open') AS province, "
            "(SELECT coalesce(sum(value), 0) FROM nerve_centre_area_counts WHERE level = "
            "'ward' AND metric = 'referrals_open') AS wards"
        )
        row = curs.fetchone()
    assert row is not None
    return {"rows": int(row["rows_"]), "province": int(row["province"]), "wards": int(row["wards"])}


async def test_a_projector_committing_every_event_counts_each_referral_once_through_a_merge(
    client: httpx.AsyncClient, application: Sukuma, ward_id: str, other_ward_id: str
) -> None:
    # Given a pair across two wards, the duplicate with an open referral, projected
    survivor, duplicate, referred = await referred_pair(client, ward_id, other_ward_id)
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    recorder = application.recorder
    runner = BatchRunner(recorder, application.name, open_projections(datastore))  # type: ignore[arg-type]
    runner.run_once()
    before = open_referrals(application)

    # When it is merged, the survivor moved and the pair unmerged, and a projector commits
    # after every event (between a household's event and its referrals' of the same save)
    pair = candidate_id(UUID(survivor), UUID(duplicate))
    ctx = CommandContext(actor="convener", occurred_at=datetime.now(UTC))
    application.merge_households(pair, UUID(survivor), ctx)
    application.move_household(UUID(survivor), third_ward(), None, ctx)
    application.unmerge_households(pair, "two families", ctx)
    seen: list[dict[str, int]] = []
    one_by_one = BatchRunner(
        recorder,  # type: ignore[arg-type]
        application.name,
        open_projections(datastore),
        page_size=1,
        commit_pages=1,
    )
    one_by_one.run_once(lambda progress: seen.append(open_referrals(application)))

    # Then every committed state counts the referral once, in one ward
    assert seen and all(counted == before for counted in seen)
    # and the views end as a rebuild of the whole log in one page makes them
    rebuilt = open_projections(datastore, PLACING, table_prefix="rebuild_")
    BatchRunner(recorder, application.name, rebuilt, page_size=100_000).run_once()  # type: ignore[arg-type]
    for name, projection in zip(PLACING, rebuilt, strict=True):
        for suffix in projection.view.tables:
            live = f"{name}_{suffix}"
            assert table_rows(datastore, live) == table_rows(datastore, f"rebuild_{live}"), live
    assert application.get(Referral, UUID(referred)).ward_id == other_ward_id


#: What happens to the referral just after the back-fill read it, the events it then has, and
#: whether the back-fill hands it over.
RACES = [
    ("acknowledge", ["Referral.Acknowledged", "Referral.HandedOver"], True),
    ("cancel", ["Referral.Cancelled"], False),
]


@pytest.mark.parametrize(("meanwhile", "then", "handed"), RACES)
async def test_a_referral_changed_while_the_back_fill_decides_is_decided_again(
    client: httpx.AsyncClient,
    application: Sukuma,
    monkeypatch: pytest.MonkeyPatch,
    ward_id: str,
    other_ward_id: str,
    meanwhile: str,
    then: list[str],
    handed: bool,
) -> None:
    # Given a pair merged the old way, whose duplicate's open referral is acknowledged (or
    # cancelled) just after the back-fill has read it: a real command on the same database
    survivor, duplicate, referred = await referred_pair(client, ward_id, other_ward_id)
    pair = old_merge(application, survivor, duplicate)
    get, raced = application.get, []
    command = {
        "acknowledge": lambda r, ctx: application.acknowledge_referral(r, None, ctx),
        "cancel": lambda r, ctx: application.cancel_referral(r, "not needed", ctx),
    }[meanwhile]

    def get_then_race(cls: Any, aggregate_id: UUID, version: int | None = None) -> Any:
        aggregate = get(cls, aggregate_id, version)
        if cls is Referral and not raced:
            raced.append(aggregate.version)
            command(aggregate_id, CommandContext(actor="officer", occurred_at=datetime.now(UTC)))
        return aggregate

    monkeypatch.setattr(application, "get", get_then_race)

    # When the back-fill hands the pair's referrals over
    ctx = CommandContext(actor="system:duplicates-hand-over", occurred_at=datetime.now(UTC))
    said = application.hand_over_old_merge(pair, ctx)
    monkeypatch.undo()

    # Then its first save wrote nothing (the referral had moved on), and the decision made
    # again hands over the acknowledged referral, not the cancelled one
    kinds = [type(e).__qualname__ for e in events_of(application, referred)][raced[0] :]
    assert kinds == then
    assert [h.referral_id for h in said] == [UUID(referred)] * handed
    ward = application.get(Referral, UUID(referred)).ward_id
    assert ward == (ward_id if handed else other_ward_id)
