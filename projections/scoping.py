"""What every read query shares: a WHERE clause built term by term, and the access scope in SQL.

Every list and export over a view's rows carries ``scoped``: the access policy's row scope
(``RowScope.sees``) rendered over the rows' ward, municipality, district and department
columns, which the nerve-centre and alerts tables name alike. Values are always bound.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, TypeAlias

from domain.access.policy import Area, RowScope

#: An asyncpg ``Pool`` or ``Connection`` (asyncpg ships no type information). The API owns the
#: pool and passes it in; no query module opens connections of its own.
Db: TypeAlias = Any


class Where:
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


def _area(q: Where, area: Area) -> str | None:
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


def scoped(q: Where, scope: RowScope) -> None:
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


def scope_keys(q: Where, scope: RowScope) -> list[str] | None:
    """The scope as equality terms, one a ward, municipality or (department, ward or
    municipality), whose rows together are ``scoped``'s: a list can read each key's rows by an
    index in its own order. None for a scope over a district or the province (its keys would
    hold much of the table) or over nothing."""
    areas = (scope.area, scope.department_area if scope.departments else Area())
    if any(a.province or a.districts for a in areas):
        return None
    terms = [f"ward_id = {q.arg(w)}" for w in sorted(scope.area.wards)]
    terms += [f"municipality = {q.arg(m)}" for m in sorted(scope.area.municipalities)]
    for department in sorted(scope.departments):
        d = q.arg(department)
        by_ward = sorted(areas[1].wards)
        terms += [f"department = {d} AND ward_id = {q.arg(w)}" for w in by_ward]
        by_municipality = sorted(areas[1].municipalities)
        terms += [f"department = {d} AND municipality = {q.arg(m)}" for m in by_municipality]
    return terms or None


#: The setting a read's statement is planned under by ``fetch_generic``.
GENERIC_PLAN = "SET plan_cache_mode = force_generic_plan"
RESET_PLAN = "RESET plan_cache_mode"


async def fetch_generic(db: Db, sql: str, *args: Any) -> list[Any]:
    """``db.fetch`` under PostgreSQL's generic plan: planned once a connection (asyncpg keeps
    the statement prepared), not again for each call's values.

    PostgreSQL plans a prepared statement for its values five times, then keeps doing so
    while the generic plan's estimate is above those plans' average: the dashboards' and the
    trends' estimates always were (0 generic plans in 210 calls), so planning was most of
    their server time. Only for reads whose generic plan was measured as good as the custom
    one at 3M-like density: the same index probes whatever the values (an area's key, a
    day), no partial index or skewed value (a province against a ward) that needs the value
    to choose. The setting lasts while the connection is held: the pool's release resets it
    (``RESET ALL``); a connection passed in is reset here.
    """
    if hasattr(db, "acquire"):
        async with db.acquire() as conn:
            await conn.execute(GENERIC_PLAN)
            return list(await conn.fetch(sql, *args))
    await db.execute(GENERIC_PLAN)
    try:
        rows = list(await db.fetch(sql, *args))
    except BaseException:
        if not db.is_in_transaction():  # a failed transaction's rollback undoes the SET
            await db.execute(RESET_PLAN)
        raise
    await db.execute(RESET_PLAN)
    return rows


async def stream(pool: Db, sql: str, args: list[Any]) -> AsyncIterator[tuple[Any, ...]]:
    """Rows of an export, fetched a thousand at a time from a server-side cursor."""
    # A server-side cursor needs a transaction; one snapshot makes the export consistent.
    async with pool.acquire() as conn:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            async for record in conn.cursor(sql, *args, prefetch=1000):
                yield tuple(record.values())
