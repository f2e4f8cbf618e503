"""Every query of the read side: asyncpg over the nerve-centre tables, plain dicts out.

Functions take the pool (or a connection) and typed arguments; none touches the event store's
API. Area totals come from the roll-up tables by primary-key prefix, so their cost does not
grow with the number of households. Column names are fixed here; values are always bound.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeAlias
from uuid import UUID

import asyncpg
import orjson

from domain.access.policy import Area, RowScope
from domain.reference.departments import departments
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from domain.vocabulary import HouseholdStatus, NeedCategory, ReferralStatus, RiskLevel
from projections.nerve_centre.contributions import DUE_BY
from projections.nerve_centre.indicators import percentiles, share, week_start
from projections.nerve_centre.view import HOUSEHOLD_COLUMNS, REFERRAL_COLUMNS

#: An asyncpg ``Pool`` or ``Connection`` (asyncpg ships no type information).
Db: TypeAlias = Any

APPLICATION = Sukuma.name
EVENTS_TABLE = f"{APPLICATION}_events"
PROJECTION = "nerve_centre"  # the projection whose tables these queries read

HOUSEHOLD_CSV_COLUMNS = tuple(c for c in HOUSEHOLD_COLUMNS if c != "position")
REFERRAL_CSV_COLUMNS = (*(c for c in REFERRAL_COLUMNS if c != "position"), "days_open", "overdue")
TREND_METRICS = (
    "profiles",
    "needs",
    "referrals_made",
    "referrals_completed",
    "graduations",
    "interventions",
    "visits",
)
RECENT_METRICS = ("interventions", "profiles", "graduations", "meetings", "visits")
RECENT_DAYS = 30
_COUNT_METRICS = (
    "households",
    "households_profiled",
    *(f"households_{s}" for s in HouseholdStatus),
    *(f"risk_{level}" for level in RiskLevel),
    "needs_open",
    "needs_open_high",
    "referrals",
    "referrals_open",
    *(f"referrals_{s}" for s in ReferralStatus),
    "war_rooms",
)
# An open referral is overdue once past the date of its next step (as contributions.due_date).
# Overdue as the projection defines it (contributions.DUE_BY), in SQL.
_OVERDUE = (
    "("
    + " OR ".join(
        f"(status = '{status}' AND {column} < {{today}})" for status, column in DUE_BY.items()
    )
    + ")"
)
_DAYS_OPEN = (
    "(coalesce((closed_at AT TIME ZONE 'UTC')::date, {today}) - (made_at AT TIME ZONE 'UTC')::date)"
)


@dataclass(frozen=True)
class HouseholdFilters:
    ward: str | None = None
    municipality: str | None = None
    district: str | None = None
    risk: str | None = None
    status: str | None = None
    need: str | None = None


@dataclass(frozen=True)
class ReferralFilters:
    status: str | None = None
    overdue: bool | None = None
    department: str | None = None
    ward: str | None = None
    municipality: str | None = None
    district: str | None = None


class _Query:
    """A WHERE clause and its bound arguments, numbered as they are added."""

    def __init__(self) -> None:
        self.terms: list[str] = []
        self.args: list[Any] = []

    def arg(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}"

    def where(self, term: str, value: Any) -> None:
        """Add ``term`` (``{}`` marks the value) unless the filter is unset."""
        if value is not None:
            self.terms.append(term.format(self.arg(value)))

    def clause(self) -> str:
        return f" WHERE {' AND '.join(self.terms)}" if self.terms else ""


# ---- scope: the one clause every list and export carries ---------------------------------------


def _area(q: _Query, area: Area) -> str | None:
    if area.province:
        return "true"
    terms = [
        f"{column} = ANY({q.arg(sorted(codes))}::text[])"
        for column, codes in (
            ("ward_id", area.wards),
            ("municipality", area.municipalities),
            ("district", area.districts),
        )
        if codes
    ]
    return f"({' OR '.join(terms)})" if terms else None


def scoped(q: _Query, scope: RowScope) -> None:
    """Only the rows the access policy lets the caller see (``RowScope.sees``, in SQL)."""
    terms = []
    by_area = _area(q, scope.area)
    if by_area:
        terms.append(by_area)
    by_department = _area(q, scope.department_area) if scope.departments else None
    if by_department:
        departments = q.arg(sorted(scope.departments))
        terms.append(f"(department = ANY({departments}::text[]) AND {by_department})")
    q.terms.append(f"({' OR '.join(terms)})" if terms else "false")


# ---- freshness ---------------------------------------------------------------------------------


async def positions(db: Db) -> tuple[int, int]:
    """(the projection's tracked position, the event log's head)."""
    row = await db.fetchrow(
        f"SELECT (SELECT max(notification_id) FROM {PROJECTION}_tracking "
        f"WHERE application_name = $1) AS position, "
        f"(SELECT max(notification_id) FROM {EVENTS_TABLE}) AS head",
        APPLICATION,
    )
    return int(row["position"] or 0), int(row["head"] or 0)


async def projection_status(db: Db, names: list[str], now: datetime) -> dict[str, Any]:
    """Each projection's position and lag (events, and seconds since its oldest pending event)."""
    head = int(await db.fetchval(f"SELECT max(notification_id) FROM {EVENTS_TABLE}") or 0)
    out = []
    for name in names:
        position = 0
        if await db.fetchval("SELECT to_regclass($1) IS NOT NULL", f"{name}_tracking"):
            position = int(
                await db.fetchval(
                    f'SELECT max(notification_id) FROM "{name}_tracking" '
                    "WHERE application_name = $1",
                    APPLICATION,
                )
                or 0
            )
        lag_seconds = 0.0
        if position < head:
            state = await db.fetchval(
                f"SELECT state FROM {EVENTS_TABLE} WHERE notification_id > $1 "
                "ORDER BY notification_id LIMIT 1",
                position,
            )
            recorded = datetime.fromisoformat(orjson.loads(state)["timestamp"]["_data_"])
            lag_seconds = max(0.0, (now - recorded).total_seconds())
        out.append(
            {
                "name": name,
                "position": position,
                "lag_events": head - position,
                "lag_seconds": round(lag_seconds, 3),
            }
        )
    return {"head": head, "projections": out}


# ---- case lists (keyset pages and CSV streams) -------------------------------------------------


def _households(filters: HouseholdFilters, scope: RowScope, q: _Query) -> None:
    scoped(q, scope)
    q.where("ward_id = {}", filters.ward)
    q.where("municipality = {}", filters.municipality)
    q.where("district = {}", filters.district)
    q.where("risk_level = {}", filters.risk)
    q.where("status = {}", filters.status)
    q.where("open_categories @> ARRAY[{}]::text[]", filters.need)


def _referrals(filters: ReferralFilters, scope: RowScope, q: _Query, today_arg: str) -> None:
    scoped(q, scope)
    q.where("status = {}", filters.status)
    q.where("department = {}", filters.department)
    q.where("ward_id = {}", filters.ward)
    q.where("municipality = {}", filters.municipality)
    q.where("district = {}", filters.district)
    if filters.overdue is not None:
        overdue = _OVERDUE.format(today=today_arg)
        q.terms.append(overdue if filters.overdue else f"NOT {overdue}")


def _open_needs(raw: str) -> list[dict[str, Any]]:
    needs: dict[str, list[str]] = orjson.loads(raw)
    return [
        {"need_id": k, "category": v[0], "severity": v[1], "identified_on": v[2]}
        for k, v in needs.items()
    ]


async def households_page(
    db: Db, filters: HouseholdFilters, scope: RowScope, after: UUID | None, limit: int
) -> tuple[list[dict[str, Any]], UUID | None]:
    """Up to ``limit`` households after key ``after`` in id order, and the next page's key."""
    q = _Query()
    _households(filters, scope, q)
    q.where("household_id > {}", after)
    rows = await db.fetch(
        f"SELECT {', '.join(HOUSEHOLD_COLUMNS)} FROM {PROJECTION}_households{q.clause()} "
        f"ORDER BY household_id LIMIT {q.arg(limit + 1)}",
        *q.args,
    )
    page = [{**dict(r), "open_needs": _open_needs(r["open_needs"])} for r in rows[:limit]]
    return page, (page[-1]["household_id"] if len(rows) > limit else None)


async def referrals_page(
    db: Db,
    filters: ReferralFilters,
    scope: RowScope,
    today: date,
    after: UUID | None,
    limit: int,
) -> tuple[list[dict[str, Any]], UUID | None]:
    """Up to ``limit`` referrals after key ``after`` in id order, and the next page's key."""
    q = _Query()
    today_arg = q.arg(today)
    _referrals(filters, scope, q, today_arg)
    q.where("referral_id > {}", after)
    rows = await db.fetch(
        f"{_referral_select(REFERRAL_COLUMNS, today_arg)}{q.clause()} ORDER BY referral_id "
        f"LIMIT {q.arg(limit + 1)}",
        *q.args,
    )
    page = [dict(r) for r in rows[:limit]]
    return page, (page[-1]["referral_id"] if len(rows) > limit else None)


def _referral_select(columns: tuple[str, ...], today_arg: str) -> str:
    computed = {
        "days_open": _DAYS_OPEN.format(today=today_arg),
        "overdue": _OVERDUE.format(today=today_arg),
    }
    chosen = [c for c in columns if c not in computed]
    chosen += [f"{expression} AS {name}" for name, expression in computed.items()]
    return f"SELECT {', '.join(chosen)} FROM {PROJECTION}_referrals"


async def stream_households(
    pool: asyncpg.Pool, filters: HouseholdFilters, scope: RowScope
) -> AsyncIterator[tuple[Any, ...]]:
    """Every matching household as a CSV row (``HOUSEHOLD_CSV_COLUMNS``), in id order."""
    q = _Query()
    _households(filters, scope, q)
    columns = ", ".join(
        "(SELECT count(*) FROM jsonb_object_keys(open_needs))"
        if c == "open_needs"
        else "array_to_string(open_categories, ';')"
        if c == "open_categories"
        else c
        for c in HOUSEHOLD_CSV_COLUMNS
    )
    sql = f"SELECT {columns} FROM {PROJECTION}_households{q.clause()} ORDER BY household_id"
    async for row in _stream(pool, sql, q.args):
        yield row


async def stream_referrals(
    pool: asyncpg.Pool, filters: ReferralFilters, scope: RowScope, today: date
) -> AsyncIterator[tuple[Any, ...]]:
    """Every matching referral as a CSV row (``REFERRAL_CSV_COLUMNS``), in id order."""
    q = _Query()
    today_arg = q.arg(today)
    _referrals(filters, scope, q, today_arg)
    select = _referral_select(REFERRAL_CSV_COLUMNS, today_arg)
    async for row in _stream(pool, f"{select}{q.clause()} ORDER BY referral_id", q.args):
        yield row


async def _stream(pool: asyncpg.Pool, sql: str, args: list[Any]) -> AsyncIterator[tuple[Any, ...]]:
    # A server-side cursor needs a transaction; one snapshot makes the export consistent.
    async with pool.acquire() as conn:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            async for record in conn.cursor(sql, *args, prefetch=1000):
                yield tuple(record.values())


# ---- area roll-ups -----------------------------------------------------------------------------


async def dashboard(db: Db, level: str, code: str, today: date) -> dict[str, Any]:
    """Totals, overdue referrals and the last 30 days of one area (a handful of rows)."""
    counts = {
        r["metric"]: int(r["value"])
        for r in await db.fetch(
            f"SELECT metric, value FROM {PROJECTION}_area_counts "
            "WHERE level = $1 AND code = $2 AND metric = ANY($3::text[])",
            level,
            code,
            list(_COUNT_METRICS),
        )
    }
    overdue = await db.fetchval(
        f"SELECT coalesce(sum(value), 0) FROM {PROJECTION}_open_due "
        "WHERE level = $1 AND code = $2 AND due < $3",
        level,
        code,
        today,
    )
    since = today - timedelta(days=RECENT_DAYS)
    recent = {
        r["metric"]: int(r["value"])
        for r in await db.fetch(
            f"SELECT metric, sum(value) AS value FROM {PROJECTION}_area_daily "
            "WHERE level = $1 AND code = $2 AND metric = ANY($3::text[]) AND day >= $4 "
            "GROUP BY metric",
            level,
            code,
            list(RECENT_METRICS),
            since,
        )
    }
    return {
        "level": level,
        "code": code,
        "as_of": today,
        "households": {
            "total": counts.get("households", 0),
            "profiled": counts.get("households_profiled", 0),
            "by_status": {s: counts.get(f"households_{s}", 0) for s in HouseholdStatus},
            "by_risk_level": {r: counts.get(f"risk_{r}", 0) for r in RiskLevel},
        },
        "needs": {
            "open": counts.get("needs_open", 0),
            "open_high": counts.get("needs_open_high", 0),
        },
        "referrals": {
            "total": counts.get("referrals", 0),
            "open": counts.get("referrals_open", 0),
            "overdue": int(overdue),
            "by_status": {s: counts.get(f"referrals_{s}", 0) for s in ReferralStatus},
        },
        "war_rooms": counts.get("war_rooms", 0),
        "last_30_days": {"since": since, **{m: recent.get(m, 0) for m in RECENT_METRICS}},
    }


async def department_league(db: Db, level: str, code: str, today: date) -> list[dict[str, Any]]:
    """Each department's referral performance in an area, worst first (lowest M5 share)."""
    codes = [d.code for d in departments()]  # leading key of the primary key: an index scan
    metrics: dict[str, dict[str, int]] = {}
    for r in await db.fetch(
        f"SELECT department, metric, value FROM {PROJECTION}_department_area "
        "WHERE department = ANY($1::text[]) AND level = $2 AND code = $3",
        codes,
        level,
        code,
    ):
        metrics.setdefault(r["department"], {})[r["metric"]] = int(r["value"])
    overdue = {
        r["department"]: int(r["value"])
        for r in await db.fetch(
            f"SELECT department, sum(value) AS value FROM {PROJECTION}_department_due "
            "WHERE department = ANY($1::text[]) AND level = $2 AND code = $3 AND due < $4 "
            "GROUP BY department",
            codes,
            level,
            code,
            today,
        )
    }
    league = [_performance(dept, m, overdue.get(dept, 0)) for dept, m in metrics.items()]
    league.sort(
        key=lambda p: (
            p["share_acknowledged_within"] is not None,
            p["share_acknowledged_within"] or 0.0,
            -p["received"],
            p["department"],
        )
    )
    return league


def _performance(department: str, m: dict[str, int], overdue: int) -> dict[str, Any]:
    return {
        "department": department,
        "received": m.get("received", 0),
        "acknowledged": m.get("acknowledged", 0),
        "acknowledged_within": m.get("acknowledged_within", 0),
        "share_acknowledged_within": share(
            m.get("acknowledged_within", 0), m.get("acknowledged", 0)
        ),
        "completed": m.get("completed", 0),
        "delivered_within": m.get("delivered_within", 0),
        "open": m.get("open", 0),
        "overdue": overdue,
        "days_to_acknowledge": percentiles(m, "ack_days:"),
        "days_to_complete": percentiles(m, "complete_days:"),
    }


async def field_worker_activity(db: Db, ward_id: str, today: date) -> list[dict[str, Any]]:
    """Field workers assigned to a ward, with their last submission and households visited."""
    rows = await db.fetch(
        f"SELECT w.field_worker_id, w.ward_ids, w.active, w.last_submission_at, "
        "coalesce(v.week, 0) AS households_visited_7d, "
        "coalesce(v.month, 0) AS households_visited_30d "
        f"FROM {PROJECTION}_field_workers w LEFT JOIN LATERAL ("
        "SELECT count(*) FILTER (WHERE h.last_visit_on >= $2) AS week, count(*) AS month "
        f"FROM {PROJECTION}_fw_households h "
        "WHERE h.field_worker_id = w.field_worker_id AND h.last_visit_on >= $3"
        ") v ON true WHERE w.ward_ids @> ARRAY[$1]::text[] ORDER BY w.field_worker_id",
        ward_id,
        today - timedelta(days=7),
        today - timedelta(days=30),
    )
    return [
        {
            **dict(r),
            "days_since_last_submission": (
                None
                if r["last_submission_at"] is None
                else (today - r["last_submission_at"].date()).days
            ),
        }
        for r in rows
    ]


async def needs_heatmap(db: Db, level: str, code: str) -> dict[str, Any]:
    """Open needs per ward × category for every ward of an area (zeros included)."""
    wards = [w.id for w in geography().wards_in(level, code)]
    categories = [str(c) for c in NeedCategory]
    cells: dict[str, dict[str, int]] = {w: dict.fromkeys(categories, 0) for w in wards}
    for r in await db.fetch(
        f"SELECT ward_id, category, value FROM {PROJECTION}_ward_needs "
        "WHERE ward_id = ANY($1::text[])",
        wards,
    ):
        cells[r["ward_id"]][r["category"]] = int(r["value"])
    return {
        "level": level,
        "code": code,
        "categories": categories,
        "wards": [
            {"ward_id": w, "total": sum(counts.values()), "counts": counts}
            for w, counts in cells.items()
        ],
    }


async def trends(db: Db, level: str, code: str, weeks: int, today: date) -> list[dict[str, Any]]:
    """Weekly (Monday-based) totals of the trend metrics, oldest first, zero-filled."""
    first = week_start(today) - timedelta(weeks=weeks - 1)
    end = week_start(today) + timedelta(weeks=1)
    series = {first + timedelta(weeks=n): dict.fromkeys(TREND_METRICS, 0) for n in range(weeks)}
    for r in await db.fetch(
        "SELECT metric, day - (extract(isodow FROM day)::int - 1) AS week, sum(value) AS value "
        f"FROM {PROJECTION}_area_daily WHERE level = $1 AND code = $2 "
        "AND metric = ANY($3::text[]) AND day >= $4 AND day < $5 GROUP BY metric, week",
        level,
        code,
        list(TREND_METRICS),
        first,
        end,
    ):
        series[r["week"]][r["metric"]] = int(r["value"])
    return [{"week_start": week, **totals} for week, totals in series.items()]
