"""Work lists for people, not exports: the open referrals a convener or officer must move
(overdue first, by days past the department's standard) and the households most at risk.

Always scoped by the access policy's row scope; the overdue rule is the one the case lists use
(``contributions.DUE_BY``: an open referral past the date of its next step).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain.access.policy import RowScope
from domain.vocabulary import TERMINAL_REFERRAL_STATUSES
from projections.nerve_centre.contributions import DUE_BY
from projections.nerve_centre.queries.cases import _open_needs, rows_as_of
from projections.nerve_centre.tables import (
    HOUSEHOLDS,
    REFERRAL_COLUMNS,
    REFERRALS,
    REFERRALS_VERSIONS,
)
from projections.scoping import Db, Where, scope_keys, scoped

_DUE = "CASE status " + " ".join(f"WHEN '{s}' THEN {c}" for s, c in DUE_BY.items()) + " END"
_TERMINAL = sorted(TERMINAL_REFERRAL_STATUSES)
#: Open: the predicate of the index by due date (migration 0028), written out (not bound) so
#: that every plan, a generic one too, may use it.
_OPEN = "status <> ALL ('{" + ",".join(_TERMINAL) + "}'::text[])"
_REFERRAL_ROW = (
    "referral_id, household_id, need_id, category, severity, ward_id, department, status, "
    "escalation_level, made_at"
)
_HOUSEHOLD_ROW = "household_id, ward_id, status, risk_level, risk_score, open_needs, high_needs"
#: What a key's rows carry out (``_key_by_key``): the list's columns and those of the scope.
_REFERRAL_KEYED = f"{_REFERRAL_ROW}, ack_by, deliver_by, municipality, district"
_HOUSEHOLD_KEYED = f"{_HOUSEHOLD_ROW}, municipality, district"


async def open_referrals(
    db: Db,
    scope: RowScope,
    today: date,
    *,
    ward: str | None = None,
    limit: int = 200,
    as_of: date | None = None,
) -> list[dict[str, Any]]:
    """Open referrals in scope, most overdue first: each with ``due`` (the date its next step
    falls due, none once delivered) and ``days_past`` (days past it; negative: days left).
    With ``as_of``: those open at the end of that day (by recorded time), counted to it."""
    q = Where()
    today_arg = q.arg(as_of or today)
    # Most days past first is earliest due first (none last): the indexes' order.
    order = f"{_DUE} NULLS LAST, made_at, referral_id"
    keys = scope_keys(q, scope) if as_of is None and ward is None else None
    if keys is not None:
        source = _key_by_key(REFERRALS, _REFERRAL_KEYED, keys, [_OPEN], order, limit)
        scoped(q, scope)
    else:
        source = REFERRALS
        if as_of is not None:
            source = rows_as_of(
                REFERRALS, REFERRALS_VERSIONS, REFERRAL_COLUMNS, today_arg, q, scope
            )
        scoped(q, scope)
        q.where("ward_id = {}", ward)
        q.terms.append(_OPEN)
        if ward is not None or _few(scope):
            # Read by the area's index, then sorted (see ``_few``): a fence, so that no
            # plan, the generic one PostgreSQL caches after five calls neither, walks the
            # due index.
            source = f"(SELECT * FROM {source}{q.clause()} OFFSET 0) AS scoped"
            q.terms = []
    rows = await db.fetch(
        f"SELECT {_REFERRAL_ROW}, {_DUE} AS due, {today_arg}::date - {_DUE} AS days_past "
        f"FROM {source}{q.clause()} ORDER BY {order} LIMIT {int(limit)}",
        *q.args,
    )
    return [dict(r) for r in rows]


def _few(scope: RowScope) -> bool:
    """Whether a scope's open referrals are few: wards' and municipalities' (hundreds at 100k
    households, thousands at 3M), sorted in a millisecond or a few, where walking the due
    index in order would pass every open referral of the province before a page's worth
    matched. A district or the province holds many: its page walks the index, which stops
    after the page. (The generic plan cannot tell them apart: measured at 100k, an
    officer's municipality took 90 ms by the due index, 1 ms by its area's.)"""
    return not any(a.province or a.districts for a in (scope.area, scope.department_area))


def _key_by_key(
    table: str, columns: str, keys: list[str], where: list[str], order: str, limit: int
) -> str:
    """A list's rows of a few areas (``scope_keys``): each key's first ``limit`` in the list's
    ``order``, by an index in that order (migration 0033: a page's worth, not every row of
    the area sorted), merged (a row two keys share, once). The caller's scope still applies
    over the merged rows: only the keys are read here, so that nothing but a key bounds
    the plan of each (redundant terms made PostgreSQL expect a few rows and sort them all)."""
    condition = " AND ".join(where)
    arms = [
        f"(SELECT {columns} FROM {table} WHERE {key} AND {condition} "
        f"ORDER BY {order} LIMIT {int(limit)})"
        for key in keys
    ]
    return f"({' UNION '.join(arms)}) AS scoped"


#: Households at risk: with open needs (a merged household's are on its survivor's row),
#: highest risk first; the predicate and order of their index by ward (migration 0033).
_AT_RISK = ("open_categories <> '{}'", "merged_into IS NULL")
_AT_RISK_ORDER = "risk_score DESC NULLS LAST, household_id"


async def households_at_risk(
    db: Db, scope: RowScope, *, ward: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Households in scope with open needs, highest risk score first."""
    q = Where()
    order = _AT_RISK_ORDER
    listed = list(_AT_RISK)
    keys = scope_keys(q, scope) if ward is None else None
    source = HOUSEHOLDS
    if keys is not None:
        source = _key_by_key(HOUSEHOLDS, _HOUSEHOLD_KEYED, keys, listed, order, limit)
        listed = []
    scoped(q, scope)
    q.where("ward_id = {}", ward)
    q.terms += listed
    rows = await db.fetch(
        f"SELECT {_HOUSEHOLD_ROW} FROM {source}{q.clause()} ORDER BY {order} LIMIT {int(limit)}",
        *q.args,
    )
    return [{**dict(r), "open_needs": _open_needs(r["open_needs"])} for r in rows]


async def household_ids_at_risk(db: Db, scope: RowScope, ward: str, limit: int) -> list[UUID]:
    """The ids of ``ward``'s households at risk in scope, in ``households_at_risk``'s order:
    all a meeting form shows of them, read from their index alone (no table page a row)."""
    q = Where()
    scoped(q, scope)
    q.where("ward_id = {}", ward)
    q.terms += _AT_RISK
    rows = await db.fetch(
        f"SELECT household_id FROM {HOUSEHOLDS}{q.clause()} "
        f"ORDER BY {_AT_RISK_ORDER} LIMIT {int(limit)}",
        *q.args,
    )
    return [r["household_id"] for r in rows]


async def household_referrals(
    db: Db, scope: RowScope, household_id: UUID, today: date
) -> list[dict[str, Any]]:
    """Every referral of one household in scope (closed ones too), newest first."""
    q = Where()
    today_arg = q.arg(today)
    scoped(q, scope)
    q.where("household_id = {}", household_id)
    rows = await db.fetch(
        f"SELECT referral_id, category, department, status, made_at, closed_at, "
        f"{today_arg}::date - {_DUE} AS days_past FROM {REFERRALS}{q.clause()} "
        f"ORDER BY made_at DESC LIMIT 200",
        *q.args,
    )
    return [dict(r) for r in rows]
