"""Consent, erasure and the personal-data access log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import CommandBody, Note, Reason


class GiveConsent(CommandBody):
    given_by: Literal["self", "competent_person"] = Field(
        description="The data subject, or a competent person for a child (POPIA s35)"
    )
    basis: Literal["consent", "public_law_duty", "child_protection_law"] = "consent"
    note: Note | None = None


class WithdrawConsent(CommandBody):
    note: Note | None = None


class ErasePersonalData(CommandBody):
    reason: Reason = Field(
        description="Why (e.g. the data subject's request, retention ended). Kept readable as "
        "the erasure's record: no personal details in it."
    )


class PiiRead(BaseModel):
    id: int
    read_at: datetime
    user_id: str
    username: str
    household_id: str
    endpoint: str
    fields: list[str]


class PiiReadList(BaseModel):
    data: list[PiiRead]
    next_cursor: str | None = Field(description="Pass as ?cursor= for older reads; null: last")
