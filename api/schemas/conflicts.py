"""Contested profile fields (read model) and a convener's resolution of one."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, JsonValue

from api.schemas.common import CommandBody

ConflictStatus = Literal["open", "resolved"]


class ResolveConflict(CommandBody):
    value: JsonValue = Field(
        description="The value the field is to hold: one of the values submitted for it (422 "
        "otherwise; see the household's profile_conflicts); the risk is scored again."
    )


class ConflictRead(BaseModel):
    """One contested field; its candidate values are on the household (personal data)."""

    conflict_id: str
    household_id: str
    ward_id: str | None
    path: str = Field(description="The field: members.<member_id>.<answer> or <section>.<answer>")
    candidates: int = Field(description="How many different values were submitted for it")
    status: ConflictStatus
    opened_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None


class ConflictList(BaseModel):
    data: list[ConflictRead]
    count: int
    next_cursor: str | None
