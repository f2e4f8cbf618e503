"""Device commands: issue an app token to a user's phone, revoke it."""

from __future__ import annotations

from uuid import UUID

from domain.access.policy import NOWHERE
from domain.application import ApplicationBase
from domain.context import CommandContext, Written
from domain.devices.model import Device, device_id_in, token_hash
from domain.errors import InvalidCommand, NotFoundError
from domain.users.model import User


class DeviceCommands(ApplicationBase):
    def issue_device(
        self, *, device_id: UUID, token: str, user_id: UUID, label: str, ctx: CommandContext
    ) -> Written:
        """Record a device's app token (made by the caller, beginning with the device's id)
        for an active user."""
        user = self.get(User, user_id)  # NotFoundError: 404 for an unknown user
        if not user.active:
            raise NotFoundError("user", user_id)
        if device_id_in(token) != device_id:
            raise InvalidCommand("token", "must begin with the device's id")
        content = {"user_id": str(user_id), "label": label, "token_sha256": token_hash(token)}
        return self._create(
            Device,
            device_id,
            ctx,
            content,
            lambda: [Device(id=device_id, occurred_at=ctx.occurred_at, actor=ctx.actor, **content)],
            action="issue",
            at=NOWHERE,
        )

    def revoke_device(self, device_id: UUID, reason: str, ctx: CommandContext) -> Written:
        return self._change(
            Device,
            device_id,
            ctx,
            lambda d: d.revoke(reason, ctx.occurred_at, ctx.actor),
            action="revoke",
        )

    def device_for_token(self, token: str) -> Device | None:
        """The active device the token opens, or ``None`` (unknown, or revoked)."""
        device_id = device_id_in(token)
        if device_id is None:
            return None
        try:
            device = self.get(Device, device_id)
        except NotFoundError:
            return None
        return device if device.opens_with(token) else None
