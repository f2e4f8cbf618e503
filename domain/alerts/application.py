"""Alert commands: the scheduler raises, escalates and resolves; people acknowledge and resolve."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import RecordConflictError

from domain.alerts.model import Alert, alert_id
from domain.application_base import ApplicationBase
from domain.context import CommandContext, Written
from domain.errors import NotFoundError


class AlertCommands(ApplicationBase):
    def raise_alert(
        self,
        rule: str,
        rule_version: str,
        subject: str,
        level: int,
        evidence: dict[str, Any],
        scope: dict[str, str | None],
        since: datetime | None,
        ctx: CommandContext,
    ) -> Written:
        """Raise the rule's alert about a subject; reopen it if resolved; else change nothing.

        ``since`` is when the situation began: it decides whether a person's resolution
        still stands (see ``Alert.may_reopen``).
        """
        Alert.check_level(level)
        aid = alert_id(rule, subject)
        try:
            self.get(Alert, aid)
        except NotFoundError:
            alert = Alert(
                id=aid,
                rule=rule,
                rule_version=rule_version,
                subject=subject,
                level=level,
                evidence=evidence,
                scope=scope,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            )
            try:
                return self._save(ctx, alert, ())
            except RecordConflictError:
                pass  # raised meanwhile by another sweep: that alert is open, as wanted

        def reopen(alert: Alert) -> None:
            if alert.may_reopen(since):
                alert.reopen(rule_version, level, evidence, ctx.occurred_at, ctx.actor)

        return self._change(Alert, aid, ctx, reopen)

    def acknowledge_alert(self, aid: UUID, note: str | None, ctx: CommandContext) -> Written:
        return self._change(
            Alert, aid, ctx, lambda a: a.acknowledge(note, ctx.occurred_at, ctx.actor)
        )

    def escalate_alert(
        self, aid: UUID, from_level: int, to_level: int, reason: str, ctx: CommandContext
    ) -> Written:
        """Escalate from ``from_level``; if the alert has moved on meanwhile, change nothing."""

        def escalate(alert: Alert) -> None:
            if alert.is_open and alert.level == from_level:
                alert.escalate(to_level, reason, ctx.occurred_at, ctx.actor)

        return self._change(Alert, aid, ctx, escalate)

    def resolve_alert(self, aid: UUID, reason: str, ctx: CommandContext) -> Written:
        """A person resolves an alert, with a reason."""
        return self._change(
            Alert,
            aid,
            ctx,
            lambda a: a.resolve(False, reason, None, None, ctx.occurred_at, ctx.actor),
        )

    def clear_alert(
        self, aid: UUID, rule_version: str, evidence: dict[str, Any], ctx: CommandContext
    ) -> Written:
        """The rule no longer holds for the subject: resolve automatically (idempotent)."""

        def clear(alert: Alert) -> None:
            if alert.is_open:
                alert.resolve(
                    True,
                    "the condition no longer holds",
                    rule_version,
                    evidence,
                    ctx.occurred_at,
                    ctx.actor,
                )

        return self._change(Alert, aid, ctx, clear)
