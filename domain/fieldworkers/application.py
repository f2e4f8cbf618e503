"""Field-worker commands."""

from __future__ import annotations

from uuid import UUID

from domain.access.policy import NOWHERE
from domain.application import ApplicationBase
from domain.context import CommandContext, Written
from domain.fieldworkers.model import FieldWorker


class FieldWorkerCommands(ApplicationBase):
    def register_field_worker(
        self,
        *,
        worker_id: UUID,
        name: str,
        cadre: str,
        employer: str | None,
        phone: str | None,
        ctx: CommandContext,
    ) -> Written:
        content: dict[str, object] = {
            "name": name,
            "cadre": cadre,
            "employer": employer,
            "phone": phone,
        }
        return self._create(
            FieldWorker,
            worker_id,
            ctx,
            content,
            lambda: [
                FieldWorker(
                    id=worker_id,
                    name=name,
                    cadre=cadre,
                    employer=employer,
                    phone=phone,
                    occurred_at=ctx.occurred_at,
                    actor=ctx.actor,
                )
            ],
            action="register",
            at=NOWHERE,
        )

    def assign_field_worker(self, worker_id: UUID, ward_id: str, ctx: CommandContext) -> Written:
        self._check_ward(ward_id)
        return self._change(
            FieldWorker,
            worker_id,
            ctx,
            lambda f: f.assign(ward_id, ctx.occurred_at, ctx.actor),
            action="assign",
        )

    def deactivate_field_worker(self, worker_id: UUID, reason: str, ctx: CommandContext) -> Written:
        return self._change(
            FieldWorker,
            worker_id,
            ctx,
            lambda f: f.deactivate(reason, ctx.occurred_at, ctx.actor),
            action="deactivate",
        )
