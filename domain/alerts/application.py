"""Alert commands: the scheduler raises, escalates and resolves; people acknowledge and resolve."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError

from domain.alerts.model import Alert, alert_id
from domain.application import ApplicationBase, replay
from domain.context import CommandContext, Written
from domain.errors import NotFoundError
from domain.households.model import Household
from domain.referrals.model import Referral

# Aggregates saved in one transaction by the batch commands (large saves over a unix socket
# stall psycopg's pipeline: see the README's known limits).
BATCH = 50


@dataclass(frozen=True)
class NewAlert:
    """An alert to raise: what ``raise_alert`` takes, for the batch command."""

    rule: str
    rule_version: str
    subject: str
    level: int
    evidence: dict[str, Any]
    scope: dict[str, str | None]
    since: datetime | None


class AlertCommands(ApplicationBase):
    def raise_alert(
        self,
        *,
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
                alert.reopen(
                    rule_version=rule_version,
                    level=level,
                    evidence=evidence,
                    occurred_at=ctx.occurred_at,
                    actor=ctx.actor,
                )

        return self._change(Alert, aid, ctx, reopen, action="raise")

    def raise_alerts(self, alerts: Sequence[NewAlert], ctx: CommandContext) -> list[Written]:
        """Raise alerts believed new, ``BATCH`` to a transaction; if one of a batch exists
        already (a lagging view), that batch is decided one alert at a time."""
        out: list[Written] = []
        for i in range(0, len(alerts), BATCH):
            batch = alerts[i : i + BATCH]
            new = [
                Alert(
                    id=alert_id(a.rule, a.subject),
                    rule=a.rule,
                    rule_version=a.rule_version,
                    subject=a.subject,
                    level=a.level,
                    evidence=a.evidence,
                    scope=a.scope,
                    occurred_at=ctx.occurred_at,
                    actor=ctx.actor,
                )
                for a in batch
            ]
            for alert in new:
                Alert.check_level(alert.level)
            try:
                recordings = self.save(*new)
            except RecordConflictError:
                out += [
                    self.raise_alert(
                        rule=a.rule,
                        rule_version=a.rule_version,
                        subject=a.subject,
                        level=a.level,
                        evidence=a.evidence,
                        scope=a.scope,
                        since=a.since,
                        ctx=ctx,
                    )
                    for a in batch
                ]
                continue
            position = recordings[-1].notification.id
            out += [Written(alert.id, alert.version, position) for alert in new]
        return out

    def clear_alerts(
        self, ids: Sequence[UUID], rule_version: str, evidence: dict[str, Any], ctx: CommandContext
    ) -> list[Written]:
        """``clear_alert`` for many alerts, ``BATCH`` to a transaction."""
        out: list[Written] = []
        for i in range(0, len(ids), BATCH):
            batch = ids[i : i + BATCH]
            alerts = [self.get(Alert, aid) for aid in batch]
            changed = [a for a in alerts if a.is_open]
            for alert in changed:
                alert.clear(rule_version, evidence, ctx.occurred_at, ctx.actor)
            try:
                recordings = self.save(*changed) if changed else []
            except RecordConflictError:
                out += [self.clear_alert(aid, rule_version, evidence, ctx) for aid in batch]
                continue
            position = recordings[-1].notification.id if recordings else None
            out += [Written(a.id, a.version, position) for a in changed]
        return out

    def acknowledge_alert(self, aid: UUID, note: str | None, ctx: CommandContext) -> Written:
        """Acknowledge, the note sealed under the key of the household the alert is about."""
        return self._change(
            Alert,
            aid,
            ctx,
            lambda a: a.acknowledge(
                note, self._household_about(a.subject), ctx.occurred_at, ctx.actor
            ),
            action="acknowledge",
        )

    def _household_about(self, subject: str) -> str | None:
        """The household an alert's subject is, or whose referral or need (``<household
        id>:<need id>``) it is; None for any other subject."""
        try:
            aggregate = self.repository.get(UUID(subject.split(":")[0]), projector_func=replay)
        except (ValueError, AggregateNotFoundError):
            return None  # not an id (an area and category), or not an aggregate's
        if isinstance(aggregate, Household):
            return str(aggregate.id)
        if isinstance(aggregate, Referral):
            return aggregate.household_id
        return None

    def alert_notes(self, aid: UUID) -> tuple[str | None, dict[int, str | None]]:
        """The household the alert's notes belong to, and each note (an acknowledgement's
        note, a person's resolution reason) by its event's version (unsealed: the caller
        decides who sees them)."""
        written: dict[int, str | None] = {}
        household = None
        for e in self.repository.event_store.get(aid):
            if isinstance(e, Alert.Acknowledged):
                written[e.originator_version] = e.note
            elif isinstance(e, Alert.Resolved) and not e.automatic:
                written[e.originator_version] = e.reason
            else:
                continue
            household = household or e.household_id
        return household, written

    def escalate_alert(
        self, *, aid: UUID, from_level: int, to_level: int, reason: str, ctx: CommandContext
    ) -> Written:
        """Escalate from ``from_level``; if the alert has moved on meanwhile, change nothing."""

        def escalate(alert: Alert) -> None:
            if alert.is_open and alert.level == from_level:
                alert.escalate(to_level, reason, ctx.occurred_at, ctx.actor)

        return self._change(Alert, aid, ctx, escalate, action="escalate")

    def resolve_alert(self, aid: UUID, reason: str, ctx: CommandContext) -> Written:
        """A person resolves an alert, with a reason."""
        return self._change(
            Alert,
            aid,
            ctx,
            lambda a: a.resolve(
                automatic=False,
                reason=reason,
                rule_version=None,
                evidence=None,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
                household_id=self._household_about(a.subject),
            ),
            action="resolve",
        )

    def clear_alert(
        self, aid: UUID, rule_version: str, evidence: dict[str, Any], ctx: CommandContext
    ) -> Written:
        """The rule no longer holds for the subject: resolve automatically (idempotent)."""

        return self._change(
            Alert,
            aid,
            ctx,
            lambda a: a.clear(rule_version, evidence, ctx.occurred_at, ctx.actor),
            action="clear",
        )
