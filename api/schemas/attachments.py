"""A household's stored attachments: the files its field-app forms carried (names only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field


class AttachmentsRead(BaseModel):
    id: str = Field(description="The stored set's id (one per applied submission)")
    instance_id: str = Field(description="The submission's instanceID")
    names: list[str]
    urls: list[str] = Field(description="Where each file is read (the read is logged)")
    stored_at: datetime

    @classmethod
    def of_row(cls, household_id: UUID, row: dict[str, Any]) -> AttachmentsRead:
        base = f"/v1/households/{household_id}/attachments/{row['attachments_id']}"
        return cls(
            id=str(row["attachments_id"]),
            instance_id=row["instance_id"],
            names=list(row["names"]),
            urls=[f"{base}/{name}" for name in row["names"]],
            stored_at=row["stored_at"],
        )


class AttachmentsList(BaseModel):
    data: list[AttachmentsRead]
