"""Referral aggregate: the lifecycle rules of oss-domain.md §7.3 (1–6) and happy paths, no I/O."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain.errors import RuleViolation
from domain.escalation import TOP_LEVEL
from domain.referrals.model import Referral
from domain.vocabulary import ReferralStatus

S = ReferralStatus
T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
ACTOR = "convener-zanele"
ACK_BY = date(2025, 6, 8)
DELIVER_BY = date(2025, 7, 1)


def at(days: int) -> datetime:
    return T0 + timedelta(days=days)


# ---- builders (Given) ----------------------------------------------------------------------------


def made() -> Referral:
    referral = Referral(
        id=uuid4(),
        household_id=str(uuid4()),
        need_id="need-1",
        category="social_grant",
        severity="high",
        from_ward_id="KZN225-W001",
        department="SASSA",
        ack_by=ACK_BY,
        deliver_by=DELIVER_BY,
        standard_version="standards-v1",
        personal_data_shared=False,
        note=None,
        occurred_at=T0,
        actor=ACTOR,
        consent_override_reason=None,
    )
    referral.collect_events()
    return referral


# How to reach each status from "made", one step per command.
PATHS: dict[str, list[Callable[[Referral], None]]] = {
    S.MADE: [],
    S.ACKNOWLEDGED: [lambda r: r.acknowledge(None, at(1), ACTOR)],
    S.SERVICE_DELIVERED: [
        lambda r: r.acknowledge(None, at(1), ACTOR),
        lambda r: r.deliver(
            intervention_id="iv-1",
            kind="grant_approved",
            description=None,
            occurred_at=at(5),
            actor=ACTOR,
        ),
    ],
    S.VERIFIED: [
        lambda r: r.acknowledge(None, at(1), ACTOR),
        lambda r: r.deliver(
            intervention_id="iv-1",
            kind="grant_approved",
            description=None,
            occurred_at=at(5),
            actor=ACTOR,
        ),
        lambda r: r.verify(None, at(6), ACTOR),
    ],
    S.DISPUTED: [
        lambda r: r.acknowledge(None, at(1), ACTOR),
        lambda r: r.deliver(
            intervention_id="iv-1",
            kind="grant_approved",
            description=None,
            occurred_at=at(5),
            actor=ACTOR,
        ),
        lambda r: r.dispute("no grant paid", at(6), ACTOR),
    ],
    S.CLOSED: [
        lambda r: r.acknowledge(None, at(1), ACTOR),
        lambda r: r.deliver(
            intervention_id="iv-1",
            kind="grant_approved",
            description=None,
            occurred_at=at(5),
            actor=ACTOR,
        ),
        lambda r: r.verify(None, at(6), ACTOR),
        lambda r: r.close(None, at(7), ACTOR),
    ],
    S.REJECTED: [lambda r: r.reject("not_eligible", None, at(1), ACTOR)],
    S.CANCELLED: [lambda r: r.cancel("household moved", at(1), ACTOR)],
}


def referral_in(status: str) -> Referral:
    referral = made()
    for step in PATHS[status]:
        step(referral)
    referral.collect_events()
    assert referral.status == status
    return referral


def emitted(referral: Referral) -> list[type]:
    return [type(e) for e in referral.collect_events()]


def assert_refused(referral: Referral, rule: str, command: Callable[[], object]) -> None:
    """When the command runs, it raises the named rule and leaves state and events untouched."""
    before = copy.deepcopy(referral.__dict__)
    version = referral.version
    with pytest.raises(RuleViolation) as refused:
        command()
    assert refused.value.rule == rule
    assert referral.version == version
    assert referral.collect_events() == []
    assert referral.__dict__ == before


# Every command, with valid arguments, as a function of the referral.
COMMANDS: dict[str, Callable[[Referral], None]] = {
    "acknowledge": lambda r: r.acknowledge(None, at(20), ACTOR),
    "reject": lambda r: r.reject("duplicate", None, at(20), ACTOR),
    "reassign": lambda r: r.reassign(
        to_department="DSD",
        reason="wrong office",
        ack_by=date(2025, 7, 1),
        deliver_by=date(2025, 8, 1),
        standard_version="standards-v1",
        occurred_at=at(20),
        actor=ACTOR,
    ),
    "escalate": lambda r: r.escalate(1, "overdue", at(20), ACTOR),
    "deliver": lambda r: r.deliver(
        intervention_id="iv-9", kind="service", description=None, occurred_at=at(20), actor=ACTOR
    ),
    "verify": lambda r: r.verify(None, at(20), ACTOR),
    "dispute": lambda r: r.dispute("nothing came", at(20), ACTOR),
    "reopen": lambda r: r.reopen("dispute upheld", at(20), ACTOR),
    "close": lambda r: r.close(None, at(20), ACTOR),
    "cancel": lambda r: r.cancel("no longer needed", at(20), ACTOR),
}
TERMINAL = [S.CLOSED, S.REJECTED, S.CANCELLED]


# ---- making -------------------------------------------------------------------------------------


def test_a_referral_is_made_with_due_dates_fixed_and_no_escalation() -> None:
    referral = Referral(
        id=uuid4(),
        household_id="h-1",
        need_id="need-1",
        category="documents",
        severity="medium",
        from_ward_id="ETH-W001",
        department="DHA",
        ack_by=ACK_BY,
        deliver_by=DELIVER_BY,
        standard_version="standards-v1",
        personal_data_shared=True,
        note="birth certificate",
        occurred_at=T0,
        actor=ACTOR,
        consent_override_reason=None,
    )

    assert emitted(referral) == [Referral.Made]
    assert referral.status == S.MADE
    assert (referral.ack_by, referral.deliver_by) == (ACK_BY, DELIVER_BY)
    assert referral.escalation_level == 0
    assert referral.made_at == T0 and not referral.is_terminal


# ---- the happy lifecycle ------------------------------------------------------------------------


def test_the_full_lifecycle_runs_made_to_closed() -> None:
    referral = made()

    referral.acknowledge("received", at(1), ACTOR)
    referral.deliver(
        intervention_id="iv-1",
        kind="grant_approved",
        description="CSG approved",
        occurred_at=at(5),
        actor=ACTOR,
    )
    referral.verify("mother confirms", at(6), ACTOR)
    referral.close(None, at(7), ACTOR)

    assert emitted(referral) == [
        Referral.Acknowledged,
        Referral.ServiceDelivered,
        Referral.DeliveryVerified,
        Referral.Closed,
    ]
    assert referral.status == S.CLOSED and referral.is_terminal
    assert referral.acknowledged_at == at(1)
    assert (referral.delivered_at, referral.intervention_id) == (at(5), "iv-1")
    assert (referral.verified_at, referral.closed_at) == (at(6), at(7))


def test_acknowledging_twice_is_refused() -> None:
    referral = referral_in(S.ACKNOWLEDGED)

    assert_refused(referral, "referral-lifecycle", lambda: COMMANDS["acknowledge"](referral))


def test_no_service_is_delivered_before_acknowledgement() -> None:
    referral = made()

    assert_refused(referral, "referral-lifecycle", lambda: COMMANDS["deliver"](referral))


@pytest.mark.parametrize("status", [S.MADE, S.ACKNOWLEDGED, S.DISPUTED, S.VERIFIED])
def test_no_verification_without_a_delivery_pending(status: str) -> None:
    referral = referral_in(status)

    assert_refused(referral, "referral-lifecycle", lambda: COMMANDS["verify"](referral))


@pytest.mark.parametrize("status", [S.MADE, S.ACKNOWLEDGED, S.SERVICE_DELIVERED, S.DISPUTED])
def test_no_closure_before_verification(status: str) -> None:
    referral = referral_in(status)

    assert_refused(referral, "referral-lifecycle", lambda: COMMANDS["close"](referral))


@pytest.mark.parametrize("status", [S.MADE, S.ACKNOWLEDGED])
def test_a_referral_not_yet_served_can_be_cancelled(status: str) -> None:
    referral = referral_in(status)

    referral.cancel("household moved away", at(3), ACTOR)

    assert emitted(referral) == [Referral.Cancelled]
    assert referral.status == S.CANCELLED and referral.closed_at == at(3)


@pytest.mark.parametrize("status", [S.SERVICE_DELIVERED, S.VERIFIED, S.DISPUTED])
def test_a_served_referral_cannot_be_cancelled(status: str) -> None:
    referral = referral_in(status)

    assert_refused(referral, "referral-lifecycle", lambda: COMMANDS["cancel"](referral))


# ---- terminal states ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("status", TERMINAL)
def test_nothing_happens_after_a_terminal_state(status: str, command: str) -> None:
    referral = referral_in(status)

    assert_refused(referral, "referral-terminal", lambda: COMMANDS[command](referral))


# ---- rejection ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.MADE, S.ACKNOWLEDGED])
def test_the_department_may_reject_with_a_reason(status: str) -> None:
    referral = referral_in(status)

    referral.reject("wrong_department", None, at(2), ACTOR)

    assert emitted(referral) == [Referral.Rejected]
    assert referral.status == S.REJECTED and referral.rejection_reason == "wrong_department"
    assert referral.closed_at == at(2)


def test_a_rejection_for_other_reasons_needs_a_note() -> None:
    referral = made()

    assert_refused(
        referral, "rejection-reason", lambda: referral.reject("other", None, at(2), ACTOR)
    )
    referral.reject("other", "outside our district", at(2), ACTOR)
    assert emitted(referral) == [Referral.Rejected]


@pytest.mark.parametrize("status", [S.SERVICE_DELIVERED, S.VERIFIED, S.DISPUTED])
def test_a_served_referral_cannot_be_rejected(status: str) -> None:
    referral = referral_in(status)

    assert_refused(referral, "referral-lifecycle", lambda: COMMANDS["reject"](referral))


# ---- reassignment -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.MADE, S.ACKNOWLEDGED])
def test_reassigning_restarts_the_due_dates_and_keeps_the_reason(status: str) -> None:
    referral = referral_in(status)

    referral.reassign(
        to_department="DSD",
        reason="SASSA office closed",
        ack_by=date(2025, 6, 20),
        deliver_by=date(2025, 7, 20),
        standard_version="standards-v2",
        occurred_at=at(3),
        actor=ACTOR,
    )

    events: list[Any] = list(referral.collect_events())
    assert [type(e) for e in events] == [Referral.Reassigned]
    assert (events[0].from_department, events[0].to_department) == ("SASSA", "DSD")
    assert events[0].reason == "SASSA office closed"
    assert referral.department == "DSD" and referral.status == S.MADE
    assert (referral.ack_by, referral.deliver_by) == (date(2025, 6, 20), date(2025, 7, 20))
    assert referral.standard_version == "standards-v2"
    assert referral.acknowledged_at is None


def test_reassigning_to_the_same_department_is_refused() -> None:
    referral = made()

    assert_refused(
        referral,
        "reassign-to-other-department",
        lambda: referral.reassign(
            to_department="SASSA",
            reason="again",
            ack_by=date(2025, 7, 1),
            deliver_by=date(2025, 8, 1),
            standard_version="standards-v1",
            occurred_at=at(3),
            actor=ACTOR,
        ),
    )


@pytest.mark.parametrize("status", [S.SERVICE_DELIVERED, S.VERIFIED, S.DISPUTED])
def test_a_served_referral_cannot_be_reassigned(status: str) -> None:
    referral = referral_in(status)

    assert_refused(referral, "referral-lifecycle", lambda: COMMANDS["reassign"](referral))


# ---- escalation ---------------------------------------------------------------------------------


def test_escalation_goes_up_the_ladder_without_touching_due_dates() -> None:
    referral = made()

    for level in range(1, TOP_LEVEL + 1):
        referral.escalate(level, f"overdue at level {level - 1}", at(level), ACTOR)

    events: list[Any] = list(referral.collect_events())
    assert [type(e) for e in events] == [Referral.Escalated] * 4
    assert [(e.from_level, e.to_level) for e in events] == [(0, 1), (1, 2), (2, 3), (3, 4)]
    assert referral.escalation_level == TOP_LEVEL == 4
    assert (referral.ack_by, referral.deliver_by) == (ACK_BY, DELIVER_BY)
    assert referral.status == S.MADE


def test_escalation_may_skip_levels() -> None:
    referral = made()

    referral.escalate(3, "child at risk", at(1), ACTOR)

    assert emitted(referral) == [Referral.Escalated]
    assert referral.escalation_level == 3


@pytest.mark.parametrize("level", [-1, 0, TOP_LEVEL + 1, 10])
def test_escalation_outside_levels_one_to_four_is_refused(level: int) -> None:
    referral = made()

    assert_refused(
        referral,
        "escalation-level-range",
        lambda: referral.escalate(level, "why", at(1), ACTOR),
    )


@pytest.mark.parametrize("level", [1, 2])
def test_escalation_never_goes_down_or_repeats_a_level(level: int) -> None:
    referral = made()
    referral.escalate(2, "overdue", at(1), ACTOR)
    referral.collect_events()

    assert_refused(
        referral,
        "escalation-only-upward",
        lambda: referral.escalate(level, "again", at(2), ACTOR),
    )
    assert referral.escalation_level == 2


@pytest.mark.parametrize("status", [S.ACKNOWLEDGED, S.SERVICE_DELIVERED, S.VERIFIED, S.DISPUTED])
def test_an_open_referral_can_be_escalated_in_any_live_status(status: str) -> None:
    referral = referral_in(status)

    referral.escalate(1, "slow", at(9), ACTOR)

    assert emitted(referral) == [Referral.Escalated]
    assert referral.status == status
    assert (referral.ack_by, referral.deliver_by) == (ACK_BY, DELIVER_BY)


# ---- disputes and reopening ---------------------------------------------------------------------


def test_a_household_can_dispute_a_delivery() -> None:
    referral = referral_in(S.SERVICE_DELIVERED)

    referral.dispute("no grant paid", at(6), ACTOR)

    assert emitted(referral) == [Referral.DeliveryDisputed]
    assert referral.status == S.DISPUTED and not referral.is_terminal


@pytest.mark.parametrize("status", [S.MADE, S.ACKNOWLEDGED, S.VERIFIED, S.DISPUTED])
def test_only_a_delivery_awaiting_verification_can_be_disputed(status: str) -> None:
    referral = referral_in(status)

    assert_refused(referral, "referral-lifecycle", lambda: COMMANDS["dispute"](referral))


def test_reopening_a_disputed_referral_returns_it_to_the_department() -> None:
    referral = referral_in(S.DISPUTED)

    referral.reopen("dispute upheld", at(7), ACTOR)

    assert emitted(referral) == [Referral.Reopened]
    assert referral.status == S.ACKNOWLEDGED
    assert referral.delivered_at is None and referral.intervention_id is None
    referral.deliver(
        intervention_id="iv-2",
        kind="grant_approved",
        description=None,
        occurred_at=at(9),
        actor=ACTOR,
    )
    assert referral.status == S.SERVICE_DELIVERED and referral.intervention_id == "iv-2"


@pytest.mark.parametrize("status", [S.MADE, S.ACKNOWLEDGED, S.SERVICE_DELIVERED, S.VERIFIED])
def test_reopening_is_allowed_only_from_disputed(status: str) -> None:
    referral = referral_in(status)

    assert_refused(referral, "referral-lifecycle", lambda: COMMANDS["reopen"](referral))


@pytest.mark.parametrize("status", TERMINAL)
def test_a_terminal_referral_cannot_be_reopened(status: str) -> None:
    referral = referral_in(status)

    assert_refused(referral, "referral-terminal", lambda: COMMANDS["reopen"](referral))


def test_a_rejection_reason_outside_the_vocabulary_is_refused() -> None:
    from domain.errors import InvalidCommand

    referral = made()
    referral.collect_events()

    with pytest.raises(InvalidCommand) as refused:
        referral.reject("bored", None, at(2), ACTOR)

    assert refused.value.field == "reason"
    assert referral.collect_events() == []
