"""Alert reads and the two commands people give an alert."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import CommandBody, Note, Reason

AlertStatusFilter = Literal["open", "acknowledged", "resolved"]
AreaLevel = Literal["ward", "municipality", "district"]


class AcknowledgeAlert(CommandBody):
    note: Note | None = None


class ResolveAlert(CommandBody):
    reason: Reason


class AlertRead(BaseModel):
    alert_id: str
    rule: str
    rule_version: str
    subject: str
    level: int
    status: str
    episode: int
    ward_id: str | None
    municipality: str | None
    district: str | None
    department: str | None
    evidence: dict[str, Any]
    raised_at: datetime
    level_since: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None
    resolved_automatically: bool


class AlertEventRead(BaseModel):
    version: int
    type: str
    occurred_at: datetime
    actor: str
    detail: dict[str, Any]


class AlertDetailRead(AlertRead):
    history: list[AlertEventRead]


class AlertList(BaseModel):
    data: list[AlertRead]
    count: int
    next_cursor: str | None


class OpenAlertCount(BaseModel):
    level: int
    rule: str
    open: int


class ResponseTimes(BaseModel):
    level: int
    area: AreaLevel
    code: str | None
    episodes: int
    median_hours_to_acknowledge: float | None
    median_hours_to_resolve: float | None


class AlertGroup(BaseModel):
    rule: str
    level: int
    area: str | None = Field(description="The area's code at the level grouped by")
    alerts: int = Field(description="Open alerts (not resolved)")
    unacknowledged: int = Field(description="Of those, nobody has acknowledged yet")
    oldest: datetime = Field(description="When the oldest was raised")
    level_since: datetime = Field(description="Since when the earliest has been at its level")


class AlertGroupList(BaseModel):
    by: AreaLevel
    data: list[AlertGroup]


class AlertStatsRead(BaseModel):
    open: list[OpenAlertCount]
    response_times: list[ResponseTimes]
