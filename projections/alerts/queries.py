"""The alerts view's reads (asyncpg), and the one place alerts are scoped.

``alert_scope`` renders the access policy's row scope over the alerts' ward, municipality,
district and department columns (named as in the nerve-centre tables): every alert read
(list, detail, stats) goes through it, as acknowledging and resolving go through the policy
in the application.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson

from domain.access.policy import row_scope
from domain.access.principal import Principal
from projections.alerts.view import ALERTS, EPISODES, EVENTS, GROUPS
from projections.scoping import Db, Where, scoped

LIST_COLUMNS = (
    "alert_id, rule, rule_version, subject, level, status, episode, ward_id, municipality, "
    "district, department, evidence, raised_at, level_since, acknowledged_at, acknowledged_by, "
    "resolved_at, resolved_by, resolution, resolved_automatically"
)
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


def _filtered(filters: AlertFilters, principal: Principal) -> Where:
    q = Where()
    if filters.status == "open":
        q.terms.append("status <> 'resolved'")
    else:
        q.where("status = {}", filters.status)
    q.where("level = {}", filters.level)
    q.where("rule = {}", filters.rule)
    q.where("ward_id = {}", filters.ward)
    q.where("municipality = {}", filters.municipality)
    q.where("district = {}", filters.district)
    alert_scope(principal, q)
    return q


def _row(record: Any) -> dict[str, Any]:
    row = dict(record)
    if isinstance(row.get("evidence"), str):
        row["evidence"] = orjson.loads(row["evidence"])
    return row


async def alerts_page(
    db: Db, filters: AlertFilters, principal: Principal, after: UUID | None, limit: int
) -> tuple[list[dict[str, Any]], UUID | None]:
    """A page of alerts in id order (keyset: ``after`` the previous page's last id)."""
    q = _filtered(filters, principal)
    q.where("alert_id > {}", after)
    rows = await db.fetch(
        f"SELECT {LIST_COLUMNS} FROM {ALERTS}{q.clause()} ORDER BY alert_id "
        f"LIMIT {q.arg(limit + 1)}",
        *q.args,
    )
    page = [_row(r) for r in rows[:limit]]
    return page, page[-1]["alert_id"] if len(rows) > limit else None


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


async def alert_stats(db: Db, principal: Principal, area: str) -> dict[str, Any]:
    """Open alerts by level and rule; median hours to acknowledge and resolve by level, area."""
    q = Where()
    q.terms.append("status <> 'resolved'")
    alert_scope(principal, q)
    open_rows = await db.fetch(
        f"SELECT level, rule, count(*) AS open FROM {ALERTS}{q.clause()} "
        "GROUP BY level, rule ORDER BY level, rule",
        *q.args,
    )
    column = AREA_COLUMNS[area]
    e = Where()
    alert_scope(principal, e)
    times = await db.fetch(
        f"SELECT level, {column} AS code, count(*) AS episodes, "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "
        "acknowledged_at - raised_at)) / 3600 AS median_hours_to_acknowledge, "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "
        "resolved_at - raised_at)) / 3600 AS median_hours_to_resolve "
        f"FROM {EPISODES}{e.clause()} GROUP BY level, {column} ORDER BY level, {column}",
        *e.args,
    )
    return {
        "open": [dict(r) for r in open_rows],
        "response_times": [{**dict(r), "area": area} for r in times],
    }


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
    rows = await db.fetch(
        f"SELECT rule, level, nullif({column}, '') AS area, sum(alerts)::bigint AS alerts, "
        "sum(unacknowledged)::bigint AS unacknowledged, min(oldest) AS oldest, "
        f"min(level_since) AS level_since FROM {GROUPS}{q.clause()} "
        f"GROUP BY rule, level, {column} "
        "ORDER BY level DESC, unacknowledged DESC, oldest, rule, area "
        f"LIMIT {q.arg(limit)}",
        *q.args,
    )
    return [dict(r) for r in rows]


async def alerts_oldest(
    db: Db, filters: AlertFilters, principal: Principal, limit: int, unacknowledged: bool = False
) -> list[dict[str, Any]]:
    """The oldest ``limit`` alerts matching ``filters`` in the principal's scope: a group's
    first page, and a bulk action's batch (each alert still goes through its command)."""
    q = _filtered(filters, principal)
    if unacknowledged:
        q.terms.append("status = 'open'")  # AlertStatus.OPEN: raised, nobody acknowledged yet
    rows = await db.fetch(
        f"SELECT {LIST_COLUMNS} FROM {ALERTS}{q.clause()} ORDER BY raised_at, alert_id "
        f"LIMIT {q.arg(limit)}",
        *q.args,
    )
    return [_row(r) for r in rows]
