"""The indicators of one area (GET /v1/indicators): its roll-up rows, then the pure formulas.

Every query reads per-area roll-ups (or per-ward aggregates for the functionality classes),
so the cost depends on the number of wards and days, never on the number of households.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from domain.reference.geography import geography
from domain.rules.functionality import CORE_DEPARTMENTS, WarRoomFacts, classify
from projections.nerve_centre.indicators import (
    DEFINITIONS,
    AreaFacts,
    current,
    share,
    ward_functionality,
    week_start,
    weekly,
)
from projections.nerve_centre.view import AREA_COUNTS, AREA_DAILY, FIELD_WORKERS, OPEN_MADE
from projections.scoping import Db


async def indicators(db: Db, level: str, code: str, weeks: int, today: date) -> dict[str, Any]:
    """Weekly flow indicators and today's stock indicators for one area, with definitions."""
    since = min(week_start(today) - timedelta(weeks=weeks - 1), today - timedelta(weeks=8))
    counts = {
        r["metric"]: int(r["value"])
        for r in await db.fetch(
            f"SELECT metric, value FROM {AREA_COUNTS} WHERE level = $1 AND code = $2",
            level,
            code,
        )
    }
    daily = {
        (r["metric"], r["day"]): int(r["value"])
        for r in await db.fetch(
            f"SELECT metric, day, value FROM {AREA_DAILY} "
            "WHERE level = $1 AND code = $2 AND day >= $3",
            level,
            code,
            since,
        )
    }
    made = {
        r["made"]: int(r["value"])
        for r in await db.fetch(
            f"SELECT made, value FROM {OPEN_MADE} WHERE level = $1 AND code = $2",
            level,
            code,
        )
    }
    wards = [w.id for w in geography().wards_in(level, code)]
    workers: list[tuple[datetime | None, bool]] = [
        (r["last_submission_at"], r["active"])
        for r in await db.fetch(
            f"SELECT last_submission_at, active FROM {FIELD_WORKERS} WHERE ward_ids && $1::text[]",
            wards,
        )
    ]
    facts = AreaFacts(today, counts, daily, made, workers)
    if level == "ward":
        functionality: dict[str, Any] = ward_functionality(facts, counts.get("war_rooms", 0) > 0)
    else:
        functionality = {"wards_by_class": await _ward_classes(db, wards, today)}
    return {
        "level": level,
        "code": code,
        "as_of": today,
        "definitions": DEFINITIONS,
        "current": {**current(facts), "M9_functionality": functionality},
        "weekly": weekly(facts, weeks),
    }


async def _ward_classes(db: Db, wards: list[str], today: date) -> dict[str, int]:
    """M9 for every ward of an area, counted by class (one grouped query per table)."""
    recent = today - timedelta(weeks=8)
    this_week = week_start(today)
    core = [f"attended:{d}" for d in CORE_DEPARTMENTS]
    # Only the metrics M9 reads (the key's order: level, code, metric, day), summed per ward
    # and week first: hash aggregates, where count(DISTINCT week) sorted every row.
    rows = await db.fetch(
        "SELECT code, count(*) FILTER (WHERE met) AS weeks_met, "
        "coalesce(sum(meetings), 0) AS meetings, coalesce(sum(core_present), 0) AS core_present, "
        "coalesce(sum(profiles), 0) AS profiles FROM ("
        "SELECT code, bool_or(metric = 'meetings' AND day >= $3) AS met, "
        "sum(value) FILTER (WHERE metric = 'meetings') AS meetings, "
        "sum(value) FILTER (WHERE metric = ANY($4::text[])) AS core_present, "
        "sum(value) FILTER (WHERE metric = 'profiles' AND day > $5) AS profiles "
        f"FROM {AREA_DAILY} WHERE level = 'ward' AND code = ANY($1::text[]) AND day > $2 "
        "AND metric = ANY($6::text[]) GROUP BY code, date_trunc('week', day)) weeks "
        "GROUP BY code",
        wards,
        recent,
        this_week - timedelta(weeks=3),
        core,
        today - timedelta(days=14),
        ["meetings", "profiles", *core],
    )
    activity = {r["code"]: r for r in rows}
    counts: dict[str, dict[str, int]] = {}
    for r in await db.fetch(
        f"SELECT code, metric, value FROM {AREA_COUNTS} WHERE level = 'ward' "
        "AND code = ANY($1::text[]) AND metric = ANY($2::text[])",
        wards,
        ["war_rooms", "acknowledged", "acknowledged_within"],
    ):
        counts.setdefault(r["code"], {})[r["metric"]] = int(r["value"])
    classes: Counter[str] = Counter()
    for ward in wards:
        a, c = activity.get(ward), counts.get(ward, {})
        meetings = int(a["meetings"]) if a else 0
        facts = WarRoomFacts(
            established=c.get("war_rooms", 0) > 0,
            weeks_met_of_last_4=int(a["weeks_met"]) if a else 0,
            core_attendance_share=share(
                int(a["core_present"]) if a else 0, meetings * len(CORE_DEPARTMENTS)
            ),
            ack_within_share=share(c.get("acknowledged_within", 0), c.get("acknowledged", 0)),
            profiles_last_14_days=int(a["profiles"]) if a else 0,
        )
        classes[classify(facts).level] += 1
    return dict(sorted(classes.items()))
