"""The case lists: keyset pages and CSV streams of households and referrals, always scoped.

Column names are fixed here; values are always bound, except a page's size (``limit``): an
integer written into the statement so that PostgreSQL's generic plan for it knows how many rows
it stops after. With the limit bound, the generic plan of a ward's page on a large table costs
ten times the custom one, so the server re-planned it on every call (measured: custom plans at
3M households, the cached generic plan at 30k); with it written in, both sizes keep the same
cached plan.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg
import orjson

from domain.access.policy import RowScope
from projections.nerve_centre.contributions import DUE_BY, OPEN_REFERRAL_STATUSES
from projections.nerve_centre.tables import (
    CASE_DAYS,
    HOUSEHOLD_COLUMNS,
    HOUSEHOLDS,
    HOUSEHOLDS_VERSIONS,
    RECORDED_ON,
    REFERRAL_COLUMNS,
    REFERRALS,
    REFERRALS_VERSIONS,
)
from projections.scoping import Db, Where, scoped, stream

# The exports' columns: no projector bookkeeping, and no merge links (a merged household is
# not exported; its referrals name their survivor as their household).
HOUSEHOLD_CSV_COLUMNS = tuple(c for c in HOUSEHOLD_COLUMNS if c not in ("position", "merged_into"))
REFERRAL_CSV_COLUMNS = (
    *(c for c in REFERRAL_COLUMNS if c not in ("position", "merged_from")),
    "days_open",
    "overdue",
)
# Overdue as the projection defines it (contributions.DUE_BY: an open referral past the date of
# its next step), in SQL. One CASE rather than an OR per status: the planner has one filter to
# weigh, not an OR to expand (at 3M referrals: planning 0.19 -> 0.08 ms, execution 0.13 -> 0.05
# ms), and the status list still matches the open-referral partial indexes a page reads off.
_OPEN_WITH_DUE = ", ".join(f"'{status}'" for status in DUE_BY)
_DUE = " ".join(f"WHEN '{status}' THEN {column}" for status, column in DUE_BY.items())
_OVERDUE = f"(status IN ({_OPEN_WITH_DUE}) AND CASE status {_DUE} END < {{today}})"
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
    #: open referrals escalated to this level of the ladder (a task team's queue)
    escalated_to: int | None = None


def _households(filters: HouseholdFilters, scope: RowScope, q: Where) -> None:
    scoped(q, scope)
    q.terms.append("merged_into IS NULL")  # a merged household is listed as its survivor
    q.where("ward_id = {}", filters.ward)
    q.where("municipality = {}", filters.municipality)
    q.where("district = {}", filters.district)
    q.where("risk_level = {}", filters.risk)
    q.where("status = {}", filters.status)
    q.where("open_categories @> ARRAY[{}]::text[]", filters.need)


def _referrals(filters: ReferralFilters, scope: RowScope, q: Where, today_arg: str) -> None:
    scoped(q, scope)
    q.where("status = {}", filters.status)
    q.where("department = {}", filters.department)
    q.where("ward_id = {}", filters.ward)
    q.where("municipality = {}", filters.municipality)
    q.where("district = {}", filters.district)
    if filters.escalated_to is not None:
        q.where("escalation_level = {}", filters.escalated_to)
        q.where("status = ANY({}::text[])", sorted(OPEN_REFERRAL_STATUSES))
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
    db: Db,
    filters: HouseholdFilters,
    scope: RowScope,
    after: UUID | None,
    limit: int,
    as_of: date | None = None,
) -> tuple[list[dict[str, Any]], UUID | None]:
    """Up to ``limit`` households after key ``after`` in id order, and the next page's key;
    with ``as_of``, as they stood at the end of that day (by recorded time)."""
    q = Where()
    source = HOUSEHOLDS
    if as_of is not None:
        day = q.arg(as_of)
        source = rows_as_of(HOUSEHOLDS, HOUSEHOLDS_VERSIONS, HOUSEHOLD_COLUMNS, day, q, scope)
    _households(filters, scope, q)
    q.where("household_id > {}", after)
    rows = await db.fetch(
        f"SELECT {', '.join(HOUSEHOLD_COLUMNS)} FROM {source}{q.clause()} "
        f"ORDER BY household_id LIMIT {_limit(limit)}",
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
    as_of: date | None = None,
) -> tuple[list[dict[str, Any]], UUID | None]:
    """Up to ``limit`` referrals after key ``after`` in id order, and the next page's key;
    with ``as_of``, as they stood at the end of that day (overdue and days open to it)."""
    q = Where()
    today_arg = q.arg(as_of or today)
    source = REFERRALS
    if as_of is not None:
        source = rows_as_of(REFERRALS, REFERRALS_VERSIONS, REFERRAL_COLUMNS, today_arg, q, scope)
    _referrals(filters, scope, q, today_arg)
    q.where("referral_id > {}", after)
    rows = await db.fetch(
        f"{_referral_select(REFERRAL_COLUMNS, today_arg, source)}{q.clause()} "
        "ORDER BY referral_id "
        f"LIMIT {_limit(limit)}",
        *q.args,
    )
    page = [dict(r) for r in rows[:limit]]
    return page, (page[-1]["referral_id"] if len(rows) > limit else None)


def _limit(limit: int) -> int:
    """A page's rows and one more (whether a next page exists), as a literal (see above)."""
    return int(limit) + 1


def _referral_select(columns: tuple[str, ...], today_arg: str, source: str = REFERRALS) -> str:
    computed = {
        "days_open": _DAYS_OPEN.format(today=today_arg),
        "overdue": _OVERDUE.format(today=today_arg),
    }
    chosen = [c for c in columns if c not in computed]
    chosen += [f"{expression} AS {name}" for name, expression in computed.items()]
    return f"SELECT {', '.join(chosen)} FROM {source}"


def rows_as_of(
    table: str, versions: str, columns: tuple[str, ...], day_arg: str, q: Where, scope: RowScope
) -> str:
    """The case rows as they stood at the end of a day (by recorded time): the live row if
    its latest change was recorded by then, else its version recorded by then and replaced
    after (rows projected before versions were kept have no recorded day: rebuild). Only
    rows the caller may see now (the live row in scope), besides then (the caller's WHERE)."""
    scoped(q, scope)
    now = q.terms.pop()  # over the live row's columns: the nearest FROM names them
    key, cols = columns[0], ", ".join(columns)
    return (
        f"(SELECT {', '.join(f't.{c}' for c in columns)} FROM {table} t JOIN {CASE_DAYS} d "
        f"ON d.case_id = t.{key} WHERE d.{RECORDED_ON} <= {day_arg} AND {now} UNION ALL "
        f"SELECT {cols} FROM {versions} v WHERE {RECORDED_ON} <= {day_arg} "
        f"AND until > {day_arg} AND EXISTS (SELECT FROM {table} WHERE {key} = v.{key} "
        f"AND {now})) AS c"
    )


async def stream_households(
    pool: asyncpg.Pool, filters: HouseholdFilters, scope: RowScope, as_of: date | None = None
) -> AsyncIterator[tuple[Any, ...]]:
    """Every matching household as a CSV row (``HOUSEHOLD_CSV_COLUMNS``), in id order; with
    ``as_of``, as they stood at the end of that day (by recorded time)."""
    q = Where()
    source = HOUSEHOLDS
    if as_of is not None:
        day = q.arg(as_of)
        source = rows_as_of(HOUSEHOLDS, HOUSEHOLDS_VERSIONS, HOUSEHOLD_COLUMNS, day, q, scope)
    _households(filters, scope, q)
    columns = ", ".join(
        "(SELECT count(*) FROM jsonb_object_keys(open_needs))"
        if c == "open_needs"
        else "array_to_string(open_categories, ';')"
        if c == "open_categories"
        else c
        for c in HOUSEHOLD_CSV_COLUMNS
    )
    sql = f"SELECT {columns} FROM {source}{q.clause()} ORDER BY household_id"
    async for row in stream(pool, sql, q.args):
        yield row


async def stream_referrals(
    pool: asyncpg.Pool,
    filters: ReferralFilters,
    scope: RowScope,
    today: date,
    as_of: date | None = None,
) -> AsyncIterator[tuple[Any, ...]]:
    """Every matching referral as a CSV row (``REFERRAL_CSV_COLUMNS``), in id order; with
    ``as_of``, as they stood at the end of that day (by recorded time; overdue and days open
    counted to that day)."""
    q = Where()
    today_arg = q.arg(today if as_of is None else as_of)
    source = REFERRALS
    if as_of is not None:
        source = rows_as_of(REFERRALS, REFERRALS_VERSIONS, REFERRAL_COLUMNS, today_arg, q, scope)
    _referrals(filters, scope, q, today_arg)
    select = _referral_select(REFERRAL_CSV_COLUMNS, today_arg, source)
    async for row in stream(pool, f"{select}{q.clause()} ORDER BY referral_id", q.args):
        yield row
