"""The Referral aggregate: a need sent to a department, followed until the household confirms."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SukumaAggregate
from domain.errors import InvalidCommand, RuleViolation
from domain.escalation import FIRST_LEVEL, TOP_LEVEL, is_on_ladder
from domain.referrals.feedback import ReferralFeedback
from domain.referrals.moves import ReferralMoves
from domain.referrals.overdue import ReferralOverdue
from domain.vocabulary import TERMINAL_REFERRAL_STATUSES, ReferralStatus, RejectionReason

S = ReferralStatus


class Referral(ReferralFeedback, ReferralMoves, ReferralOverdue, SukumaAggregate):
    """Made → acknowledged → service delivered → verified → closed (or rejected, cancelled)."""

    class Made(SukumaAggregate.Created):
        household_id: str
        need_id: str
        category: str
        severity: str
        from_ward_id: str
        department: str
        ack_by: date
        deliver_by: date
        standard_version: str
        personal_data_shared: bool
        note: str | None
        consent_override_reason: str | None  # why shared without consent (a convener's call)

    class Acknowledged(SukumaAggregate.Event):
        note: str | None

    class Rejected(SukumaAggregate.Event):
        reason: str
        note: str | None

    class Reassigned(SukumaAggregate.Event):
        from_department: str
        to_department: str
        reason: str
        ack_by: date
        deliver_by: date
        standard_version: str

    class Escalated(SukumaAggregate.Event):
        from_level: int
        to_level: int
        reason: str

    class EscalatedOverdue(SukumaAggregate.Event):
        """The system moved the referral one level up the ladder: it has missed ``standard``
        (``acknowledgement`` or ``delivery``, due by ``due`` under ``standard_version``) and
        is ``days_overdue`` days past it."""

        from_level: int
        to_level: int
        standard: str
        due: date
        standard_version: str
        days_overdue: int

    class ServiceDelivered(SukumaAggregate.Event):
        intervention_id: str
        kind: str
        description: str | None

    class DeliveryVerified(SukumaAggregate.Event):
        note: str | None

    class DeliveryDisputed(SukumaAggregate.Event):
        reason: str

    class Reopened(SukumaAggregate.Event):
        reason: str

    class Closed(SukumaAggregate.Event):
        note: str | None

    class Cancelled(SukumaAggregate.Event):
        reason: str

    class Rehomed(SukumaAggregate.Event):
        """Its household moved: the new ward's war room follows the open referral up."""

        previous_ward_id: str
        ward_id: str

    class HandedOver(SukumaAggregate.Event):  # a merge's handover, see ``moves``
        previous_ward_id: str
        ward_id: str
        household_id: str  # the household whose ward follows it up now
        reason: str  # ``moves.MERGED``, ``MOVED`` or ``UNMERGED``

    class FeedbackGiven(SukumaAggregate.Event):  # the household's word, with its code
        received: bool
        rating: int | None
        comment: str | None  # sealed under the household's key (domain.personal_data)
        channel: str  # "web" or "sms"

    @event(Made)
    def __init__(
        self,
        *,
        id: UUID,
        household_id: str,
        need_id: str,
        category: str,
        severity: str,
        from_ward_id: str,
        department: str,
        ack_by: date,
        deliver_by: date,
        standard_version: str,
        personal_data_shared: bool,
        note: str | None,
        occurred_at: datetime,
        actor: str,
        # The default loads Made events stored before the field; eventsourcing 9.5 still asks
        # a creator to pass it (it counts every keyword-only parameter as required).
        consent_override_reason: str | None = None,
    ) -> None:
        self.household_id = household_id
        self.need_id = need_id
        self.category = category
        self.severity = severity
        self.from_ward_id = from_ward_id
        self.ward_id = from_ward_id  # where it is followed up now (``Rehomed``)
        self.department = department
        self.ack_by = ack_by
        self.deliver_by = deliver_by
        self.standard_version = standard_version
        self.personal_data_shared = personal_data_shared
        self.status: str = S.MADE
        self.escalation_level = 0
        self.made_at = occurred_at
        self.acknowledged_at: datetime | None = None
        self.delivered_at: datetime | None = None
        self.verified_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.intervention_id: str | None = None
        self.rejection_reason: str | None = None
        self.feedback_given = False

    # ---- guards ------------------------------------------------------------------------------

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_REFERRAL_STATUSES

    def _ensure_status(self, action: str, *allowed: ReferralStatus) -> None:
        if self.is_terminal:
            raise RuleViolation(
                "referral-terminal", f"cannot {action}: the referral is {self.status} (terminal)"
            )
        if self.status not in allowed:
            wanted = " or ".join(a.value for a in allowed)
            raise RuleViolation(
                "referral-lifecycle",
                f"cannot {action} a referral that is {self.status}: it must be {wanted}",
            )

    # ---- commands ----------------------------------------------------------------------------

    def acknowledge(self, note: str | None, occurred_at: datetime, actor: str) -> None:
        self._ensure_status("acknowledge", S.MADE)
        self._acknowledged(note=note, occurred_at=occurred_at, actor=actor)

    @event(Acknowledged)
    def _acknowledged(self, note: str | None, occurred_at: datetime, actor: str) -> None:
        self.status = S.ACKNOWLEDGED
        self.acknowledged_at = occurred_at

    def reject(self, reason: str, note: str | None, occurred_at: datetime, actor: str) -> None:
        """The receiving department declines the referral, with a reason."""
        self._ensure_status("reject", S.MADE, S.ACKNOWLEDGED)
        if reason not in set(RejectionReason):
            raise InvalidCommand("reason", f"must be one of {', '.join(RejectionReason)}")
        if reason == "other" and not note:
            raise RuleViolation("rejection-reason", "a rejection for reason 'other' needs a note")
        self._rejected(reason=reason, note=note, occurred_at=occurred_at, actor=actor)

    @event(Rejected)
    def _rejected(self, reason: str, note: str | None, occurred_at: datetime, actor: str) -> None:
        self.status = S.REJECTED
        self.rejection_reason = reason
        self.closed_at = occurred_at

    def reassign(
        self,
        *,
        to_department: str,
        reason: str,
        ack_by: date,
        deliver_by: date,
        standard_version: str,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """Send to another department; due dates restart from the new standard, reason kept."""
        self._ensure_status("reassign", S.MADE, S.ACKNOWLEDGED)
        if to_department == self.department:
            raise RuleViolation(
                "reassign-to-other-department", f"the referral is already with {to_department}"
            )
        self._reassigned(
            from_department=self.department,
            to_department=to_department,
            reason=reason,
            ack_by=ack_by,
            deliver_by=deliver_by,
            standard_version=standard_version,
            occurred_at=occurred_at,
            actor=actor,
        )

    @event(Reassigned)
    def _reassigned(
        self,
        from_department: str,
        to_department: str,
        reason: str,
        ack_by: date,
        deliver_by: date,
        standard_version: str,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.department = to_department
        self.ack_by = ack_by
        self.deliver_by = deliver_by
        self.standard_version = standard_version
        self.status = S.MADE
        self.acknowledged_at = None

    def escalate(self, to_level: int, reason: str, occurred_at: datetime, actor: str) -> None:
        """Escalate up the ladder (``domain.escalation``); never down, due dates kept."""
        if self.is_terminal:
            raise RuleViolation(
                "referral-terminal", f"cannot escalate: the referral is {self.status}"
            )
        if not is_on_ladder(to_level):
            raise RuleViolation(
                "escalation-level-range", f"escalation level must be {FIRST_LEVEL} to {TOP_LEVEL}"
            )
        if to_level <= self.escalation_level:
            raise RuleViolation(
                "escalation-only-upward",
                f"escalation must go up: the referral is at level {self.escalation_level}",
            )
        self._escalated(
            from_level=self.escalation_level,
            to_level=to_level,
            reason=reason,
            occurred_at=occurred_at,
            actor=actor,
        )

    @event(Escalated)
    def _escalated(
        self, from_level: int, to_level: int, reason: str, occurred_at: datetime, actor: str
    ) -> None:
        self.escalation_level = to_level

    @event(EscalatedOverdue)
    def _escalated_overdue(
        self,
        from_level: int,
        to_level: int,
        standard: str,
        due: date,
        standard_version: str,
        days_overdue: int,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.escalation_level = to_level

    def deliver(
        self,
        *,
        intervention_id: str,
        kind: str,
        description: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """Record the department's service; only after acknowledgement."""
        self._ensure_status("record delivery on", S.ACKNOWLEDGED)
        self._service_delivered(
            intervention_id=intervention_id,
            kind=kind,
            description=description,
            occurred_at=occurred_at,
            actor=actor,
        )

    @event(ServiceDelivered)
    def _service_delivered(
        self,
        intervention_id: str,
        kind: str,
        description: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.status = S.SERVICE_DELIVERED
        self.delivered_at = occurred_at
        self.intervention_id = intervention_id

    def verify(self, note: str | None, occurred_at: datetime, actor: str) -> None:
        """The household confirms the service, through its field worker."""
        self._ensure_status("verify", S.SERVICE_DELIVERED)
        self._delivery_verified(note=note, occurred_at=occurred_at, actor=actor)

    @event(DeliveryVerified)
    def _delivery_verified(self, note: str | None, occurred_at: datetime, actor: str) -> None:
        self.status = S.VERIFIED
        self.verified_at = occurred_at

    def dispute(self, reason: str, occurred_at: datetime, actor: str) -> None:
        """The household says the service did not reach it."""
        self._ensure_status("dispute", S.SERVICE_DELIVERED)
        self._delivery_disputed(reason=reason, occurred_at=occurred_at, actor=actor)

    @event(DeliveryDisputed)
    def _delivery_disputed(self, reason: str, occurred_at: datetime, actor: str) -> None:
        self.status = S.DISPUTED

    def reopen(self, reason: str, occurred_at: datetime, actor: str) -> None:
        """Back to the department after a dispute (only from disputed)."""
        self._ensure_status("reopen", S.DISPUTED)
        self._reopened(reason=reason, occurred_at=occurred_at, actor=actor)

    @event(Reopened)
    def _reopened(self, reason: str, occurred_at: datetime, actor: str) -> None:
        self.status = S.ACKNOWLEDGED
        self.delivered_at = None
        self.intervention_id = None

    def close(self, note: str | None, occurred_at: datetime, actor: str) -> None:
        """Close the loop: only once the household has verified the delivery."""
        self._ensure_status("close", S.VERIFIED)
        self._closed(note=note, occurred_at=occurred_at, actor=actor)

    @event(Closed)
    def _closed(self, note: str | None, occurred_at: datetime, actor: str) -> None:
        self.status = S.CLOSED
        self.closed_at = occurred_at

    def cancel(self, reason: str, occurred_at: datetime, actor: str) -> None:
        self._ensure_status("cancel", S.MADE, S.ACKNOWLEDGED)
        self._cancelled(reason=reason, occurred_at=occurred_at, actor=actor)

    @event(Cancelled)
    def _cancelled(self, reason: str, occurred_at: datetime, actor: str) -> None:
        self.status = S.CANCELLED
        self.closed_at = occurred_at

    @event(Rehomed)
    def _rehomed(
        self, previous_ward_id: str, ward_id: str, occurred_at: datetime, actor: str
    ) -> None:
        self.ward_id = ward_id

    @event(HandedOver)  # the commands are ReferralMoves.hand_to_survivor and hand_back
    def _handed_over(self, previous_ward_id: str, ward_id: str, household_id: str, reason: str,
                     occurred_at: datetime, actor: str) -> None:  # fmt: skip
        self.ward_id = ward_id
        self.survivor_id = None if household_id == self.household_id else household_id

    @event(FeedbackGiven)  # the command is ReferralFeedback.give_feedback
    def _feedback_given(self, received: bool, rating: int | None, comment: str | None,
                        channel: str, occurred_at: datetime, actor: str) -> None:  # fmt: skip
        self.feedback_given = True
