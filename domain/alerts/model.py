"""The Alert aggregate: an early warning raised by a rule about one subject, and its response.

One aggregate per (rule, subject): its id derives from both, so two sweeps (or two schedulers)
raising the same warning meet on the same id. Each time the condition recurs after a
resolution is a new *episode* of that alert (``Reopened``), so at most one is open at a time.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SukumaAggregate
from domain.errors import RuleViolation
from domain.escalation import FIRST_LEVEL, TOP_LEVEL, is_on_ladder

_ALERT_NAMESPACE = uuid.UUID("0b6f3e52-5c1d-4a8e-9d51-7f3a2c4e8b10")


def alert_id(rule: str, subject: str) -> UUID:
    """The deterministic id of a rule's alert about a subject."""
    return uuid.uuid5(_ALERT_NAMESPACE, f"alert:{rule}:{subject}")


#: Why an alert resolved automatically (``Alert.Resolved`` records None: nothing to seal).
AUTOMATIC_REASON = "the condition no longer holds"


class AlertStatus:
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Alert(SukumaAggregate):
    """An early warning: raised, acknowledged, escalated, resolved and perhaps reopened."""

    class Raised(SukumaAggregate.Created):
        rule: str
        rule_version: str
        subject: str
        level: int
        evidence: dict[str, Any]
        scope: dict[str, str | None]

    class Acknowledged(SukumaAggregate.Event):
        note: str | None  # sealed: people may write anything (domain.personal_data)
        household_id: str | None  # whose data key seals the note; None: the alert's own

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["household_id"] = None  # version 1 stored the note in plain text

    class Escalated(SukumaAggregate.Event):
        from_level: int
        to_level: int
        reason: str

    class Resolved(SukumaAggregate.Event):
        automatic: bool
        reason: str | None  # a person's (sealed, like notes); None when automatic
        rule_version: str | None
        evidence: dict[str, Any] | None
        household_id: str | None  # whose data key seals the reason; None: the alert's own

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["household_id"] = None  # version 1 stored every reason in plain text

    class Reopened(SukumaAggregate.Event):
        episode: int
        rule_version: str
        level: int
        evidence: dict[str, Any]

    @event(Raised)
    def __init__(
        self,
        *,
        id: UUID,
        rule: str,
        rule_version: str,
        subject: str,
        level: int,
        evidence: dict[str, Any],
        scope: dict[str, str | None],
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.rule = rule
        self.subject = subject
        self.scope = scope  # where it belongs, for the access policy
        self.level = level
        self.status = AlertStatus.OPEN
        self.episode = 1
        self.resolved_at: datetime | None = None
        self.resolved_automatically = False

    @staticmethod
    def check_level(level: int) -> None:
        if not is_on_ladder(level):
            raise RuleViolation(
                "alert-level", f"alert levels are {FIRST_LEVEL} to {TOP_LEVEL}, not {level}"
            )

    @property
    def is_open(self) -> bool:
        return self.status != AlertStatus.RESOLVED

    def may_reopen(self, since: datetime | None) -> bool:
        """A resolved alert reopens when its condition holds again.

        After an automatic resolution any recurrence is a new episode; after a person's, only a
        situation that started after that resolution (``since``), so a person's judgement is
        not overruled by the very condition they looked at.
        """
        if self.is_open:
            return False
        if self.resolved_automatically:
            return True
        return since is not None and self.resolved_at is not None and since > self.resolved_at

    def acknowledge(
        self, note: str | None, household_id: str | None, occurred_at: datetime, actor: str
    ) -> None:
        """Acknowledge; ``household_id``: the household the alert is about, if it is."""
        if self.status != AlertStatus.OPEN:
            raise RuleViolation(
                "alert-acknowledge", f"an alert that is {self.status} cannot be acknowledged"
            )
        self._acknowledged(
            note=note, household_id=household_id, occurred_at=occurred_at, actor=actor
        )

    @event(Acknowledged)
    def _acknowledged(
        self, note: str | None, household_id: str | None, occurred_at: datetime, actor: str
    ) -> None:
        self.status = AlertStatus.ACKNOWLEDGED

    def escalate(self, to_level: int, reason: str, occurred_at: datetime, actor: str) -> None:
        self.check_level(to_level)
        if not self.is_open:
            raise RuleViolation("alert-resolved", "a resolved alert cannot be escalated")
        if to_level <= self.level:
            raise RuleViolation(
                "alert-escalation-upward", f"level {self.level} to {to_level} is not up"
            )
        self._escalated(
            from_level=self.level,
            to_level=to_level,
            reason=reason,
            occurred_at=occurred_at,
            actor=actor,
        )

    @event(Escalated)
    def _escalated(
        self, from_level: int, to_level: int, reason: str, occurred_at: datetime, actor: str
    ) -> None:
        self.level = to_level

    def resolve(
        self,
        *,
        automatic: bool,
        reason: str,
        rule_version: str | None,
        evidence: dict[str, Any] | None,
        occurred_at: datetime,
        actor: str,
        household_id: str | None = None,
    ) -> None:
        """Resolve; ``household_id``: the household the alert is about, if it is (its key
        seals a person's reason; an automatic one is always ``AUTOMATIC_REASON``, not kept)."""
        if not self.is_open:
            raise RuleViolation("alert-resolved", "the alert is already resolved")
        if not reason.strip():
            raise RuleViolation("alert-resolve-reason", "a resolution needs a reason")
        self._resolved(
            automatic=automatic,
            reason=None if automatic else reason,
            rule_version=rule_version,
            evidence=evidence,
            household_id=household_id,
            occurred_at=occurred_at,
            actor=actor,
        )

    def clear(
        self, rule_version: str, evidence: dict[str, Any], occurred_at: datetime, actor: str
    ) -> None:
        """The rule no longer holds for the subject: resolve automatically (if still open)."""
        if self.is_open:
            self.resolve(
                automatic=True,
                reason=AUTOMATIC_REASON,
                rule_version=rule_version,
                evidence=evidence,
                occurred_at=occurred_at,
                actor=actor,
            )

    @event(Resolved)
    def _resolved(
        self,
        automatic: bool,
        reason: str | None,
        rule_version: str | None,
        evidence: dict[str, Any] | None,
        household_id: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.status = AlertStatus.RESOLVED
        self.resolved_at = occurred_at
        self.resolved_automatically = automatic

    def reopen(
        self,
        *,
        rule_version: str,
        level: int,
        evidence: dict[str, Any],
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.check_level(level)
        if self.is_open:
            raise RuleViolation("alert-open", "the alert is already open")
        self._reopened(
            episode=self.episode + 1,
            rule_version=rule_version,
            level=level,
            evidence=evidence,
            occurred_at=occurred_at,
            actor=actor,
        )

    @event(Reopened)
    def _reopened(
        self,
        episode: int,
        rule_version: str,
        level: int,
        evidence: dict[str, Any],
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.episode = episode
        self.level = level
        self.status = AlertStatus.OPEN
        self.resolved_at = None
        self.resolved_automatically = False
