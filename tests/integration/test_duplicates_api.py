"""Duplicate households through HTTP, against a real PostgreSQL (issue 20): the sample register's
deliberate duplicate is proposed on import, reviewed by the ward's convener with its evidence,
merged (reading the duplicate answers the survivor) and unmerged (both as before); a pair
reaching a ward the reader cannot see is not found; a dismissed pair is never proposed again;
erasure drops the matcher's index rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from eventsourcing.utils import get_topic
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from psycopg.sql import SQL, Identifier
from typer.testing import CliRunner

from adapters.matching.batches import MOST_PER_HOUSEHOLD
from api.imports.run import import_register
from domain.access.principal import Role
from domain.context import CommandContext
from domain.duplicates.model import DuplicateCandidate, candidate_id
from domain.households.application import apply_profile
from domain.households.model import Household
from domain.imports.application import imported_household_id
from domain.referrals.model import Referral
from domain.sukuma import Sukuma
from projections.open_data.release import Publisher
from projections.registry import PROJECTIONS
from sukuma.cli import cli
from sukuma.wiring import build_projector
from tests.conftest import TEST_MASTER_KEY, TEST_SECRET_KEY
from tests.factories import make_member, make_profile
from tests.integration.conftest import ClientAs
from tests.integration.helpers import household, post_ok
from tests.integration.test_import import register_of

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "import" / "sample_register.csv"
WARD = "KZN225-W001"
FIRST = imported_household_id(WARD, "MPO-001")
AGAIN = imported_household_id(WARD, "MPO-017")  # the same family written down a second time
PAIR = candidate_id(FIRST, AGAIN)


def import_sample(application: Sukuma) -> None:
    ctx = CommandContext(actor="importer", occurred_at=datetime.now(UTC))
    import_register(application, SAMPLE.read_bytes(), "sample_register.csv", ctx)
    build_projector(application).run_once()


def matcher_rows(application: Sukuma, household_id: object) -> int:
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as curs:
        curs.execute(
            SQL(
                "SELECT (SELECT count(*) FROM matcher_keys WHERE household_id = %(h)s) "
                "+ (SELECT count(*) FROM matcher_cards WHERE household_id = %(h)s) AS n"
            ),
            {"h": household_id},
        )
        row = curs.fetchone()
    assert row is not None
    return int(row["n"])


async def get_json(http: httpx.AsyncClient, url: str) -> Any:
    response = await http.get(url)
    assert response.status_code == 200, (url, response.status_code, response.text)
    return response.json()


def without_version(household: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in household.items() if k != "version"}


async def test_import_proposes_the_sample_duplicate_and_a_convener_merges_and_unmerges_it(
    application: Sukuma, client_as: ClientAs
) -> None:
    import_sample(application)
    convener = await client_as(Role.CONVENER, f"ward:{WARD}")
    analyst = await client_as(Role.ANALYST, "municipality:KZN225")  # no pii:read

    # The queue holds the pair, with the evidence for whoever may read both households.
    queue = await get_json(convener, "/v1/duplicates?status=open")
    assert [c["candidate_id"] for c in queue["data"]] == [str(PAIR)]
    pair = queue["data"][0]
    assert pair["same_id_number"] is True and pair["score"] >= 0.85
    assert sorted(pair["household_ids"]) == sorted([str(FIRST), str(AGAIN)])
    assert pair["field_scores"]["date_of_birth"] == 1.0
    assert pair["field_scores"]["members"] == 1.0
    seen_by_analyst = await get_json(analyst, "/v1/duplicates")
    assert seen_by_analyst["data"][0]["field_scores"] is None  # numbers about personal data
    assert (await get_json(convener, f"/v1/duplicates/{PAIR}"))["status"] == "open"

    before = {h: await get_json(convener, f"/v1/households/{h}") for h in (FIRST, AGAIN)}
    assert before[FIRST]["merged_from"] == [] and before[AGAIN]["merged_into"] is None

    # When the convener merges MPO-017 into MPO-001 ...
    await post_ok(convener, f"/v1/duplicates/{PAIR}/merge", {"survivor_id": str(FIRST)})
    build_projector(application).run_once()
    # ... reading the duplicate answers the survivor, with a note,
    redirected = await get_json(convener, f"/v1/households/{AGAIN}")
    assert redirected["id"] == str(FIRST)
    assert redirected["note"] == f"household {AGAIN} is merged into {FIRST}: this is its record"
    assert redirected["merged_from"] == [str(AGAIN)]
    # and the duplicate's needs count for the survivor.
    needs = {n["need_id"] for n in before[FIRST]["needs"] + before[AGAIN]["needs"]}
    assert {n["need_id"] for n in redirected["needs"]} == needs
    merged = await get_json(convener, f"/v1/duplicates/{PAIR}")
    assert merged["status"] == "merged" and merged["survivor_id"] == str(FIRST)
    history = await get_json(convener, f"/v1/households/{AGAIN}/history")
    assert history["events"][-1]["type"] == "Household.MergedInto"

    # Undone, both households read exactly as before, and the pair is open again.
    await post_ok(convener, f"/v1/duplicates/{PAIR}/unmerge", {"reason": "two families"})
    build_projector(application).run_once()
    after = {h: await get_json(convener, f"/v1/households/{h}") for h in (FIRST, AGAIN)}
    assert {h: without_version(r) for h, r in after.items()} == {
        h: without_version(r) for h, r in before.items()
    }
    assert (await get_json(convener, "/v1/duplicates?status=open"))["count"] == 1


async def test_a_pair_reaching_a_ward_the_reader_cannot_see_is_not_found(
    application: Sukuma, client_as: ClientAs
) -> None:
    import_sample(application)
    elsewhere = await client_as(Role.CONVENER, "ward:KZN225-W002")
    field_worker = await client_as(Role.FIELD_WORKER, f"ward:{WARD}")

    assert (await get_json(elsewhere, "/v1/duplicates"))["count"] == 0
    refused = {
        "read": await elsewhere.get(f"/v1/duplicates/{PAIR}"),
        "merge": await elsewhere.post(
            f"/v1/duplicates/{PAIR}/merge", json={"survivor_id": str(FIRST)}
        ),
        "dismiss": await elsewhere.post(f"/v1/duplicates/{PAIR}/dismiss", json={}),
    }
    assert {k: r.status_code for k, r in refused.items()} == dict.fromkeys(refused, 404)
    # A field worker of the ward sees the pair but does not decide it.
    forbidden = await field_worker.post(f"/v1/duplicates/{PAIR}/dismiss", json={})
    assert forbidden.status_code == 403
    assert forbidden.json()["action"] == "household.merge"
    assert application.get(DuplicateCandidate, PAIR).status == "open"


async def test_a_dismissed_pair_is_not_proposed_again(
    application: Sukuma, client_as: ClientAs
) -> None:
    import_sample(application)
    convener = await client_as(Role.CONVENER, f"ward:{WARD}")
    await post_ok(convener, f"/v1/duplicates/{PAIR}/dismiss", {"note": "two households"})
    # The same family profiled again on the duplicate: the pair stays dismissed.
    profile = (await get_json(convener, f"/v1/households/{AGAIN}"))["profile"]
    await post_ok(convener, f"/v1/households/{AGAIN}/profile", {"profile": profile})
    build_projector(application).run_once()
    assert application.get(DuplicateCandidate, PAIR).version == 2  # proposed, dismissed
    listed = await get_json(convener, "/v1/duplicates")
    assert [(c["status"], c["decided_by"]) for c in listed["data"]] == [
        ("dismissed", listed["data"][0]["decided_by"])
    ]
    assert listed["data"][0]["decided_by"].startswith("convener")


async def test_a_profile_with_a_misspelt_name_is_proposed_and_erasure_drops_its_index(
    application: Sukuma, client_as: ClientAs
) -> None:
    convener = await client_as(Role.CONVENER, f"ward:{WARD}")
    admin = await client_as(Role.ADMIN, f"ward:{WARD}")
    head = make_member(
        first_name="Nokuthula",
        surname="Ngcobo",
        date_of_birth="1979-04-18",
        phone="+27 83 555 0199",
        document_status="none",
        id_number=None,
    )
    first, second = await household(convener, WARD), await household(convener, WARD)
    await post_ok(
        convener, f"/v1/households/{first}/profile", {"profile": make_profile(members=[head])}
    )
    typo = {**head, "surname": "Ngcobho", "phone": "083 555 0199"}
    await post_ok(
        convener, f"/v1/households/{second}/profile", {"profile": make_profile(members=[typo])}
    )
    build_projector(application).run_once()

    listed = (await get_json(convener, "/v1/duplicates"))["data"]
    assert [sorted(c["household_ids"]) for c in listed] == [sorted([first, second])]
    assert listed[0]["same_id_number"] is False
    assert listed[0]["field_scores"]["phone"] == 1.0
    assert 0.85 < listed[0]["field_scores"]["surname"] < 1.0

    assert matcher_rows(application, second) > 0
    await post_ok(admin, f"/v1/households/{second}/erase", {"reason": "data subject request"})
    assert matcher_rows(application, second) == 0


def one_family_twice(application: Sukuma, wards: tuple[str, str]) -> list[UUID]:
    """The same family registered and profiled twice, in these wards: a pair to propose."""
    ctx = CommandContext(actor="field", occurred_at=datetime.now(UTC))
    profile = make_profile()
    ids = [uuid4(), uuid4()]
    for household_id, ward in zip(ids, wards, strict=True):
        application.register_household(
            household_id=household_id,
            ward_id=ward,
            dwelling_type="formal",
            village=None,
            gps=None,
            field_worker_id=None,
            ctx=ctx,
        )
        application.submit_profile(household_id, profile, None, ctx)
    return ids


#: Every read model's tables (the registry's projections), so a new view is compared too.
VIEW_PREFIXES = tuple(f"{name}_" for name in PROJECTIONS)
#: Not the views' content: a pair's decision (who, when), and the log position of a row's
#: latest change (a merge and its undoing change rows, so the sync feed sends them again).
BOOKKEEPING = ("decided_at", "decided_by", "position")
#: Nor the sync feed's record that a merge or its undoing handed a referral to another ward
#: (a phone of the ward it left drops it, and gets it again from the ward it came back to).
DEPARTURES, MERGE_DEPARTURE = "field_capture_departures", "merged"


def about(seen: dict[str, list[str]], *ids: object) -> dict[str, list[str]]:
    """The rows of every view (but the sync feed's departures) that name one of these ids."""
    return {
        table: [row for row in rows if any(str(i) in row for i in ids)]
        for table, rows in seen.items()
        if table != DEPARTURES
    }


def views(application: Sukuma) -> dict[str, list[str]]:
    """Every read model's rows, but their bookkeeping (see ``BOOKKEEPING``)."""
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    out: dict[str, list[str]] = {}
    with datastore.transaction(commit=False) as curs:
        curs.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename NOT LIKE '%%_tracking'"
        )
        tables = [r["tablename"] for r in curs.fetchall()]
        for table in sorted(t for t in tables if t.startswith(VIEW_PREFIXES)):
            curs.execute(SQL("SELECT * FROM {}").format(Identifier(table)))
            rows = [
                {k: v for k, v in r.items() if k not in BOOKKEEPING}
                for r in curs.fetchall()
                if r.get("reason") != MERGE_DEPARTURE or table != DEPARTURES
            ]
            out[table] = sorted(repr(sorted(r.items())) for r in rows)
    return out


def add_needs(
    application: Sukuma,
    household_id: UUID,
    count: int,
    ctx: CommandContext,
    category: str = "water",
) -> list[str]:
    needs = [str(uuid4()) for _ in range(count)]
    for need_id in needs:
        application.identify_need(
            household_id=household_id,
            need_id=UUID(need_id),
            category=category,
            severity="high",
            department_code=None,
            member_id=None,
            note=None,
            ctx=ctx,
        )
    return needs


def nerve_centre_row(application: Sukuma, table: str, key: str, value: object) -> dict[str, Any]:
    row = view_row(application, f"nerve_centre_{table}", key, value)
    assert row is not None
    return row


def child_clock(application: Sukuma, household_id: UUID) -> bool | None:
    """Whether the household's EW-05 clock runs (``None``: it has no row)."""
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as curs:
        curs.execute(
            "SELECT active FROM early_warning_clocks WHERE kind = 'child_unattended' "
            "AND subject = %s",
            (str(household_id),),
        )
        row = curs.fetchone()
    return None if row is None else bool(row["active"])


THIRD_WARD = "KZN225-W003"


def referral_wards(application: Sukuma, referral_id: UUID) -> set[str]:
    """The wards the views follow a referral up in (and its early-warning clock's, if any)."""
    tables = ("nerve_centre_referrals", "open_data_referrals", "field_capture_referrals")
    wards = {
        str((view_row(application, t, "referral_id", referral_id) or {})["ward_id"]) for t in tables
    }
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as curs:
        curs.execute(
            "SELECT ward_id FROM early_warning_clocks WHERE subject = %s AND active",
            (str(referral_id),),
        )
        return wards | {str(r["ward_id"]) for r in curs.fetchall()}


def placed(application: Sukuma, referral_id: UUID) -> tuple[str, str | None]:
    """Where the referral aggregate is followed up, and the survivor it follows (if merged)."""
    referral = application.get(Referral, referral_id)
    return referral.ward_id, referral.survivor_id


def view_row(
    application: Sukuma, table: str, key: str, value: object, present: bool = True
) -> dict[str, Any] | None:
    """A view's row by its key (``present``: it must be there)."""
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as curs:
        curs.execute(
            SQL("SELECT * FROM {} WHERE {} = %s").format(Identifier(table), Identifier(key)),
            (value,),
        )
        row = curs.fetchone()
    assert row is not None or not present
    return None if row is None else dict(row)


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    needs=st.integers(0, 2),
    survivor_needs=st.integers(0, 1),
    visits=st.integers(0, 2),
    referred=st.booleans(),
    survivor_first=st.booleans(),
    other_ward=st.booleans(),
    child=st.booleans(),
    moved=st.booleans(),
)
# The duplicate's referral and child-protection need handed to a survivor in the next ward
@example(
    needs=1, survivor_needs=0, visits=1, referred=True, survivor_first=True, other_ward=True,
    child=True, moved=False,
)  # fmt: skip
# ... which then moves to a third ward, taking the duplicate's open referral with it
@example(
    needs=1, survivor_needs=1, visits=0, referred=True, survivor_first=True, other_ward=True,
    child=False, moved=True,
)  # fmt: skip
def test_merge_then_unmerge_leaves_every_view_as_if_neither_happened(
    application: Sukuma,
    needs: int,
    survivor_needs: int,
    visits: int,
    referred: bool,
    survivor_first: bool,
    other_ward: bool,
    child: bool,
    moved: bool,
) -> None:
    # Given one family profiled twice (the second time maybe in the next ward), with needs,
    # maybe a child-protection need, a referral, and visits on the second record, maybe needs
    # on the first
    ctx = CommandContext(actor="convener", occurred_at=datetime.now(UTC))
    wards = (WARD, "KZN225-W002" if other_ward else WARD)
    ids = one_family_twice(application, wards)
    survivor, duplicate = (ids[0], ids[1]) if survivor_first else (ids[1], ids[0])
    theirs = add_needs(application, ids[1], needs, ctx)
    add_needs(application, ids[1], int(child), ctx, "child_protection")
    add_needs(application, ids[0], survivor_needs, ctx)
    referral_id = uuid4()
    if referred and theirs:
        application.make_referral(
            referral_id=referral_id,
            household_id=ids[1],
            need_id=theirs[0],
            department_code="MUNI",
            personal_data_shared=False,
            note=None,
            ctx=ctx,
        )
    for _ in range(visits):
        application.record_visit(
            household_id=ids[1],
            visit_id=uuid4(),
            field_worker_id=None,
            outcome="completed",
            days_skipped_meal_last_7=None,
            note=None,
            ctx=ctx,
        )
    pair = candidate_id(*ids)
    build_projector(application).run_once()
    before = views(application)
    aggregate_before = placed(application, referral_id) if referred and theirs else None
    assert application.get(DuplicateCandidate, pair).status == "open"
    month = date(ctx.occurred_at.year, ctx.occurred_at.month, 1)
    released = Publisher(application.factory.datastore, k=5, grace_days=7)  # type: ignore[attr-defined]
    profiled = [
        f.household_id for f in released.facts_of(month) if f.measure == "households_profiled"
    ]

    # When the pair is merged and projected, the views follow the merge
    application.merge_households(pair, survivor, ctx)
    build_projector(application).run_once()
    assert (
        nerve_centre_row(application, "households", "household_id", duplicate)["merged_into"]
        == survivor
    )
    folded = nerve_centre_row(application, "households", "household_id", survivor)["open_needs"]
    duplicates_needs = theirs if duplicate == ids[1] else []
    assert set(duplicates_needs) <= set(folded)
    # open data counts the pair as the survivor, one household profiled,
    counted = [
        f.household_id for f in released.facts_of(month) if f.measure == "households_profiled"
    ]
    assert len(counted) == len(profiled) - 1 and duplicate not in counted and survivor in counted
    assert {f.household_id for f in released.facts_of(month)}.isdisjoint({duplicate})
    survivor_ward = wards[ids.index(survivor)]
    if referred and theirs:
        # the referral of the second record names the survivor (unless it is the survivor's),
        # and is followed up in the survivor's ward (in the nerve centre and open data)
        row = nerve_centre_row(application, "referrals", "referral_id", referral_id)
        expected = (survivor, duplicate) if duplicate == ids[1] else (ids[1], None)
        assert (row["household_id"], row["merged_from"]) == expected
        assert row["ward_id"] == (survivor_ward if duplicate == ids[1] else wards[1])
        assert view_row(application, "open_data_referrals", "referral_id", referral_id)[
            "ward_id"
        ] == (survivor_ward if duplicate == ids[1] else wards[1])
        # and the referral aggregate is where the views follow it up (access and the feed
        # follow the aggregate: one rule), following the survivor when it is the duplicate's
        assert placed(application, referral_id) == (
            row["ward_id"],
            str(survivor) if duplicate == ids[1] else None,
        )
    # the survivor's child-protection clock runs (EW-05), whichever record holds the need
    assert child_clock(application, survivor) == (True if child else None)
    # and when the survivor maybe moves to a third ward (the duplicate's open referral with it)
    if moved:
        application.move_household(survivor, THIRD_WARD, None, ctx)
        build_projector(application).run_once()
        if referred and theirs and duplicate == ids[1]:
            assert referral_wards(application, referral_id) == {THIRD_WARD}
            assert placed(application, referral_id)[0] == THIRD_WARD
    # and when it is unmerged and projected again
    application.unmerge_households(pair, "two families", ctx)
    build_projector(application).run_once()

    # Then the duplicate's referral aggregate is as before (its ward, following its own
    # household; the survivor's own referral moved with the survivor),
    if referred and theirs and (duplicate == ids[1] or not moved):
        assert placed(application, referral_id) == aggregate_before
    # and every view reads as before (but the survivor's own rows, when it moved: every row
    # naming the duplicate, its needs or its referral is as if it had never been merged)
    if moved:
        named = (duplicate, *((referral_id, *theirs) if duplicate == ids[1] else ()))
        assert about(views(application), *named) == about(before, *named)
    else:
        assert views(application) == before


async def test_a_pair_across_two_wards_is_decided_only_by_whoever_sees_both(
    application: Sukuma, client_as: ClientAs
) -> None:
    # Given one family profiled in ward W001 and again in W002
    ids = one_family_twice(application, (WARD, "KZN225-W002"))
    build_projector(application).run_once()
    pair = candidate_id(*ids)
    one_ward = await client_as(Role.CONVENER, f"ward:{WARD}")
    both = await client_as(Role.CONVENER, f"ward:{WARD}", "ward:KZN225-W002")

    # A convener of one ward neither sees the pair nor merges it: 404, as any unseen object
    assert (await get_json(one_ward, "/v1/duplicates"))["count"] == 0
    refused = await one_ward.post(f"/v1/duplicates/{pair}/merge", json={"survivor_id": str(ids[0])})
    assert refused.status_code == 404
    # and reading the merged household answers the survivor only to whoever sees both.
    await post_ok(both, f"/v1/duplicates/{pair}/merge", {"survivor_id": str(ids[1])})
    assert (await get_json(both, f"/v1/households/{ids[0]}"))["id"] == str(ids[1])
    alone = await get_json(one_ward, f"/v1/households/{ids[0]}")
    assert alone["id"] == str(ids[0]) and alone["merged_into"] == str(ids[1])
    assert alone["note"] is None


def test_scan_brings_households_recorded_before_the_matcher_into_it(
    application: Sukuma, fresh_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given one family recorded twice the way the demo records households: straight into
    # the log, never through the matcher
    ctx = CommandContext(actor="demo", occurred_at=datetime.now(UTC))
    ids = [uuid4(), uuid4()]
    for household_id in ids:
        household = Household(
            id=household_id,
            ward_id=WARD,
            dwelling_type="formal",
            village=None,
            gps=None,
            field_worker_id=None,
            occurred_at=ctx.occurred_at,
            actor=ctx.actor,
        )
        apply_profile(household, make_profile(), None, ctx.occurred_at, ctx.actor)
        application.save(household)
    assert matcher_rows(application, ids[0]) == 0
    monkeypatch.setenv("SUKUMA_DATABASE_URL", fresh_db_url)
    monkeypatch.setenv("SUKUMA_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("SUKUMA_MASTER_KEY", TEST_MASTER_KEY)

    # When the scan runs, twice
    first = CliRunner().invoke(cli, ["duplicates", "scan", "--batch", "1"])
    again = CliRunner().invoke(cli, ["duplicates", "scan"])

    # Then the pair is proposed once, and both households are in the index
    assert first.exit_code == 0, first.output
    assert "households scanned: 2; pairs proposed: 1" in first.output
    assert "households scanned: 2; pairs proposed: 0" in again.output
    assert application.get(DuplicateCandidate, candidate_id(*ids)).status == "open"
    assert all(matcher_rows(application, h) > 0 for h in ids)


async def test_merged_in_needs_read_as_broadly_as_on_their_own_household(
    application: Sukuma, client_as: ClientAs
) -> None:
    # Given a pair whose duplicate has a gender-based-violence need, merged
    ids = one_family_twice(application, (WARD, WARD))
    ctx = CommandContext(actor="convener", occurred_at=datetime.now(UTC))
    need_id = uuid4()
    application.identify_need(
        household_id=ids[1],
        need_id=need_id,
        category="gbv",
        severity="high",
        department_code=None,
        member_id=None,
        note=None,
        ctx=ctx,
    )
    application.merge_households(candidate_id(*ids), ids[0], ctx)
    analyst = await client_as(Role.ANALYST, f"ward:{WARD}")  # no pii:read
    convener = await client_as(Role.CONVENER, f"ward:{WARD}")

    # When each reads the survivor, its merged-in need reads as on the duplicate's own read
    def category(read: dict[str, Any]) -> str:
        return next(n["category"] for n in read["needs"] if n["need_id"] == str(need_id))

    survivor = f"/v1/households/{ids[0]}"
    assert category(await get_json(analyst, survivor)) == "safety"
    assert category(await get_json(analyst, f"/v1/households/{ids[1]}")) == "safety"
    assert category(await get_json(convener, survivor)) == "gbv"


def test_a_register_repeating_one_household_proposes_each_with_its_best_few_only(
    application: Sukuma,
) -> None:
    ctx = CommandContext(actor="importer", occurred_at=datetime.now(UTC))
    import_register(application, register_of(12), "same.csv", ctx)
    proposals = [
        e
        for n in application.recorder.select_notifications(
            1, 1000, topics=[get_topic(DuplicateCandidate.Proposed)]
        )
        for e in [application.repository.get(n.originator_id)]
    ]
    # each household brings at most its best few pairs (not one with every other)
    assert 0 < len(proposals) <= 12 * MOST_PER_HOUSEHOLD < 12 * 11 // 2
