"""The nerve-centre projection over real commands: rows, area totals, exactly-once resume."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from domain.context import CommandContext
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from projections.registry import open_projections
from projections.runner import BatchRunner


def ctx(days_ago: float = 0) -> CommandContext:
    return CommandContext(actor="tester", occurred_at=datetime.now(UTC) - timedelta(days=days_ago))


def seed(app: Sukuma, ward_id: str) -> dict[str, Any]:
    household_id, need_id, referral_id = uuid4(), uuid4(), uuid4()
    app.register_household(
        household_id=household_id,
        ward_id=ward_id,
        dwelling_type="informal",
        village=None,
        gps=None,
        field_worker_id=None,
        ctx=ctx(10),
    )
    app.identify_need(
        household_id=household_id,
        need_id=need_id,
        category="social_grant",
        severity="high",
        department_code=None,
        member_id=None,
        note=None,
        ctx=ctx(9),
    )
    app.make_referral(
        referral_id=referral_id,
        household_id=household_id,
        need_id=str(need_id),
        department_code="SASSA",
        personal_data_shared=False,
        note=None,
        ctx=ctx(9),
    )
    app.acknowledge_referral(referral_id, None, ctx(8))
    other = uuid4()
    app.register_household(
        household_id=other,
        ward_id=ward_id,
        dwelling_type="formal",
        village=None,
        gps=None,
        field_worker_id=None,
        ctx=ctx(5),
    )
    app.identify_need(
        household_id=other,
        need_id=uuid4(),
        category="water",
        severity="low",
        department_code=None,
        member_id=None,
        note=None,
        ctx=ctx(5),
    )
    return {"household_id": household_id, "referral_id": referral_id}


def table(app: Sukuma, name: str, order: str) -> list[dict[str, Any]]:
    with app.factory.datastore.transaction(commit=False) as curs:  # type: ignore[attr-defined]
        curs.execute(f"SELECT * FROM nerve_centre_{name} ORDER BY {order}")
        return [dict(r) for r in curs.fetchall()]


def counts(app: Sukuma, level: str, code: str) -> dict[str, int]:
    rows = table(app, "area_counts", "metric")
    return {r["metric"]: r["value"] for r in rows if r["level"] == level and r["code"] == code}


def test_projection_builds_rows_and_totals_at_every_level(application: Sukuma) -> None:
    ward_id = geography().wards_in("municipality", "KZN225")[0].id
    ids = seed(application, ward_id)
    runner = BatchRunner(
        application.recorder,
        application.name,
        open_projections(application.factory.datastore),  # type: ignore[attr-defined]
    )

    processed = runner.run_once()

    assert processed == application.recorder.max_notification_id()
    referral = table(application, "referrals", "referral_id")[0]
    assert referral["referral_id"] == ids["referral_id"]
    assert referral["status"] == "acknowledged"
    assert referral["municipality"] == "KZN225"
    for level, code in [
        ("ward", ward_id),
        ("municipality", "KZN225"),
        ("district", "DC22"),
        ("province", "KZN"),
    ]:
        totals = counts(application, level, code)
        assert totals["households"] == 2
        assert totals["households_registered"] == 2
        assert totals["needs_open"] == 2
        assert totals["needs_open_high"] == 1
        assert totals["referrals_open"] == 1
        assert totals["referrals_acknowledged"] == 1
    assert runner.run_once() == 0  # nothing new: nothing processed twice


def test_incremental_pages_equal_one_rebuild(application: Sukuma) -> None:
    ward_id = geography().wards_in("municipality", "KZN225")[3].id
    for _ in range(3):
        seed(application, ward_id)
    store = application.factory.datastore  # type: ignore[attr-defined]
    small = BatchRunner(
        application.recorder, application.name, open_projections(store), page_size=2
    )
    small.run_once()
    rebuilt = BatchRunner(
        application.recorder,
        application.name,
        open_projections(store, table_prefix="rebuild_"),
        page_size=1000,
    )
    rebuilt.run_once()

    for name, order in [
        ("households", "household_id"),
        ("referrals", "referral_id"),
        ("area_counts", "level, code, metric"),
        ("open_due", "level, code, due"),
    ]:
        with store.transaction(commit=False) as curs:
            curs.execute(f"SELECT * FROM nerve_centre_{name} ORDER BY {order}")
            incremental = [dict(r) for r in curs.fetchall()]
            curs.execute(f"SELECT * FROM rebuild_nerve_centre_{name} ORDER BY {order}")
            full = [dict(r) for r in curs.fetchall()]
        assert incremental == full, name
        assert incremental


def test_rebuild_swaps_in_equal_tables_and_a_live_runner_carries_on(application: Sukuma) -> None:
    from projections.rebuild import rebuild

    ward_id = geography().wards_in("municipality", "KZN225")[5].id
    seed(application, ward_id)
    store = application.factory.datastore  # type: ignore[attr-defined]
    live = BatchRunner(application.recorder, application.name, open_projections(store))  # type: ignore[arg-type]
    live.run_once()
    before = table(application, "area_counts", "level, code, metric")

    for _ in range(2):  # twice: index and table names must be free again after a swap
        rebuild(application.recorder, application.name, store, "nerve_centre")  # type: ignore[arg-type]
        assert table(application, "area_counts", "level, code, metric") == before
    seed(application, ward_id)
    live.run_once()  # its position moved under it: it forgets its cache and carries on

    assert counts(application, "ward", ward_id)["households"] == 4
    assert counts(application, "ward", ward_id)["referrals_open"] == 2
    with store.transaction(commit=False) as curs:
        curs.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'rebuild_%'")
        assert curs.fetchall() == []
