"""The delivery view's reads (asyncpg), always scoped: priorities, targets, and a target's
monthly picture (planned, actual, the gap, the rating suggested and the rating recorded)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import orjson

from domain.access.policy import RowScope
from domain.access.principal import Principal
from domain.delivery.rating import RatingThresholds, behind, proposed_rating
from domain.delivery.teams import TEAM_AREA, TEAM_LEVEL
from domain.delivery.trajectory import add_months, month_of
from projections.alerts.queries import AlertFilters, alerts_page
from projections.delivery.actuals import actuals_sql
from projections.delivery.view import (
    JSON_COLUMNS,
    PRIORITIES,
    PRIORITY_COLUMNS,
    SOLUTION_COLUMNS,
    SOLUTIONS,
    STOCKTAKE_COLUMNS,
    STOCKTAKES,
    TARGET_COLUMNS,
    TARGETS,
    TEAM_COLUMNS,
    TEAMS,
)
from projections.nerve_centre.queries.cases import ReferralFilters, referrals_page
from projections.nerve_centre.tables import AREA_DAILY
from projections.scoping import Db, Where, scoped


def _row(record: Any) -> dict[str, Any]:
    row = dict(record)
    for column in JSON_COLUMNS:
        if column in row:
            row[column] = orjson.loads(row[column])
    return row


async def _one(
    db: Db, table: str, columns: tuple[str, ...], key: tuple[str, UUID], scope: RowScope
) -> dict[str, Any] | None:
    """One row of ``table`` by its key (column, value) if the caller sees it, else None."""
    q = Where()
    scoped(q, scope)
    q.where(f"{key[0]} = {{}}", key[1])
    record = await db.fetchrow(f"SELECT {', '.join(columns)} FROM {table}{q.clause()}", *q.args)
    return None if record is None else _row(record)


async def teams(db: Db, scope: RowScope, kind: str | None) -> list[dict[str, Any]]:
    """The task teams the caller sees (of one kind), with their members and meetings."""
    q = Where()
    scoped(q, scope)
    q.where("kind = {}", kind)
    rows = await db.fetch(
        f"SELECT {', '.join(TEAM_COLUMNS)} FROM {TEAMS}{q.clause()} ORDER BY kind, code", *q.args
    )
    return [_row(r) for r in rows]


async def team(db: Db, team_id: UUID, scope: RowScope) -> dict[str, Any] | None:
    """One task team's row, or None if it does not exist or is out of sight."""
    return await _one(db, TEAMS, TEAM_COLUMNS, ("team_id", team_id), scope)


async def stocktakes(db: Db, scope: RowScope, team_id: UUID | None) -> list[dict[str, Any]]:
    """The stocktakes the caller sees (of one team), latest first."""
    q = Where()
    scoped(q, scope)
    q.where("team_id = {}", team_id)
    rows = await db.fetch(
        f"SELECT {', '.join(STOCKTAKE_COLUMNS)} FROM {STOCKTAKES}{q.clause()} "
        "ORDER BY held_on DESC, stocktake_id LIMIT 500",
        *q.args,
    )
    return [_row(r) for r in rows]


async def stocktake(db: Db, stocktake_id: UUID, scope: RowScope) -> dict[str, Any] | None:
    """One stocktake's row, or None if it does not exist or is out of sight."""
    return await _one(db, STOCKTAKES, STOCKTAKE_COLUMNS, ("stocktake_id", stocktake_id), scope)


async def solutions(
    db: Db, scope: RowScope, status: str | None, rag: str | None, body_id: UUID | None
) -> list[dict[str, Any]]:
    """The solutions the caller sees (its areas' and those below them), latest first."""
    q = Where()
    scoped(q, scope)
    q.where("status = {}", status)
    q.where("rag = {}", rag)
    q.where("body_id = {}", body_id)
    rows = await db.fetch(
        f"SELECT {', '.join(SOLUTION_COLUMNS)} FROM {SOLUTIONS}{q.clause()} "
        "ORDER BY agreed_on DESC, solution_id LIMIT 500",
        *q.args,
    )
    return [_row(r) for r in rows]


async def solution(db: Db, solution_id: UUID, scope: RowScope) -> dict[str, Any] | None:
    """One solution's row, or None if it does not exist or is out of sight."""
    return await _one(db, SOLUTIONS, SOLUTION_COLUMNS, ("solution_id", solution_id), scope)


def queue_filters(kind: str, code: str) -> tuple[AlertFilters, ReferralFilters]:
    """What lands in a team's queue: open alerts at its ladder level and open referrals
    escalated to it, in its area (the alerts and referrals lists' filters)."""
    level, area = TEAM_LEVEL[kind], TEAM_AREA[kind]
    municipality = code if area == "municipality" else None
    district = code if area == "district" else None
    return (
        AlertFilters(status="open", level=level, municipality=municipality, district=district),
        ReferralFilters(escalated_to=level, municipality=municipality, district=district),
    )


async def queue(
    db: Db,
    team: dict[str, Any],
    principal: Principal,
    referral_scope: RowScope,
    today: date,
    limit: int,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A team's queue, as the caller may see it: the open alerts at its ladder level and the
    open referrals escalated to it, in its area (rows as the alerts and referrals lists')."""
    alert_filters, referral_filters = queue_filters(team["kind"], team["code"])
    alerts, _ = await alerts_page(db, alert_filters, principal, None, limit)
    referrals, _ = await referrals_page(db, referral_filters, referral_scope, today, None, limit)
    return alerts, referrals


async def priorities_page(
    db: Db,
    scope: RowScope,
    team: tuple[str | None, str | None],
    after: UUID | None,
    limit: int,
) -> tuple[list[dict[str, Any]], UUID | None]:
    """Up to ``limit`` priorities the caller sees (of one kind of team, or one team) after key
    ``after`` in id order, each with its number of targets, and the next page's key."""
    q = Where()
    scoped(q, scope)
    q.where("team = {}", team[0])
    q.where("team_code = {}", team[1])
    q.where("priority_id > {}", after)
    rows = await db.fetch(
        f"SELECT {', '.join(PRIORITY_COLUMNS)}, (SELECT count(*) FROM {TARGETS} t "
        f"WHERE t.priority_id = p.priority_id)::int AS targets FROM {PRIORITIES} p"
        f"{q.clause()} ORDER BY priority_id LIMIT {int(limit) + 1}",
        *q.args,
    )
    page = [_row(r) for r in rows[:limit]]
    return page, (page[-1]["priority_id"] if len(rows) > limit else None)


async def priority(db: Db, priority_id: UUID, scope: RowScope) -> dict[str, Any] | None:
    """One priority with its targets, or None if it does not exist or is out of sight."""
    q = Where()
    scoped(q, scope)
    q.where("priority_id = {}", priority_id)
    record = await db.fetchrow(
        f"SELECT {', '.join(PRIORITY_COLUMNS)} FROM {PRIORITIES}{q.clause()}", *q.args
    )
    if record is None:
        return None
    targets = await db.fetch(
        f"SELECT {', '.join(TARGET_COLUMNS)} FROM {TARGETS} WHERE priority_id = $1 "
        "ORDER BY target_id",
        priority_id,
    )
    return {**_row(record), "targets": [_row(t) for t in targets]}


async def target(db: Db, target_id: UUID, scope: RowScope) -> dict[str, Any] | None:
    """One target's row, or None if it does not exist or is out of sight."""
    return await _one(db, TARGETS, TARGET_COLUMNS, ("target_id", target_id), scope)


async def actuals(db: Db, target_id: UUID, as_of: date) -> list[dict[str, Any]]:
    """The target's planned and actual value for each month of its trajectory up to
    ``as_of``'s month (the figures up to ``as_of`` only)."""
    sql = actuals_sql("$1", "t.target_id = $2").format(targets=TARGETS, area_daily=AREA_DAILY)
    rows = await db.fetch(f"{sql} ORDER BY p.month", as_of, target_id)
    return [dict(r) for r in rows]


def picture(
    row: dict[str, Any],
    months: list[dict[str, Any]],
    as_of: date,
    thresholds: RatingThresholds,
) -> list[dict[str, Any]]:
    """Each month's planned and actual value, the gap, the rating the gap suggests and the
    rating recorded for it (the latest), with whether the month is over as of ``as_of``."""
    rated: dict[str, dict[str, Any]] = {}
    for rating in row["ratings"]:
        rated[rating["month"]] = rating  # in the order recorded: the latest wins
    out = []
    for m in months:
        actual, planned = m["actual"], m["planned"]
        out.append(
            {
                "month": m["month"],
                "complete": m["month"] < month_of(as_of),
                "planned": planned,
                "actual": actual,
                "gap": None if actual is None else round(actual - planned, 2),
                "behind": None if actual is None else round(behind(planned, actual), 4),
                "proposed_rating": None
                if actual is None
                else proposed_rating(planned, actual, thresholds),
                "rating": rated.get(m["month"].isoformat()),
            }
        )
    return out


async def suggested_ratings(
    db: Db, scope: RowScope, target_ids: list[UUID], today: date, thresholds: RatingThresholds
) -> dict[str, int | None]:
    """The rating each target's gap suggests this month (by target id; targets out of the
    caller's sight left out): what a stocktake records beside the rating agreed."""
    out: dict[str, int | None] = {}
    for target_id in target_ids:
        row = await target(db, target_id, scope)
        if row is not None:
            out[str(target_id)] = await suggested_rating(db, row, today, today, thresholds)
    return out


async def suggested_rating(
    db: Db, row: dict[str, Any], month: date, today: date, thresholds: RatingThresholds
) -> int | None:
    """The rating a target's gap suggests for ``month``, from its figures as they stand on
    ``today`` (all of them once the month is over)."""
    as_of = min(add_months(month_of(month), 1) - timedelta(days=1), today)
    months = picture(row, await actuals(db, row["target_id"], as_of), as_of, thresholds)
    return next((m["proposed_rating"] for m in months if m["month"] == month_of(month)), None)
