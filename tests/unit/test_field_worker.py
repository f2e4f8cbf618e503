"""FieldWorker aggregate: registration, ward assignment and deactivation (§7.3, 16), no I/O."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain.errors import RuleViolation
from domain.fieldworkers.model import FieldWorker

T0 = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
ACTOR = "coordinator-sipho"


def at(days: int) -> datetime:
    return T0 + timedelta(days=days)


def registered() -> FieldWorker:
    worker = FieldWorker(
        id=uuid4(),
        name="Nomvula Dlamini",
        cadre="ccg",
        employer="DOH",
        phone=None,
        occurred_at=T0,
        actor=ACTOR,
    )
    worker.collect_events()
    return worker


def deactivated() -> FieldWorker:
    worker = registered()
    worker.assign("KZN225-W001", at(1), ACTOR)
    worker.deactivate("resigned", at(2), ACTOR)
    worker.collect_events()
    return worker


def emitted(worker: FieldWorker) -> list[type]:
    return [type(e) for e in worker.collect_events()]


def assert_refused(worker: FieldWorker, rule: str, command: Callable[[], object]) -> None:
    """When the command runs, it raises the named rule and leaves state and events untouched."""
    before = copy.deepcopy(worker.__dict__)
    version = worker.version
    with pytest.raises(RuleViolation) as refused:
        command()
    assert refused.value.rule == rule
    assert worker.version == version
    assert worker.collect_events() == []
    assert worker.__dict__ == before


def test_a_registered_field_worker_is_active_without_wards() -> None:
    worker = FieldWorker(
        id=uuid4(),
        name="Sibusiso Ngcobo",
        cadre="youth_ambassador",
        employer=None,
        phone="+27 82 555 0199",
        occurred_at=T0,
        actor=ACTOR,
    )

    events: list[Any] = list(worker.collect_events())
    assert [type(e) for e in events] == [FieldWorker.Registered]
    assert (events[0].occurred_at, events[0].actor) == (T0, ACTOR)
    assert worker.active and worker.ward_ids == []
    assert worker.cadre == "youth_ambassador"


def test_a_field_worker_can_be_assigned_to_several_wards() -> None:
    worker = registered()

    worker.assign("KZN225-W001", at(1), ACTOR)
    worker.assign("KZN225-W002", at(1), ACTOR)

    assert emitted(worker) == [FieldWorker.AssignedToWard, FieldWorker.AssignedToWard]
    assert worker.ward_ids == ["KZN225-W001", "KZN225-W002"]


def test_assigning_the_same_ward_twice_is_refused() -> None:
    worker = registered()
    worker.assign("KZN225-W001", at(1), ACTOR)
    worker.collect_events()

    assert_refused(worker, "assignment-unique", lambda: worker.assign("KZN225-W001", at(2), ACTOR))


def test_deactivating_a_field_worker_makes_them_inactive() -> None:
    worker = registered()

    worker.deactivate("contract ended", at(3), ACTOR)

    assert emitted(worker) == [FieldWorker.Deactivated]
    assert not worker.active


def test_a_deactivated_field_worker_cannot_be_assigned() -> None:
    worker = deactivated()

    assert_refused(
        worker, "field-worker-active", lambda: worker.assign("KZN225-W009", at(4), ACTOR)
    )
    assert worker.ward_ids == ["KZN225-W001"]


def test_a_deactivated_field_worker_cannot_be_deactivated_again() -> None:
    worker = deactivated()

    assert_refused(worker, "field-worker-active", lambda: worker.deactivate("again", at(4), ACTOR))
