"""CSV exports: streamed in chunks, freshness in the headers, and the flat rows of the area
answers (indicators, the department league) that are nested in JSON."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from fastapi.responses import StreamingResponse

from api.freshness import freshness_headers
from api.schemas.views import FreshnessRead

CSV_CHUNK = 16_384

INDICATOR_COLUMNS = ("level", "code", "as_of", "period", "week_start", "indicator", "value")
LEAGUE_COLUMNS = (
    "level",
    "code",
    "as_of",
    "department",
    "received",
    "acknowledged",
    "acknowledged_within",
    "share_acknowledged_within",
    "completed",
    "delivered_within",
    "open",
    "overdue",
    "days_to_acknowledge_count",
    "days_to_acknowledge_median",
    "days_to_acknowledge_p90",
    "days_to_complete_count",
    "days_to_complete_median",
    "days_to_complete_p90",
)


def csv_response(
    name: str,
    header: Sequence[str],
    rows: AsyncIterable[Sequence[Any]] | Iterable[Sequence[Any]],
    fresh: FreshnessRead,
) -> StreamingResponse:
    """A CSV attachment streamed a chunk at a time (``rows`` may be a database cursor)."""
    headers = {"Content-Disposition": f'attachment; filename="{name}.csv"'}
    return StreamingResponse(
        _csv_chunks(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={**headers, **freshness_headers(fresh)},
    )


async def _csv_chunks(
    header: Sequence[str], rows: AsyncIterable[Sequence[Any]] | Iterable[Sequence[Any]]
) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    async for row in _aiter(rows):
        writer.writerow([_cell(value) for value in row])
        if buffer.tell() >= CSV_CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


async def _aiter(
    rows: AsyncIterable[Sequence[Any]] | Iterable[Sequence[Any]],
) -> AsyncIterator[Sequence[Any]]:
    if isinstance(rows, AsyncIterable):
        async for row in rows:
            yield row
    else:
        for row in rows:
            yield row


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return "" if value is None else value


def indicator_rows(data: Mapping[str, Any]) -> Iterable[tuple[Any, ...]]:
    """One row per indicator value: today's (``current``) then each week's; nested values
    (by category, by stage, percentiles) one row each, named ``indicator.key``."""
    area = (data["level"], data["code"], data["as_of"])
    for name, value in data["current"].items():
        for indicator, leaf in _leaves(name, value):
            yield (*area, "current", None, indicator, leaf)
    for week in data["weekly"]:
        for name, value in week.items():
            if name == "week_start":
                continue
            for indicator, leaf in _leaves(name, value):
                yield (*area, "week", week["week_start"], indicator, leaf)


def _leaves(name: str, value: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _leaves(f"{name}.{key}", inner)
    elif isinstance(value, list):
        yield name, ";".join(str(v) for v in value)
    else:
        yield name, value


def league_rows(
    level: str, code: str, as_of: date, league: Iterable[Mapping[str, Any]]
) -> Iterable[tuple[Any, ...]]:
    """One row per department, worst first (as the JSON league)."""
    for p in league:
        ack, complete = p["days_to_acknowledge"], p["days_to_complete"]
        yield (
            level,
            code,
            as_of,
            *(p[c] for c in LEAGUE_COLUMNS[3:12]),
            ack["count"],
            ack["median"],
            ack["p90"],
            complete["count"],
            complete["median"],
            complete["p90"],
        )
