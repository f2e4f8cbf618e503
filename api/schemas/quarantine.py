"""Quarantined field-app submissions: the list, one with its XML, and the convener's commands."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from api.schemas.common import CommandBody, Reason
from domain.submissions.model import Quarantine

#: A corrected instance: at most the request body limit anyway.
InstanceXml = Annotated[str, StringConstraints(min_length=1, max_length=1_000_000)]


class QuarantineRead(BaseModel):
    id: str
    version: int
    instance_id: str
    form_id: str
    submitted_by: str
    household_id: str | None
    wards: list[str]
    field: str = Field(description="The field (its path in the form) that stopped it")
    reason: str
    status: str = Field(description="open, reapplied or discarded")
    quarantined_at: datetime

    @classmethod
    def of(cls, q: Quarantine) -> QuarantineRead:
        return cls(
            id=str(q.id),
            version=q.version,
            instance_id=q.instance_id,
            form_id=q.form_id,
            submitted_by=q.submitted_by,
            household_id=q.household_id,
            wards=q.wards,
            field=q.field,
            reason=q.reason,
            status=q.status,
            quarantined_at=q.quarantined_at,
        )

    @classmethod
    def of_row(cls, row: dict[str, Any]) -> QuarantineRead:
        """An entry as the field-capture view keeps it."""
        return cls(
            **{k: v for k, v in row.items() if k not in ("quarantine_id", "position")},
            id=str(row["quarantine_id"]),
        )


class QuarantineDetail(QuarantineRead):
    xml: str = Field(description="The submission as the app sent it (or as last corrected)")


class QuarantineList(BaseModel):
    data: list[QuarantineRead]
    count: int
    next_after: int | None = Field(
        description="Pass as ?after= for the next page (entries the caller may not see are "
        "skipped, so a page may hold fewer than limit); null: the last page"
    )


class ReapplyQuarantined(CommandBody):
    xml: InstanceXml | None = Field(
        default=None, description="The corrected instance; omitted: apply it as it is"
    )


class DiscardQuarantined(CommandBody):
    reason: Reason
