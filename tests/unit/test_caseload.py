"""Caseloads (issue 20) on in-memory persistence: a household's field worker is assigned and
reassigned by events, and a move hands its caseload and open referrals to the new ward."""

# ruff: noqa: F811  (each test's ``app`` parameter is the fixture imported below)
from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from domain.errors import RuleViolation
from domain.households.caseload import RELEASED_ON_MOVE
from domain.households.model import Household
from domain.referrals.model import Referral
from domain.sukuma import Sukuma
from tests.unit.test_application import (  # noqa: F401  (app: the fixture)
    OTHER_WARD,
    WARD,
    app,
    ctx,
    profiled_hungry,
    referred,
    registered,
)


def field_worker(app: Sukuma, *wards: str) -> str:
    worker_id = uuid4()
    app.register_field_worker(
        worker_id=worker_id, name="Zanele", cadre="ccg", employer=None, phone=None, ctx=ctx()
    )
    for ward in wards:
        app.assign_field_worker(worker_id, ward, ctx())
    return str(worker_id)


def events_of(app: Sukuma, aggregate_id: UUID) -> list[str]:
    return [type(e).__qualname__ for e in app.repository.event_store.get(aggregate_id)]


def test_a_household_is_assigned_then_reassigned_to_field_workers_of_its_ward(app: Sukuma) -> None:
    household_id = registered(app)
    first, second = field_worker(app, WARD), field_worker(app, WARD)

    app.assign_household(household_id, first, ctx(1))
    app.assign_household(household_id, second, ctx(2))

    assert app.get(Household, household_id).field_worker_id == second
    *_, assigned = app.repository.event_store.get(household_id)
    assert isinstance(assigned, Household.FieldWorkerAssigned)
    assert (assigned.field_worker_id, assigned.previous_field_worker_id) == (second, first)


def test_assignment_needs_an_active_field_worker_of_the_ward_and_a_change(app: Sukuma) -> None:
    household_id = registered(app)
    elsewhere, here = field_worker(app, OTHER_WARD), field_worker(app, WARD)
    gone = field_worker(app, WARD)
    app.deactivate_field_worker(UUID(gone), "left", ctx())
    app.assign_household(household_id, here, ctx())

    for worker, rule in (
        (elsewhere, "field-worker-ward"),
        (gone, "field-worker-active"),
        (here, "caseload-unchanged"),
    ):
        with pytest.raises(RuleViolation) as refused:
            app.assign_household(household_id, worker, ctx())
        assert refused.value.rule == rule
    assert events_of(app, household_id).count("Household.FieldWorkerAssigned") == 1


def test_a_move_hands_open_referrals_to_the_new_ward_and_keeps_closed_ones(app: Sukuma) -> None:
    household_id, _, open_referral = referred(app)
    _, _, cancelled = referred(app)
    app.cancel_referral(cancelled, "duplicate", ctx(2))
    # The cancelled referral's household is another one: move it too, with nothing open.
    cancelled_household = UUID(app.get(Referral, cancelled).household_id)

    written = app.move_household(household_id, OTHER_WARD, "relocated", ctx(3))
    app.move_household(cancelled_household, OTHER_WARD, "relocated", ctx(3))

    moved = app.get(Referral, open_referral)
    assert (moved.from_ward_id, moved.ward_id) == (WARD, OTHER_WARD)
    assert events_of(app, open_referral)[-1] == "Referral.Rehomed"
    stayed = app.get(Referral, cancelled)
    assert stayed.ward_id == WARD and "Referral.Rehomed" not in events_of(app, cancelled)
    # One save: the move and the rehoming are the command's events, the latter at its position.
    assert written.position is not None
    saved = app.recorder.select_notifications(written.position - 1, 2)
    assert [n.topic.rpartition(".")[2] for n in saved] == ["Moved", "Rehomed"]
    assert saved[-1].originator_id == open_referral


def test_a_move_keeps_the_field_worker_only_if_serving_the_new_ward(app: Sukuma) -> None:
    only_here, both = field_worker(app, WARD), field_worker(app, WARD, OTHER_WARD)
    released, kept = registered(app), registered(app)
    app.assign_household(released, only_here, ctx())
    app.assign_household(kept, both, ctx())

    app.move_household(released, OTHER_WARD, None, ctx(1))
    app.move_household(kept, OTHER_WARD, None, ctx(1))

    assert app.get(Household, released).field_worker_id is None
    *_, unassigned = app.repository.event_store.get(released)
    assert isinstance(unassigned, Household.FieldWorkerUnassigned)
    assert (unassigned.field_worker_id, unassigned.reason) == (only_here, RELEASED_ON_MOVE)
    assert app.get(Household, kept).field_worker_id == both
    assert events_of(app, kept)[-1] == "Household.Moved"
