"""The personal-data access log: who saw which household's personal fields, and when."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from adapters.event_store import SukumaRecorder
from api.deps import ReadPool
from api.permissions import LIST_PII_READS, require
from api.schemas.privacy import PiiReadList

router = APIRouter(prefix="/audit", tags=["data protection"])


async def pii_reads_table(request: Request) -> str:
    """The log's table, named by the event store's recorder that writes it."""
    recorder = request.app.state.sukuma.recorder
    assert isinstance(recorder, SukumaRecorder)
    return recorder.pii_reads_table_name


@router.get("/pii-reads", dependencies=[require(LIST_PII_READS)])
async def list_pii_reads(
    pool: ReadPool,
    table: Annotated[str, Depends(pii_reads_table)],
    household_id: UUID | None = None,
    # Checked here, not by PostgreSQL: a NUL byte or a 64-bit overflow there is a 500.
    user_id: Annotated[str | None, Query(max_length=128, pattern=r"^[^\x00-\x1f\x7f]*$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="next_cursor of the last page")
    ] = None,
) -> PiiReadList:
    """Reads of personal fields, newest first, filterable by household and by user."""
    terms, args = [], []
    for column, value in (("household_id", household_id), ("user_id", user_id), ("id", cursor)):
        if value is not None:
            args.append(value)
            terms.append(f"{column} {'<' if column == 'id' else '='} ${len(args)}")
    where = f" WHERE {' AND '.join(terms)}" if terms else ""
    args.append(limit + 1)
    rows = await pool.fetch(
        "SELECT id, read_at, user_id, username, household_id::text AS household_id, endpoint,"
        f' fields FROM "{table}"{where}'
        f" ORDER BY id DESC LIMIT ${len(args)}",
        *args,
    )
    data: list[dict[str, Any]] = [{**r, "fields": r["fields"].split(",")} for r in rows[:limit]]
    next_cursor = str(data[-1]["id"]) if len(rows) > limit else None
    return PiiReadList.model_validate({"data": data, "next_cursor": next_cursor})
