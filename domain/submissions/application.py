"""Submission commands: keep a refused form whole (quarantine), store an applied one's files."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.access.policy import Location
from domain.application import ApplicationBase
from domain.context import CommandContext, Written
from domain.households.model import Household
from domain.submissions.model import Attachments, Quarantine


class SubmissionCommands(ApplicationBase):
    def quarantine_submission(
        self,
        *,
        quarantine_id: UUID,
        instance_id: str,
        form_id: str,
        household_id: UUID | None,
        wards: list[str],
        xml: str,
        field: str,
        reason: str,
        ctx: CommandContext,
    ) -> Written:
        """Keep a submission that could not be applied (a resubmission keeps the first copy).

        The system records it (``ctx.principal`` is ``None``): the refusal was the user's."""
        content: dict[str, Any] = {"instance_id": instance_id, "submitted_by": ctx.actor}
        return self._create(
            Quarantine,
            quarantine_id,
            ctx,
            content,
            lambda: [
                Quarantine(
                    id=quarantine_id,
                    instance_id=instance_id,
                    form_id=form_id,
                    submitted_by=ctx.actor,
                    household_id=None if household_id is None else str(household_id),
                    wards=wards,
                    xml=xml,
                    field=field,
                    reason=reason,
                    occurred_at=ctx.occurred_at,
                    actor=ctx.actor,
                )
            ],
            action="quarantine",
            at=Location(frozenset(wards)),
        )

    def correct_quarantined(self, quarantine_id: UUID, xml: str, ctx: CommandContext) -> Written:
        return self._change(
            Quarantine,
            quarantine_id,
            ctx,
            lambda q: q.correct(xml, ctx.occurred_at, ctx.actor),
            action="reapply",
        )

    def mark_reapplied(
        self, quarantine_id: UUID, household_id: UUID, ctx: CommandContext
    ) -> Written:
        return self._change(
            Quarantine,
            quarantine_id,
            ctx,
            lambda q: q.mark_reapplied(household_id, ctx.occurred_at, ctx.actor),
            action="reapply",
        )

    def discard_quarantined(self, quarantine_id: UUID, reason: str, ctx: CommandContext) -> Written:
        return self._change(
            Quarantine,
            quarantine_id,
            ctx,
            lambda q: q.discard(reason, ctx.occurred_at, ctx.actor),
            action="discard",
        )

    def store_attachments(
        self,
        *,
        attachments_id: UUID,
        household_id: UUID,
        instance_id: str,
        files: list[dict[str, Any]],
        ctx: CommandContext,
    ) -> Written:
        """Keep a submission's files (sealed under the household's key): whoever may profile
        the household may attach them."""
        household = self.get(Household, household_id)
        self._authorize(ctx.principal, Household, "profile", household)
        content: dict[str, Any] = {"household_id": str(household_id), "instance_id": instance_id}
        return self._create(
            Attachments,
            attachments_id,
            ctx,
            content,
            lambda: [
                Attachments(
                    id=attachments_id,
                    household_id=str(household_id),
                    ward_id=household.ward_id,
                    instance_id=instance_id,
                    files=files,
                    occurred_at=ctx.occurred_at,
                    actor=ctx.actor,
                )
            ],
            action="store",
            at=None,
        )
