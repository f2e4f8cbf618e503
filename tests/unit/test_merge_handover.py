"""A merge hands a duplicate's open referrals to its survivor's ward by events on the referrals
(issue 20), on in-memory persistence: in the merge's own save, carried on by a move of the
survivor, and handed back exactly by the unmerge, closed since or not."""

# ruff: noqa: F811  (each test's ``app`` parameter is the fixture imported below)
from __future__ import annotations

from uuid import UUID, uuid4

from eventsourcing.utils import get_topic

from domain.duplicates.model import DuplicateCandidate, candidate_id
from domain.reference.geography import geography
from domain.referrals.model import Referral
from domain.referrals.moves import MERGED, MOVED, UNMERGED
from domain.sukuma import Sukuma
from tests.unit.test_application import (  # noqa: F401  (app: the fixture)
    OTHER_WARD,
    WARD,
    app,
    ctx,
    referred,
    registered,
)
from tests.unit.test_caseload import events_of

THIRD_WARD = geography().wards[2].id


def second_referral(app: Sukuma, household_id: UUID) -> UUID:
    need_id, referral_id = uuid4(), uuid4()
    app.identify_need(
        household_id=household_id, need_id=need_id, category="water", severity="high",
        department_code="MUNI", member_id=None, note=None, ctx=ctx(1),
    )  # fmt: skip
    app.make_referral(
        referral_id=referral_id, household_id=household_id, need_id=str(need_id),
        department_code="MUNI", personal_data_shared=False, note=None, ctx=ctx(1),
    )  # fmt: skip
    return referral_id


def a_pair(app: Sukuma, survivor: UUID, duplicate: UUID) -> UUID:
    """The pair proposed, as the matcher would (unit tests run without one)."""
    first, second = sorted([str(survivor), str(duplicate)])
    pair = candidate_id(survivor, duplicate)
    app.save(
        DuplicateCandidate(
            id=pair, household_ids=[first, second], ward_ids=[WARD, OTHER_WARD], score=0.97,
            field_scores={}, same_id_number=True, rule_version="match-v1",
            occurred_at=ctx().occurred_at, actor="matcher",
        )
    )  # fmt: skip
    return pair


def placed(app: Sukuma, *referrals: UUID) -> list[tuple[str, str | None]]:
    return [(r.ward_id, r.survivor_id) for r in (app.get(Referral, i) for i in referrals)]


def handovers(app: Sukuma, referral_id: UUID) -> list[tuple[str, str]]:
    """Each handover of the referral: its reason and the ward it left."""
    return [
        (e.reason, e.previous_ward_id)
        for e in app.repository.event_store.get(referral_id)
        if isinstance(e, Referral.HandedOver)
    ]


def test_the_handover_event_is_named_and_stored_as_a_referral_event() -> None:
    assert get_topic(Referral.HandedOver) == "domain.referrals.model:Referral.HandedOver"


def test_merge_hands_open_referrals_over_and_unmerge_hands_every_one_back(app: Sukuma) -> None:
    # Given a household of the next ward with two open referrals and a cancelled one, and its
    # duplicate registered in this ward
    duplicate, _, referral = referred(app)
    other = second_referral(app, duplicate)
    _, _, cancelled_before = referred(app)
    app.cancel_referral(cancelled_before, "not needed", ctx(2))
    app.move_household(duplicate, OTHER_WARD, None, ctx(2))
    survivor = registered(app)
    pair = a_pair(app, survivor, duplicate)
    before = placed(app, referral, other)

    # When the pair is merged
    written = app.merge_households(pair, survivor, ctx(3))

    # Then each open referral is handed to the survivor's ward, in the merge's own save
    assert placed(app, referral, other) == [(WARD, str(survivor))] * 2
    assert written.position is not None
    saved = app.recorder.select_notifications(written.position - 1, 2)
    assert [n.topic.rpartition(":")[2] for n in saved] == ["Referral.HandedOver"] * 2
    assert handovers(app, referral) == [(MERGED, OTHER_WARD)]

    # When one is cancelled and then the survivor moves to a third ward
    app.cancel_referral(other, "not needed", ctx(4))
    app.move_household(survivor, THIRD_WARD, None, ctx(5))

    # Then the open one goes with the survivor, the cancelled one stays where it closed
    assert placed(app, referral, other) == [(THIRD_WARD, str(survivor)), (WARD, str(survivor))]
    assert handovers(app, referral) == [(MERGED, OTHER_WARD), (MOVED, WARD)]

    # When the pair is unmerged
    app.unmerge_households(pair, "two families", ctx(6))

    # Then both are back in the duplicate's ward, following it alone, as before the merge
    assert placed(app, referral, other) == before == [(OTHER_WARD, None)] * 2
    assert handovers(app, other)[-1] == (UNMERGED, WARD)
    assert "Referral.HandedOver" not in events_of(app, cancelled_before)


def test_a_merge_within_one_ward_hands_over_to_the_survivor_all_the_same(app: Sukuma) -> None:
    # Given a duplicate with an open referral and its survivor, both in one ward
    duplicate, _, referral = referred(app)
    survivor = registered(app)
    pair = a_pair(app, survivor, duplicate)

    # When merged, the referral follows the survivor (a move of it would carry the referral)
    app.merge_households(pair, survivor, ctx(3))
    assert placed(app, referral) == [(WARD, str(survivor))]
    app.move_household(survivor, OTHER_WARD, None, ctx(4))
    assert placed(app, referral) == [(OTHER_WARD, str(survivor))]

    # And the unmerge hands it back to its own household's ward
    app.unmerge_households(pair, None, ctx(5))
    assert placed(app, referral) == [(WARD, None)]
