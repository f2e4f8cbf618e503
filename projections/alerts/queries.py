"""The alerts view's reads (asyncpg), and the one place alerts are scoped.

``alert_scope`` renders the access policy's row scope over the alerts' ward, municipality,
district and department columns (named as in the nerve-centre tables): every alert read
(list, detail, stats) goes through it, as acknowledging and resolving go through the policy
in the application.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import UUID

import orjson

from domain.access.policy import row_scope
from domain.access.principal import Principal
from projections.alerts.view import ALERTS, EPISODES, EVENT_TIMES, EVENTS, GROUPS
from projections.nerve_centre.queries.asof import AsOf
from projections.scoping import Db, Where, scoped, stream
from projections.status import APPLICATION, position_columns, positions, positions_of

LIST_COLUMNS = (
    "alert_id, rule, rule_version, subject, level, status, episode, ward_id, municipality, "
    "district, department, evidence, raised_at, level_since, acknowledged_at, acknowledged_by, "
    "resolved_at, resolved_by, resolution, resolved_automatically"
)
CSV_COLUMNS = tuple(c.strip() for c in LIST_COLUMNS.split(","))
AREA_COLUMNS = {"ward": "ward_id", "municipality": "municipality", "district": "district"}


@dataclass(frozen=True)
class AlertFilters:
    status: str | None = None
    level: int | None = None
    rule: str | None = None
    ward: str | None = None
    municipality: str | None = None
    district: str | None = None


def alert_scope(principal: Principal, q: Where) -> None:
    """Limit a query to the alerts the access policy lets the principal see: those in its
    areas, and a department officer's departments' alerts in its area (``row_scope``)."""
    scoped(q, row_scope(principal, "alert"))


def _filtered(
    filters: AlertFilters,
    principal: Principal,
    as_of: AsOf | None = None,
    after: UUID | None = None,
) -> tuple[str, Where]:
    """The alerts to read (the live table, or the rows as of a day) and the filters' WHERE
    (``after``: the alerts after this id only)."""
    q = Where()
    source = ALERTS
    if as_of is not None:
        source = _rows_as_of(q, principal, as_of, filters, after)
    else:
        _unchanging(q, filters, after)
        alert_scope(principal, q)
    if filters.status == "open":
        q.terms.append("status <> 'resolved'")
    else:
        q.where("status = {}", filters.status)
    q.where("level = {}", filters.level)
    return source, q


def _unchanging(q: Where, filters: AlertFilters, after: UUID | None) -> None:
    """The filters over what an alert keeps all its life (its rule and areas; its id)."""
    q.where("rule = {}", filters.rule)
    q.where("ward_id = {}", filters.ward)
    q.where("municipality = {}", filters.municipality)
    q.where("district = {}", filters.district)
    q.where("alert_id > {}", after)


def _row(record: Any) -> dict[str, Any]:
    row = dict(record)
    if isinstance(row.get("evidence"), str):
        row["evidence"] = orjson.loads(row["evidence"])
    return row


async def alerts_page(
    db: Db,
    filters: AlertFilters,
    principal: Principal,
    after: UUID | None,
    limit: int,
    as_of: AsOf | None = None,
) -> tuple[list[dict[str, Any]], UUID | None]:
    """A page of alerts in id order (keyset: ``after`` the previous page's last id); with
    ``as_of``, as they stood at the end of that day (the filters apply to them then)."""
    source, q = _filtered(filters, principal, as_of, after)
    rows = await db.fetch(
        f"SELECT {LIST_COLUMNS} FROM {source}{q.clause()} ORDER BY alert_id "
        f"LIMIT {q.arg(limit + 1)}",
        *q.args,
    )
    page = [_row(r) for r in rows[:limit]]
    return page, page[-1]["alert_id"] if len(rows) > limit else None


async def stream_alerts(
    pool: Db, filters: AlertFilters, principal: Principal, as_of: AsOf | None = None
) -> AsyncIterator[tuple[Any, ...]]:
    """Every matching alert the principal may see as a CSV row (``CSV_COLUMNS``), in id order;
    its evidence as JSON text. With ``as_of``, as they stood at the end of that day."""
    source, q = _filtered(filters, principal, as_of)
    columns = ", ".join("evidence::text" if c == "evidence" else c for c in CSV_COLUMNS)
    sql = f"SELECT {columns} FROM {source}{q.clause()} ORDER BY alert_id"
    async for row in stream(pool, sql, q.args):
        yield row


async def alert_detail(db: Db, alert_id: UUID, principal: Principal) -> dict[str, Any] | None:
    """One alert with its history, or None if unknown or out of the principal's scope."""
    q = Where()
    q.where("alert_id = {}", alert_id)
    alert_scope(principal, q)
    row = await db.fetchrow(f"SELECT {LIST_COLUMNS} FROM {ALERTS}{q.clause()}", *q.args)
    if row is None:
        return None
    events = await db.fetch(
        f"SELECT version, type, occurred_at, actor, detail FROM {EVENTS} "
        "WHERE alert_id = $1 ORDER BY version",
        alert_id,
    )
    history = [{**dict(e), "detail": orjson.loads(e["detail"])} for e in events]
    return {**_row(row), "history": history}


# Response times per level and area ({column}) over episodes ({episodes}: a table or subquery).
_TIMES = (
    "SELECT level, {column} AS code, count(*) AS episodes, "
    "percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "
    "acknowledged_at - raised_at)) / 3600 AS median_hours_to_acknowledge, "
    "percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "
    "resolved_at - raised_at)) / 3600 AS median_hours_to_resolve "
    "FROM {episodes} GROUP BY level, {column} ORDER BY level, {column}"
)


async def alert_stats(
    db: Db, principal: Principal, area: str, as_of: AsOf | None = None
) -> dict[str, Any]:
    """Open alerts by level and rule; median hours to acknowledge and resolve by level, area.

    As of a day: replayed from the alerts' events known by its end (recorded, or occurred).
    """
    if as_of is not None:
        return await _stats_as_of(db, principal, area, as_of)
    q = Where()
    q.terms.append("status <> 'resolved'")
    alert_scope(principal, q)
    open_rows = await db.fetch(
        f"SELECT level, rule, count(*) AS open FROM {ALERTS}{q.clause()} "
        "GROUP BY level, rule ORDER BY level, rule",
        *q.args,
    )
    e = Where()
    alert_scope(principal, e)
    episodes = f"{EPISODES}{e.clause()}"
    times = await db.fetch(_TIMES.format(column=AREA_COLUMNS[area], episodes=episodes), *e.args)
    return _stats(open_rows, times, area)


def _stats(open_rows: list[Any], times: list[Any], area: str) -> dict[str, Any]:
    return {
        "open": [dict(r) for r in open_rows],
        "response_times": [{**dict(r), "area": area} for r in times],
    }


# An alert's events known before a time ({end}), in the caller's scope ({scope}), each with
# the level it sets (if any) and its episode (a Raised or Reopened event starts one).
# {when}: the events' time on the basis asked for.
_KNOWN = (
    "WITH a AS (SELECT alert_id, rule, subject, ward_id, municipality, district, department "
    f"FROM {ALERTS}{{scope}}), known AS (SELECT e.alert_id, e.version, e.type, e.occurred_at, "
    "e.actor, e.detail, "
    "CASE WHEN e.type = 'Escalated' THEN (e.detail->>'to_level')::int "
    "ELSE (e.detail->>'level')::int END AS level, "
    "count(*) FILTER (WHERE e.type IN ('Raised', 'Reopened')) "
    "OVER (PARTITION BY e.alert_id ORDER BY e.version) AS episode "
    f"FROM {EVENTS} e JOIN a USING (alert_id) LEFT JOIN {EVENT_TIMES} t "
    "USING (alert_id, version) WHERE {when} < {end}) "
)
_LAST_LEVEL = "(array_agg(level ORDER BY version DESC) FILTER (WHERE level IS NOT NULL))[1]"
_OPEN_AS_OF = (
    "SELECT level, rule, count(*) AS open FROM (SELECT alert_id, "
    f"(array_agg(type ORDER BY version DESC))[1] AS type, {_LAST_LEVEL} AS level "
    "FROM known GROUP BY alert_id) s JOIN a USING (alert_id) "
    "WHERE type <> 'Resolved' GROUP BY level, rule ORDER BY level, rule"
)
_EPISODES_AS_OF = (
    f"(SELECT alert_id, {_LAST_LEVEL} AS level, "
    "min(occurred_at) FILTER (WHERE type IN ('Raised', 'Reopened')) AS raised_at, "
    "min(occurred_at) FILTER (WHERE type = 'Acknowledged') AS acknowledged_at, "
    "min(occurred_at) FILTER (WHERE type = 'Resolved') AS resolved_at "
    "FROM known GROUP BY alert_id, episode) ep JOIN a USING (alert_id)"
)


def _when(as_of: AsOf) -> str:
    """An alert event's time on the basis asked for (events kept before their recorded time
    was count as recorded when they occurred)."""
    if as_of.basis == "occurred":
        return "e.occurred_at"
    return "coalesce(t.recorded_at, e.occurred_at)"


def _end(as_of: AsOf) -> datetime:
    return datetime.combine(as_of.day + timedelta(days=1), time(), UTC)


# Each alert's row (``LIST_COLUMNS``) as it stood then, from its events known by then
# (``_KNOWN``): its latest episode's first event (Raised or Reopened) and those after it, as
# the projection folds them into the live row.
_LAST = "(array_agg({0} ORDER BY version DESC) FILTER (WHERE {1}))[1]"
_ACKNOWLEDGED, _RESOLVED = "type = 'Acknowledged'", "type = 'Resolved'"
_STATUS_SET = "type <> 'Escalated'"  # escalation leaves the status as it was
_REASON, _AUTOMATIC = "detail->>'reason'", "(detail->>'automatic')::boolean"
_ROWS_AS_OF = (
    ", cur AS (SELECT *, max(episode) OVER (PARTITION BY alert_id) AS latest FROM known) "
    f"SELECT {LIST_COLUMNS} FROM (SELECT alert_id, "
    "(array_agg(detail->>'rule_version' ORDER BY version))[1] AS rule_version, "
    f"{_LAST_LEVEL} AS level, "
    f"CASE {_LAST.format('type', _STATUS_SET)} "
    "WHEN 'Acknowledged' THEN 'acknowledged' WHEN 'Resolved' THEN 'resolved' "
    "ELSE 'open' END AS status, "
    "coalesce((array_agg((detail->>'episode')::int ORDER BY version))[1], 1) AS episode, "
    "(array_agg(detail->'evidence' ORDER BY version))[1] AS evidence, "
    "(array_agg(occurred_at ORDER BY version))[1] AS raised_at, "
    f"{_LAST.format('occurred_at', 'level IS NOT NULL')} AS level_since, "
    f"{_LAST.format('occurred_at', _ACKNOWLEDGED)} AS acknowledged_at, "
    f"{_LAST.format('actor', _ACKNOWLEDGED)} AS acknowledged_by, "
    f"{_LAST.format('occurred_at', _RESOLVED)} AS resolved_at, "
    f"{_LAST.format('actor', _RESOLVED)} AS resolved_by, "
    f"{_LAST.format(_REASON, _RESOLVED)} AS resolution, "
    f"coalesce({_LAST.format(_AUTOMATIC, _RESOLVED)}, "
    "false) AS resolved_automatically FROM cur WHERE episode = latest GROUP BY alert_id) s "
    "JOIN a USING (alert_id)"
)


def _rows_as_of(
    q: Where, principal: Principal, as_of: AsOf, filters: AlertFilters, after: UUID | None
) -> str:
    """The alerts the principal may see, as they stood at the end of ``as_of``'s day (a
    subquery of ``LIST_COLUMNS``, its arguments bound in ``q``). Only the alerts the filters
    over unchanging columns keep are replayed (a ward's pack: the ward's, not the province's)."""
    end = q.arg(_end(as_of))
    _unchanging(q, filters, after)
    alert_scope(principal, q)
    scope = q.clause()
    q.terms.clear()
    known = _KNOWN.format(scope=scope, when=_when(as_of), end=end)
    return f"({known}{_ROWS_AS_OF}) AS r"


async def _stats_as_of(db: Db, principal: Principal, area: str, as_of: AsOf) -> dict[str, Any]:
    q = Where()
    end = q.arg(_end(as_of))
    alert_scope(principal, q)
    known = _KNOWN.format(scope=q.clause(), when=_when(as_of), end=end)
    open_rows = await db.fetch(known + _OPEN_AS_OF, *q.args)
    times_sql = _TIMES.format(column=AREA_COLUMNS[area], episodes=_EPISODES_AS_OF)
    times = await db.fetch(known + times_sql, *q.args)
    return _stats(open_rows, times, area)


#: The area column an alert queue groups by at each level (the level below the one shown).
GROUP_AREA = {
    "province": "district",
    "district": "municipality",
    "municipality": "ward_id",
    "ward": "ward_id",
}


async def alert_groups(
    db: Db, filters: AlertFilters, principal: Principal, by: str, limit: int
) -> list[dict[str, Any]]:
    """Open alerts grouped by rule, level and the area column ``by`` (a ``GROUP_AREA`` value),
    with counts: the highest level first, then the groups with most alerts nobody has
    acknowledged, then the oldest. Summed from the alerts view's ``groups`` table (open alerts
    already counted per rule, level, ward and department: thousands of rows, where the alerts
    are a million at province scale), scoped by the access policy as every alert read is."""
    return [dict(r) for r in await db.fetch(*_groups(filters, principal, by, limit))]


async def alert_groups_fresh(
    db: Db, filters: AlertFilters, principal: Principal, by: str, limit: int, tracking: str
) -> tuple[list[dict[str, Any]], tuple[int, int]]:
    """``alert_groups`` and ``positions(db, tracking)`` (the freshness a page shows over them)
    from one statement, each row carrying both: one round trip, where reading them apart took
    two and a second pooled connection. Read apart only when no group comes back."""
    rows = await db.fetch(*_groups(filters, principal, by, limit, tracking))
    if not rows:
        return [], await positions(db, tracking)
    return [dict(r) for r in rows], positions_of(rows[0])


def _groups(
    filters: AlertFilters, principal: Principal, by: str, limit: int, tracking: str | None = None
) -> tuple[Any, ...]:
    """``alert_groups``' statement and its arguments (with ``tracking``: ``position_columns``)."""
    if filters.status not in (None, "open"):
        raise ValueError("the queue's groups count open alerts only")
    column = {c: c for c in GROUP_AREA.values()}[by]  # a column name, never the caller's text
    q = Where()
    q.where("level = {}", filters.level)
    q.where("rule = {}", filters.rule)
    q.where("ward_id = {}", filters.ward)
    q.where("municipality = {}", filters.municipality)
    q.where("district = {}", filters.district)
    alert_scope(principal, q)  # '' (no ward, no department) matches no scope, as NULL does
    also = "" if tracking is None else f", {position_columns(tracking, q.arg(APPLICATION))}"
    return (
        f"SELECT rule, level, nullif({column}, '') AS area, sum(alerts)::bigint AS alerts, "
        "sum(unacknowledged)::bigint AS unacknowledged, min(oldest) AS oldest, "
        f"min(level_since) AS level_since{also} FROM {GROUPS}{q.clause()} "
        f"GROUP BY rule, level, {column} "
        "ORDER BY level DESC, unacknowledged DESC, oldest, rule, area "
        f"LIMIT {q.arg(limit)}",
        *q.args,
    )


async def alerts_oldest(
    db: Db,
    filters: AlertFilters,
    principal: Principal,
    limit: int,
    unacknowledged: bool = False,
    as_of: AsOf | None = None,
) -> list[dict[str, Any]]:
    """The oldest ``limit`` alerts matching ``filters`` in the principal's scope: a group's
    first page, and a bulk action's batch (each alert still goes through its command); with
    ``as_of``, as they stood at the end of that day."""
    source, q = _filtered(filters, principal, as_of)
    if unacknowledged:
        q.terms.append("status = 'open'")  # AlertStatus.OPEN: raised, nobody acknowledged yet
    rows = await db.fetch(
        f"SELECT {LIST_COLUMNS} FROM {source}{q.clause()} ORDER BY raised_at, alert_id "
        f"LIMIT {q.arg(limit)}",
        *q.args,
    )
    return [_row(r) for r in rows]


# Per level: the open alerts ({alerts}: a table or subquery, and its WHERE), and the episodes
# raised since a day ({episodes}, likewise) with how many were acknowledged, and how fast.
_LEVELS = (
    "SELECT level, sum(open)::int AS open, sum(raised)::int AS raised, "
    "sum(acknowledged)::int AS acknowledged, max(median_hours) AS median_hours "
    "FROM (SELECT level, count(*) AS open, 0 AS raised, 0 AS acknowledged, "
    "NULL::float8 AS median_hours FROM {alerts} GROUP BY level UNION ALL "
    "SELECT level, 0, count(*), count(acknowledged_at), percentile_cont(0.5) WITHIN GROUP "
    "(ORDER BY extract(epoch FROM acknowledged_at - raised_at)) / 3600 "
    "FROM {episodes} GROUP BY level) t GROUP BY level ORDER BY level"
)
# As of a day: each alert's status and level from its events known by then (``_KNOWN``).
_ALERTS_AS_OF = (
    f"(SELECT alert_id, (array_agg(type ORDER BY version DESC))[1] AS type, "
    f"{_LAST_LEVEL} AS level FROM known GROUP BY alert_id) s"
)


async def area_alert_levels(
    db: Db, principal: Principal, level: str, code: str, since: datetime, as_of: AsOf | None
) -> list[dict[str, Any]]:
    """For each alert level in one area (a ward, municipality, district or the province):
    the alerts open (now, or at the end of ``as_of``), the episodes raised since ``since``,
    how many of those were acknowledged, and the median hours they took. Scoped by the policy
    like every alert read."""
    q = Where()
    if level != "province":
        q.where(f"{AREA_COLUMNS[level]} = {{}}", code)  # a column name, never the caller's text
    alert_scope(principal, q)
    scope, since_arg = q.clause(), q.arg(since)
    if as_of is None:
        sql = _LEVELS.format(
            alerts=f"{ALERTS}{scope} AND status <> 'resolved'",
            episodes=f"{EPISODES}{scope} AND raised_at >= {since_arg}",
        )
        return [dict(r) for r in await db.fetch(sql, *q.args)]
    end = q.arg(_end(as_of))
    sql = _KNOWN.format(scope=scope, when=_when(as_of), end=end) + _LEVELS.format(
        alerts=f"{_ALERTS_AS_OF} WHERE type <> 'Resolved'",
        episodes=f"{_EPISODES_AS_OF} WHERE raised_at >= {since_arg}",
    )
    return [dict(r) for r in await db.fetch(sql, *q.args)]
