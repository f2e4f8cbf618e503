"""Duplicate households: the review queue (read model, scoped), dismiss, merge, undo a merge."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from api.deps import Command, CurrentUser, ReadPool, SukumaApp
from api.schemas.common import WRITTEN
from api.schemas.duplicates import (
    CandidateStatus,
    DismissDuplicate,
    DuplicateList,
    DuplicateRead,
    MergeDuplicate,
    UnmergeDuplicate,
)
from api.schemas.views import PageCursor, encode_cursor
from domain.access.merges import sees_evidence
from domain.access.principal import Principal
from domain.duplicates.model import DuplicateCandidate
from projections.duplicates import queries

router = APIRouter(prefix="/duplicates", tags=["duplicates"])


def _read(row: dict[str, Any], principal: Principal) -> dict[str, Any]:
    wards = [row["ward_a"], row["ward_b"]]
    scores = row["field_scores"]
    return {
        "candidate_id": str(row["candidate_id"]),
        "household_ids": [str(row["household_a"]), str(row["household_b"])],
        "ward_ids": wards,
        "score": row["score"],
        "same_id_number": row["same_id_number"],
        "field_scores": scores if sees_evidence(principal, wards) else None,
        "rule_version": row["rule_version"],
        "status": row["status"],
        "survivor_id": str(row["survivor_id"]) if row["survivor_id"] else None,
        "proposed_at": row["proposed_at"],
        "decided_at": row["decided_at"],
        "decided_by": row["decided_by"],
    }


@router.get("", response_model=DuplicateList)
async def list_duplicates(
    db: ReadPool,
    principal: CurrentUser,
    status: Annotated[CandidateStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[PageCursor | None, Query()] = None,
) -> dict[str, Any]:
    """The pairs whose two households the caller may see, open ones first to review."""
    rows, last = await queries.candidates_page(db, principal, status, cursor, limit)
    return {
        "data": [_read(r, principal) for r in rows],
        "count": len(rows),
        "next_cursor": encode_cursor(last) if last else None,
    }


def _row(candidate: DuplicateCandidate, wards: list[str]) -> dict[str, Any]:
    first, second = candidate.household_ids
    return {
        "candidate_id": candidate.id,
        "household_a": first,
        "household_b": second,
        "ward_a": wards[0],
        "ward_b": wards[1],
        "score": candidate.score,
        "field_scores": candidate.field_scores,
        "same_id_number": candidate.same_id_number,
        "rule_version": candidate.rule_version,
        "status": candidate.status,
        "survivor_id": candidate.survivor_id,
        "proposed_at": candidate.proposed_at,
        "decided_at": candidate.decided_at,
        "decided_by": candidate.decided_by,
    }


@router.get("/{candidate_id}")
def get_duplicate(
    candidate_id: UUID, app: SukumaApp, response: Response, principal: CurrentUser
) -> DuplicateRead:
    """One pair, from the event log (404 unless the caller may see both households)."""
    candidate, first, second = app.read_candidate(candidate_id, principal)
    response.headers["ETag"] = f'"{candidate.version}"'
    row = _row(candidate, [first.ward_id, second.ward_id])
    return DuplicateRead.model_validate(_read(row, principal))


@router.post("/{candidate_id}/dismiss", responses=WRITTEN)
def dismiss_duplicate(candidate_id: UUID, body: DismissDuplicate, cmd: Command) -> JSONResponse:
    return cmd.apply(candidate_id, body, cmd.application.dismiss_duplicate, body.note)


@router.post("/{candidate_id}/merge", responses=WRITTEN)
def merge_duplicate(candidate_id: UUID, body: MergeDuplicate, cmd: Command) -> JSONResponse:
    return cmd.apply(candidate_id, body, cmd.application.merge_households, body.survivor_id)


@router.post("/{candidate_id}/unmerge", responses=WRITTEN)
def unmerge_duplicate(candidate_id: UUID, body: UnmergeDuplicate, cmd: Command) -> JSONResponse:
    return cmd.apply(candidate_id, body, cmd.application.unmerge_households, body.reason)
