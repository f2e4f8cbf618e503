"""Reads of the published releases (asyncpg): never the facts, only what was released."""

from __future__ import annotations

from datetime import date
from typing import Any

from projections.open_data.release import RELEASE_CELLS, RELEASES


async def releases(db: Any) -> list[dict[str, Any]]:
    """Every release, newest first."""
    rows = await db.fetch(f"SELECT month, k, built_at, etag FROM {RELEASES} ORDER BY month DESC")
    return [dict(r) for r in rows]


async def release(db: Any, month: date) -> dict[str, Any] | None:
    row = await db.fetchrow(
        f"SELECT month, k, built_at, etag FROM {RELEASES} WHERE month = $1", month
    )
    return None if row is None else dict(row)


async def cells(
    db: Any, month: date, measure: str, level: str | None, codes: list[str] | None
) -> list[dict[str, Any]]:
    """A measure's published cells of a month, by level and code, then category/department."""
    rows = await db.fetch(
        f"SELECT level, code, dim, value, median_days, standard_days, median_rating "
        f"FROM {RELEASE_CELLS} "
        "WHERE month = $1 AND measure = $2 AND ($3::text IS NULL OR level = $3) "
        "AND ($4::text[] IS NULL OR code = ANY($4)) ORDER BY "
        "array_position(ARRAY['province','district','municipality','ward'], level), code, dim",
        month,
        measure,
        level,
        codes,
    )
    return [dict(r) for r in rows]


async def series(
    db: Any, measure: str, level: str, code: str, dim: str = "", months: int = 12
) -> list[dict[str, Any]]:
    """One cell across the latest released months, oldest first (value None: suppressed)."""
    rows = await db.fetch(
        f"SELECT r.month, c.value FROM {RELEASES} r LEFT JOIN {RELEASE_CELLS} c "
        "ON c.month = r.month AND c.measure = $1 AND c.level = $2 AND c.code = $3 AND c.dim = $4"
        " ORDER BY r.month DESC LIMIT $5",
        measure,
        level,
        code,
        dim,
        months,
    )
    return [dict(r) for r in reversed(rows)]
