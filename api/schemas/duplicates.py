"""Duplicate candidates (read model) and a convener's decision on one."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import CommandBody, Note

CandidateStatus = Literal["open", "dismissed", "merged"]


class DismissDuplicate(CommandBody):
    note: Note | None = Field(default=None, description="Why they are two households")


class MergeDuplicate(CommandBody):
    survivor_id: UUID = Field(
        description="The household that stays: one of the pair's; the other is merged into it"
    )


class UnmergeDuplicate(CommandBody):
    reason: Note | None = None


class DuplicateRead(BaseModel):
    """A pair that may be one household recorded twice, and the decision on it."""

    candidate_id: str
    household_ids: list[str]
    ward_ids: list[str] = Field(description="Where each household is now")
    score: float = Field(description="0..1, how alike the matcher found them")
    same_id_number: bool
    field_scores: dict[str, float] | None = Field(
        description="The evidence: each field's similarity (0..1) for the best-matching "
        "members, the share of members found in the other household, the same ward. "
        "Withheld (null) unless the reader may see both households' personal data."
    )
    rule_version: str
    status: CandidateStatus
    survivor_id: str | None
    proposed_at: datetime
    decided_at: datetime | None
    decided_by: str | None


class DuplicateList(BaseModel):
    data: list[DuplicateRead]
    count: int
    next_cursor: str | None
