"""Snapshots (every ``SNAPSHOT_INTERVAL`` events): a household loaded from its latest snapshot
and the events after it equals one replayed from every event; no snapshot holds personal
data in the clear, before or after an erasure; a master-key rotation leaves them readable;
optimistic concurrency and idempotency answer as before."""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pydantic import SecretStr
from typer.testing import CliRunner

from adapters.data_keys import ERASED_KEY
from adapters.snapshots import SEALED
from domain.application import replay
from domain.context import CommandContext
from domain.errors import DomainError
from domain.households.model import Household
from domain.snapshots import SNAPSHOT_INTERVAL
from domain.sukuma import Sukuma
from sukuma.cli import cli
from sukuma.settings import Settings
from sukuma.wiring import build_application
from tests.conftest import TEST_MASTER_KEY
from tests.factories import make_member, make_profile
from tests.integration.helpers import database_text, post_ok
from tests.integration.test_erasure import SECRETS, datastore_of, found, seed
from tests.integration.test_key_rotation import NEW_MASTER_KEY, cli_env

pytestmark = pytest.mark.integration


def state(aggregate: Any) -> dict[str, Any]:
    """What a load gives: the aggregate's attributes (none pending)."""
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def replayed(app: Sukuma, household_id: UUID, version: int | None = None) -> Household:
    """The household from every one of its events, no snapshot."""
    household: Household = replay(None, app.repository.event_store.get(household_id, lte=version))
    return household


def snapshot_versions(app: Sukuma, household_id: UUID) -> list[int]:
    with datastore_of(app).transaction(commit=False) as curs:
        curs.execute(
            "SELECT originator_version FROM sukuma_snapshots WHERE originator_id = %s ORDER BY 1",
            (household_id,),
        )
        return [row["originator_version"] for row in curs.fetchall()]


def register(app: Sukuma, ward_id: str, ctx: CommandContext) -> UUID:
    household_id = uuid.uuid4()
    app.register_household(
        household_id=household_id,
        ward_id=ward_id,
        dwelling_type="informal",
        village="Esigodini",
        gps={"lat": -29.6, "lon": 30.4},
        field_worker_id=None,
        ctx=ctx,
    )
    return household_id


def visited(app: Sukuma, ward_id: str, ctx: CommandContext, visits: int) -> UUID:
    """A registered household with this many visits after it (noted)."""
    household_id = register(app, ward_id, ctx)
    for n in range(visits):
        visit(app, household_id, f"visit {n}: Gogo Mthembu's knee again", ctx)
    return household_id


def visit(app: Sukuma, household_id: UUID, note: str, ctx: CommandContext) -> None:
    app.record_visit(
        household_id=household_id,
        visit_id=uuid.uuid4(),
        field_worker_id=None,
        outcome="met_household",
        days_skipped_meal_last_7=None,
        note=note,
        ctx=ctx,
    )


STEPS = st.lists(
    st.sampled_from(
        ["visit", "need", "resolve", "consent", "withdraw", "profile", "edit", "erase"]
    ),
    min_size=5,
    max_size=28,
)


def apply_step(app: Sukuma, household_id: UUID, step: str, n: int, ctx: CommandContext) -> None:
    """One command of a generated history (a refused one, e.g. after erasure, changes nothing)."""
    household = app.get(Household, household_id)
    if step == "visit":
        visit(app, household_id, f"visit {n}: Gogo Mthembu's knee", ctx)
    elif step == "need":
        app.identify_need(
            household_id=household_id,
            need_id=uuid.uuid4(),
            category="food_security",
            severity="high",
            department_code=None,
            member_id=None,
            note=f"need {n}: no food since Tuesday",
            ctx=ctx,
        )
    elif step == "resolve" and household.open_needs:
        need = household.open_needs[0]
        app.resolve_need(
            household_id=household_id,
            need_id=need.need_id,
            resolution="met",
            note=f"resolved {n}",
            ctx=ctx,
        )
    elif step == "consent":
        app.give_consent(
            household_id=household_id, given_by="self", basis="consent", note="yes", ctx=ctx
        )
    elif step == "withdraw":
        app.withdraw_consent(household_id, "no longer", ctx)
    elif step in ("profile", "edit") and not household.personal_data_erased:
        # (an edit merged into an erased profile fails: a known limit, not the snapshots')
        head = make_member(first_name=f"Nomvula{n}", phone=f"+27 82 555 {1000 + n}")
        profile = dict(make_profile(members=[head]))
        # An edit from an old version: merged field by field, the head's name contested.
        base = 2 if step == "edit" and household.profile is not None else None
        app.submit_profile_edit(
            household_id=household_id,
            profile=profile,
            field_worker_id=None,
            base_version=base if base and base < household.version else None,
            ctx=ctx,
        )
    elif step == "erase":
        app.erase_personal_data(household_id, "asked", ctx)


@pytest.mark.integration
@hypothesis_settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_a_household_loaded_from_its_snapshot_equals_its_events_replayed(
    application: Sukuma, settings: Settings, ward_id: str, steps: list[str]
) -> None:
    # Given a household with a generated history, each command saved on its own
    start = datetime.now(UTC) - timedelta(days=30)
    household_id = register(application, ward_id, CommandContext("fw", start))
    for n, step in enumerate(steps):
        ctx = CommandContext("fw", start + timedelta(hours=n + 1))
        with contextlib.suppress(DomainError):  # refused by the household's rules: no event
            apply_step(application, household_id, step, n, ctx)

    # Then the snapshots were taken every SNAPSHOT_INTERVAL events (none under an erased key)
    current = replayed(application, household_id)
    taken = snapshot_versions(application, household_id)
    assert all(v % SNAPSHOT_INTERVAL == 0 for v in taken)
    if not current.personal_data_erased:  # the latest only (older ones are deleted)
        every = range(SNAPSHOT_INTERVAL, current.version + 1, SNAPSHOT_INTERVAL)
        assert taken == list(every)[-1:]
    # And a load (the latest snapshot and the events after it) equals the replay of every
    # event, now and at every version, in this process and in one with a cold key cache
    fresh = build_application(settings, str(settings.database_url))
    try:
        for app in (application, fresh):
            assert state(app.get(Household, household_id)) == state(current)
            for version in range(1, current.version + 1):
                loaded = app.get(Household, household_id, version=version)
                assert state(loaded) == state(replayed(app, household_id, version))
    finally:
        fresh.close()


async def test_no_snapshot_holds_personal_data_in_the_clear_and_erasure_reaches_them(
    client: httpx.AsyncClient, application: Sukuma, settings: Settings, ward_id: str
) -> None:
    # Given a household with every kind of personal field and a history long enough for
    # two snapshots (visits with notes)
    household_id, _ = await seed(client, ward_id)
    for n in range(2 * SNAPSHOT_INTERVAL):
        await post_ok(client, f"/v1/households/{household_id}/visits", {"note": f"visit {n}"})
    hid = UUID(household_id)
    taken = snapshot_versions(application, hid)
    version = application.get(Household, hid).version
    assert version >= 2 * SNAPSHOT_INTERVAL
    assert taken == [version - version % SNAPSHOT_INTERVAL]  # the latest only
    # Then the snapshots are sealed (no secret in any table's text)
    assert found(database_text(datastore_of(application))) == {}
    assert all(row.startswith(SEALED) for row in stored_snapshots(application, hid))
    shown = (await client.get(f"/v1/households/{household_id}")).json()
    assert shown["profile"]["members"][0]["first_name"] == SECRETS["first_name"]

    # When it is erased
    await post_ok(client, f"/v1/households/{household_id}/erase", {"reason": "data subject asked"})

    # Then no table holds its personal data, no snapshot opens any more, and it still
    # loads (every event replayed) in a process with a cold key cache, as it did before
    assert found(database_text(datastore_of(application))) == {}
    fresh = build_application(settings, str(settings.database_url))
    try:
        snapshots = fresh.snapshots
        assert snapshots is not None
        latest = list(snapshots.get(hid, desc=True, limit=1))
        assert latest[0].state is None  # type: ignore[attr-defined]
        loaded = fresh.get(Household, hid)
        assert loaded.personal_data_erased
        assert state(loaded) == state(replayed(fresh, hid))
        # And visits after the erasure are recorded; no snapshot is taken under its
        # destroyed key, and the household still loads
        for n in range(SNAPSHOT_INTERVAL):
            visit(fresh, hid, f"after {n}", CommandContext("fw", datetime.now(UTC)))
        assert snapshot_versions(fresh, hid) == taken
        assert state(fresh.get(Household, hid)) == state(replayed(fresh, hid))
    finally:
        fresh.close()
    read = (await client.get(f"/v1/households/{household_id}")).json()
    assert read["personal_data_erased"] is True
    assert not any(secret in str(read) for secret in SECRETS.values())


def stored_snapshots(app: Sukuma, household_id: UUID) -> list[bytes]:
    with datastore_of(app).transaction(commit=False) as curs:
        curs.execute("SELECT state FROM sukuma_snapshots WHERE originator_id = %s", (household_id,))
        return [bytes(row["state"]) for row in curs.fetchall()]


def test_a_master_key_rotation_leaves_snapshots_readable(
    settings: Settings, ward_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a profiled household with a snapshot, sealed under its data key
    url = str(settings.database_url)
    old = build_application(settings, url)
    ctx = CommandContext("fw", datetime.now(UTC))
    household_id = register(old, ward_id, ctx)
    old.submit_profile(household_id, dict(make_profile()), None, ctx)
    for n in range(SNAPSHOT_INTERVAL):
        visit(old, household_id, f"visit {n}", ctx)
    before = state(old.get(Household, household_id))
    assert snapshot_versions(old, household_id)
    old.close()

    # When the master key is replaced (data keys rewrapped, nothing else rewritten)
    cli_env(monkeypatch, url, NEW_MASTER_KEY, TEST_MASTER_KEY)
    rotated = CliRunner().invoke(cli, ["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output

    # Then a process with the new master key alone opens the snapshot as it was
    new_only = settings.model_copy(update={"master_key": SecretStr(NEW_MASTER_KEY)})
    new = build_application(new_only, url)
    try:
        assert new.snapshots is not None
        latest = list(new.snapshots.get(household_id, desc=True, limit=1))
        assert latest[0].state is not None  # type: ignore[attr-defined]
        assert latest[0].originator_version == SNAPSHOT_INTERVAL
        assert state(new.get(Household, household_id)) == before
    finally:
        new.close()


async def test_a_stale_version_is_refused_and_a_retry_replays_on_a_snapshotted_household(
    client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    # Given a household past its first snapshot
    registered = await post_ok(
        client, "/v1/households", {"ward_id": ward_id, "dwelling_type": "formal"}
    )
    url = f"/v1/households/{registered['id']}"
    for n in range(SNAPSHOT_INTERVAL + 2):
        await post_ok(client, f"{url}/visits", {"note": f"visit {n}"})
    assert snapshot_versions(application, UUID(str(registered["id"])))
    current = await client.get(url)
    etag = current.headers["ETag"]
    version = current.json()["version"]
    assert version == SNAPSHOT_INTERVAL + 3

    # When a client sends a visit with the version before the latest one
    stale = await client.post(f"{url}/visits", json={}, headers={"If-Match": f'"{version - 1}"'})
    # Then it is refused, nothing written; with the current version it is recorded
    assert stale.status_code == 412, stale.text
    fresh = await client.post(f"{url}/visits", json={}, headers={"If-Match": etag})
    assert fresh.status_code == 201, fresh.text
    # And a keyed request sent twice is recorded once and answered alike
    keyed = {"Idempotency-Key": "visit-after-snapshot"}
    first = await client.post(f"{url}/visits", json={"note": "once"}, headers=keyed)
    again = await client.post(f"{url}/visits", json={"note": "once"}, headers=keyed)
    assert first.status_code == 201 and again.status_code in (200, 201)
    assert again.json() == first.json()
    assert (await client.get(url)).json()["version"] == version + 2


def test_a_snapshot_taken_again_at_its_version_keeps_the_first(
    application: Sukuma, ward_id: str
) -> None:
    # Given a household with a snapshot at version SNAPSHOT_INTERVAL
    ctx = CommandContext("fw", datetime.now(UTC))
    household_id = visited(application, ward_id, ctx, SNAPSHOT_INTERVAL - 1)
    first = stored_snapshots(application, household_id)
    assert len(first) == 1
    snapshots = application.snapshots
    assert snapshots is not None
    # When the same snapshot is put again (a retry, another process): no error, one row
    taken = Household.Snapshot.take(application.get(Household, household_id, version=10))
    snapshots.put([taken])
    assert stored_snapshots(application, household_id) == first


def test_the_command_that_reaches_an_interval_snapshots_what_it_saved_without_a_reload(
    application: Sukuma, ward_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a household one event short of a snapshot
    ctx = CommandContext("fw", datetime.now(UTC))
    household_id = visited(application, ward_id, ctx, SNAPSHOT_INTERVAL - 2)
    loads: list[int | None] = []
    get = application.repository.get

    def counted(aggregate_id: UUID, **kwargs: Any) -> Any:
        loads.append(kwargs.get("version"))
        return get(aggregate_id, **kwargs)

    monkeypatch.setattr(application.repository, "get", counted)
    # When the command that reaches the interval runs
    visit(application, household_id, "the tenth event", ctx)
    # Then the household was loaded once (by the command), not again to take the snapshot
    assert loads == [None]
    assert snapshot_versions(application, household_id) == [SNAPSHOT_INTERVAL]
    # And the snapshot it took loads as the replay of every event
    monkeypatch.undo()
    assert state(application.get(Household, household_id)) == state(
        replayed(application, household_id)
    )


def toast_chunks(app: Sukuma) -> int:
    """The rows of the snapshots table's TOAST table (where out-of-line values go)."""
    with datastore_of(app).transaction(commit=False) as curs:
        curs.execute(
            "SELECT reltoastrelid::regclass::text AS toast FROM pg_class"
            " WHERE oid = 'sukuma_snapshots'::regclass"
        )
        row = curs.fetchone()
        assert row is not None
        curs.execute(f"SELECT count(*) AS n FROM {row['toast']}")
        counted = curs.fetchone()
        assert counted is not None
        return int(counted["n"])


def test_a_snapshot_stays_in_its_row_not_in_the_toast_table(
    application: Sukuma, ward_id: str
) -> None:
    # Given a household one event short of a snapshot past PostgreSQL's default TOAST
    # threshold (about 2 KB)
    ctx = CommandContext("fw", datetime.now(UTC))
    household_id = visited(application, ward_id, ctx, SNAPSHOT_INTERVAL - 2)
    chunks = toast_chunks(application)
    # When the command that reaches the interval snapshots it
    visit(application, household_id, "the tenth event", ctx)
    # Then its sealed state is kept in the snapshot's own row (migration 0038)
    (stored,) = stored_snapshots(application, household_id)
    assert len(stored) > 2100
    assert toast_chunks(application) == chunks


def test_a_load_reads_its_data_key_in_the_same_round_trip(
    application: Sukuma, settings: Settings, ward_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a household with a sealed snapshot and another whose data are erased
    ctx = CommandContext("fw", datetime.now(UTC))
    household_id = visited(application, ward_id, ctx, SNAPSHOT_INTERVAL + 1)
    erased_id = visited(application, ward_id, ctx, SNAPSHOT_INTERVAL + 1)
    application.erase_personal_data(erased_id, "asked", ctx)
    # When a process whose key cache is cold reads their records (a load's one statement)
    fresh = build_application(settings, str(settings.database_url))
    try:
        recorder = fresh.recorder
        keys = recorder.data_keys  # type: ignore[attr-defined]
        stored = recorder.select_snapshot_and_events(household_id)  # type: ignore[attr-defined]
        recorder.select_snapshot_and_events(erased_id)  # type: ignore[attr-defined]
        # Then their keys are known without a look-up of their own (none could be made now)
        monkeypatch.setattr(keys, "datastore", None)
        assert keys.key(erased_id) == ERASED_KEY
        loaded = replay(None, map(fresh.mapper.to_domain_event, stored))
        assert state(loaded) == state(application.get(Household, household_id))
    finally:
        monkeypatch.undo()
        fresh.close()
