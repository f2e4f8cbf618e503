"""Field-worker commands and read shape."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints

from api.schemas.common import CommandBody, Reason, ShortText, WardId
from domain.fieldworkers.model import FieldWorker
from domain.vocabulary import Cadre


class RegisterFieldWorker(CommandBody):
    id: UUID | None = Field(default=None, description="Client-chosen id (offline creation)")
    name: ShortText
    cadre: Cadre
    employer: ShortText | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ]{9,15}$")] | None = None


class AssignFieldWorker(CommandBody):
    ward_id: WardId


class DeactivateFieldWorker(CommandBody):
    reason: Reason


class FieldWorkerRead(BaseModel):
    id: str
    version: int
    name: str
    cadre: str
    employer: str | None
    phone: str | None
    ward_ids: list[str]
    active: bool

    @classmethod
    def of(cls, worker: FieldWorker) -> FieldWorkerRead:
        return cls(
            id=str(worker.id),
            version=worker.version,
            name=worker.name,
            cadre=worker.cadre,
            employer=worker.employer,
            phone=worker.phone,
            ward_ids=list(worker.ward_ids),
            active=worker.active,
        )
