"""The indicators of one area (GET /v1/indicators): its roll-up rows, then the pure formulas.

Every query reads per-area roll-ups (or per-ward aggregates for the functionality classes),
so the cost depends on the number of wards and days, never on the number of households.
Given an ``AsOf``, the roll-ups are read as known at the end of that day (``queries.asof``),
and the field workers (M11) from the field-activity logs (``projections.field_activity``).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from domain.reference.geography import geography
from domain.rules.functionality import CORE_DEPARTMENTS, WarRoomFacts, classify
from projections.field_activity import queries as field_activity
from projections.nerve_centre.indicators import (
    DEFINITIONS,
    AreaFacts,
    current,
    share,
    ward_functionality,
    week_start,
    weekly,
)
from projections.nerve_centre.queries.asof import AsOf, daily, totals
from projections.nerve_centre.tables import AREA_COUNTS, FIELD_WORKERS, OPEN_MADE, WARD_WEEKS
from projections.nerve_centre.ward_weeks import WardActivity, activity, first_week
from projections.scoping import Db

# The groups an as-of read takes from the snapshots (``queries.asof``), by the reads' own $n.
_AREA = "SELECT $1::text AS level, $2::text AS code"
_WARDS = "SELECT 'ward'::text AS level, unnest($1::text[]) AS code"


async def indicators(
    db: Db, level: str, code: str, weeks: int, today: date, as_of: AsOf | None = None
) -> dict[str, Any]:
    """Weekly flow indicators and today's stock indicators for one area, with definitions
    (``db``: a pool, whose connections the reads share out)."""
    today = as_of.day if as_of else today
    day: list[Any] = [as_of.day] if as_of else []  # the as-of day, bound last
    since = min(week_start(today) - timedelta(weeks=weeks - 1), today - timedelta(weeks=8))
    wards = [w.id for w in geography().wards_in(level, code)]
    # The reads are independent: each on its own connection of the pool, at once (an area's
    # M9 is the slowest; the others finish meanwhile).
    count_rows, flow_rows, made_rows, worker_rows, classes = await asyncio.gather(
        db.fetch(
            f"SELECT metric, value FROM {totals(AREA_COUNTS, as_of, '$3', _AREA)} c "
            "WHERE level = $1 AND code = $2",
            level,
            code,
            *day,
        ),
        db.fetch(
            f"SELECT metric, day, value FROM {daily(as_of, '$4')} a "
            "WHERE level = $1 AND code = $2 AND day >= $3",
            level,
            code,
            since,
            *day,
        ),
        db.fetch(
            f"SELECT made, value FROM {totals(OPEN_MADE, as_of, '$3', _AREA)} m "
            "WHERE level = $1 AND code = $2",
            level,
            code,
            *day,
        ),
        # M11 as of a day comes from the field workers' logs
        field_activity.workers(db, wards, as_of)
        if as_of
        else db.fetch(
            f"SELECT last_submission_at, active FROM {FIELD_WORKERS} WHERE ward_ids && $1::text[]",
            wards,
        ),
        _ward_classes(db, wards, today, as_of) if level != "ward" else _no_classes(),
    )
    counts = {r["metric"]: int(r["value"]) for r in count_rows}
    flows = {(r["metric"], r["day"]): int(r["value"]) for r in flow_rows}
    made = {r["made"]: int(r["value"]) for r in made_rows}
    workers: list[tuple[datetime | None, bool]] = [
        (r["last_submission_at"], r["active"]) for r in worker_rows
    ]
    facts = AreaFacts(today, counts, flows, made, workers)
    if level == "ward":
        functionality: dict[str, Any] = ward_functionality(facts, counts.get("war_rooms", 0) > 0)
    else:
        functionality = {"wards_by_class": classes}
    return {
        "level": level,
        "code": code,
        "as_of": today,
        "definitions": DEFINITIONS,
        "current": {**current(facts), "M9_functionality": functionality},
        "weekly": weekly(facts, weeks),
    }


async def _no_classes() -> dict[str, int]:
    return {}  # a ward's M9 is its own class (``ward_functionality``), not a count of wards


async def _ward_classes(
    db: Db, wards: list[str], today: date, as_of: AsOf | None
) -> dict[str, int]:
    """M9 for every ward of an area, counted by class (one grouped query per table)."""
    day: list[Any] = [as_of.day] if as_of else []
    found, count_rows = await asyncio.gather(
        _activity(db, wards, today) if as_of is None else _activity_as_of(db, wards, today, as_of),
        db.fetch(
            f"SELECT code, metric, value FROM {totals(AREA_COUNTS, as_of, '$3', _WARDS)} c "
            "WHERE level = 'ward' AND code = ANY($1::text[]) AND metric = ANY($2::text[])",
            wards,
            ["war_rooms", "acknowledged", "acknowledged_within"],
            *day,
        ),
    )
    counts: dict[str, dict[str, int]] = {}
    for r in count_rows:
        counts.setdefault(r["code"], {})[r["metric"]] = int(r["value"])
    classes: Counter[str] = Counter()
    for ward in wards:
        a, c = found.get(ward, WardActivity()), counts.get(ward, {})
        facts = WarRoomFacts(
            established=c.get("war_rooms", 0) > 0,
            weeks_met_of_last_4=a.weeks_met,
            core_attendance_share=share(a.core_present, a.meetings * len(CORE_DEPARTMENTS)),
            ack_within_share=share(c.get("acknowledged_within", 0), c.get("acknowledged", 0)),
            profiles_last_14_days=a.profiles,
        )
        classes[classify(facts).level] += 1
    return dict(sorted(classes.items()))


async def _activity(db: Db, wards: list[str], today: date) -> dict[str, WardActivity]:
    """Today's: each ward's rows of M9's figures by week (``ward_weeks``), 9 a ward."""
    rows = await db.fetch(
        f"SELECT ward_id, week, meetings, core_present, profiles FROM {WARD_WEEKS} "
        "WHERE ward_id = ANY($1::text[]) AND week >= $2",
        wards,
        first_week(today),
    )
    return activity(rows, today)


async def _activity_as_of(
    db: Db, wards: list[str], today: date, as_of: AsOf
) -> dict[str, WardActivity]:
    """As of a day: from the daily flows as then known (``queries.asof.daily``)."""
    recent = today - timedelta(weeks=8)
    this_week = week_start(today)
    core = [f"attended:{d}" for d in CORE_DEPARTMENTS]
    # One row a ward from only the rows M9 reads: 8 weeks of meetings and of attendance, the
    # profiles of the last 14 days; three index ranges a ward where a metric each made nine
    # (a third of the pages read before). Every "attended:<department>" metric is in one key
    # range ['attended', 'attendee') in any collation (one that ignores the colon too); the
    # FILTER keeps the core departments'. The weeks met of the last 4 are bits (week 0 starts
    # at $3, a Monday), counted below.
    rows = await db.fetch(
        "SELECT code, bit_or(1 << ((day - $3::date) / 7)) FILTER (WHERE metric = 'meetings' "
        "AND day >= $3) AS weeks_met, "
        "coalesce(sum(value) FILTER (WHERE metric = 'meetings'), 0) AS meetings, "
        "coalesce(sum(value) FILTER (WHERE metric = ANY($4::text[])), 0) AS core_present, "
        "coalesce(sum(value) FILTER (WHERE metric = 'profiles'), 0) AS profiles "
        f"FROM {daily(as_of, '$6')} a WHERE level = 'ward' AND code = ANY($1::text[]) "
        "AND ((metric = 'meetings' AND day > $2) "
        "OR (metric >= 'attended' AND metric < 'attendee' AND day > $2) "
        "OR (metric = 'profiles' AND day > $5)) GROUP BY code",
        wards,
        recent,
        this_week - timedelta(weeks=3),
        core,
        today - timedelta(days=14),
        as_of.day,
    )
    return {
        r["code"]: WardActivity(
            (r["weeks_met"] or 0).bit_count(),
            int(r["meetings"]),
            int(r["core_present"]),
            int(r["profiles"]),
        )
        for r in rows
    }
