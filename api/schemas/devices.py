"""Device app tokens: issue, revoke, and the read shapes (the token itself is never stored)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import CommandBody, Reason, ShortText
from domain.devices.model import Device


class IssueDevice(CommandBody):
    id: UUID | None = Field(default=None, description="Client-chosen id (a retry is a no-op)")
    user_id: UUID = Field(description="The user the device acts as (its roles and scopes)")
    label: ShortText = Field(description="Which phone, e.g. 'Thandi's tablet'")


class RevokeDevice(CommandBody):
    reason: Reason


class DeviceRead(BaseModel):
    id: str
    version: int
    user_id: str
    label: str
    revoked: bool

    @classmethod
    def of(cls, device: Device) -> DeviceRead:
        return cls(
            id=str(device.id),
            version=device.version,
            user_id=device.user_id,
            label=device.label,
            revoked=device.revoked,
        )


class CollectSettingsRead(BaseModel):
    server_url: str = Field(description="The URL Collect submits to (it carries the token)")
    settings: str = Field(
        description="Collect's settings as its QR code holds them: zlib-compressed JSON, base64"
    )
