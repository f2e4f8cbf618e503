"""Indicator arithmetic over roll-up rows (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from projections.nerve_centre.indicators import (
    DEFINITIONS,
    AreaFacts,
    current,
    ward_functionality,
    weekly,
)

TODAY = date(2026, 11, 23)  # a Monday


def facts(**kw: object) -> AreaFacts:
    base: dict[str, object] = {"today": TODAY, "counts": {}, "daily": {}, "open_made": {}}
    base.update(kw)
    return AreaFacts(**base)  # type: ignore[arg-type]


def test_every_indicator_of_the_set_is_defined() -> None:
    assert set(DEFINITIONS) == {f"M{n}" for n in range(1, 14)}


def test_weekly_series_buckets_by_iso_week_and_divides_rates() -> None:
    daily = {
        ("needs_referable", TODAY - timedelta(days=7)): 4,
        ("needs_referred_14d", TODAY - timedelta(days=6)): 3,
        ("profiled_households", TODAY): 2,
        ("needs:water", TODAY): 1,
        ("needs", TODAY): 1,
    }
    series = weekly(facts(daily=daily), weeks=2)

    assert [w["week_start"] for w in series] == ["2026-11-16", "2026-11-23"]
    assert series[0]["M4_referral_rate"] == 0.75
    assert series[1]["M4_referral_rate"] is None  # no referable needs: no rate, not zero
    assert series[1]["M1_households_profiled"] == 2
    assert series[1]["M3_needs_by_category"] == {"water": 1}


def test_backlog_ageing_buckets_and_closure_percentiles() -> None:
    open_made = {TODAY: 2, TODAY - timedelta(days=10): 1, TODAY - timedelta(days=100): 5}
    counts = {"complete_days:3": 5, "complete_days:10": 4, "complete_days:40": 1}

    now = current(facts(open_made=open_made, counts=counts))

    assert now["M8_backlog_ageing"] == {"0-7": 2, "8-30": 1, "31-90": 0, "over-90": 5}
    assert now["M7_days_to_closure"] == {"count": 10, "median": 3, "p90": 10}


def test_profile_freshness_counts_this_month_and_the_eleven_before() -> None:
    counts = {
        "households_active": 4,
        "profile_month:2026-11": 1,
        "profile_month:2025-12": 1,
        "profile_month:2025-11": 2,  # twelve months back: stale
    }
    assert current(facts(counts=counts))["M2_profile_freshness"] == 0.5


def test_field_worker_share_active_in_last_14_days() -> None:
    workers = [
        (datetime(2026, 11, 20, tzinfo=UTC), True),
        (datetime(2026, 10, 1, tzinfo=UTC), True),
        (None, True),
        (datetime(2026, 11, 22, tzinfo=UTC), False),
    ]
    now = current(facts(field_workers=workers))
    assert now["M11_active_field_workers"] == 3
    assert now["M11_share_submitted_last_14_days"] == round(1 / 3, 4)


def test_ward_meeting_weekly_with_core_departments_is_fully_functional() -> None:
    daily: dict[tuple[str, date], int] = {}
    for week in range(4):
        day = TODAY - timedelta(weeks=week)
        daily["meetings", day] = 1
        for dept in ("DSD", "SASSA", "DOH", "DHA", "DBE"):
            daily[f"attended:{dept}", day] = 1
    daily["profiles", TODAY] = 1
    counts = {"acknowledged": 10, "acknowledged_within": 8}

    result = ward_functionality(facts(daily=daily, counts=counts), established=True)

    assert result["class"] == "fully_functional"
    assert result["rule_version"] == "functionality-v1"
