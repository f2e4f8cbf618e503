"""Who sees which personal fields of a household: one decision, one shaping."""

from __future__ import annotations

from typing import Any

import pytest

from domain.access.policy import Location
from domain.access.principal import PII_READ, Principal, Role
from domain.access.visibility import Sight, personal_sight, shape_event, shape_household
from domain.personal_data import ERASED, WITHHELD
from tests.factories import make_child, make_member, make_profile

WARD, FAR_WARD = "ETH-W001", "KZN221-W001"
HERE = Location.ward(WARD)


def principal(*roles: Role, pii: bool = False, ward: str = WARD) -> Principal:
    scopes = {f"ward:{ward}", "department:DSD"} | ({PII_READ} if pii else set())
    return Principal("u-1", "user", frozenset(roles), frozenset(scopes))


@pytest.mark.parametrize(
    ("roles", "pii", "consent", "sight"),
    [
        ((Role.FIELD_WORKER,), False, None, Sight.FULL),
        ((Role.CONVENER,), False, "withdrawn", Sight.FULL),
        ((Role.ADMIN,), False, None, Sight.FULL),
        ((Role.ANALYST,), False, "given", Sight.NONE),
        ((Role.ANALYST,), True, "given", Sight.FULL),
        ((Role.DEPARTMENT_OFFICER,), False, "given", Sight.CONTACT),
        ((Role.DEPARTMENT_OFFICER,), False, "withdrawn", Sight.NONE),
        ((), True, "given", Sight.NONE),
    ],
)
def test_each_role_sees_what_it_needs(
    roles: tuple[Role, ...], pii: bool, consent: str | None, sight: Sight
) -> None:
    who = principal(*roles, pii=pii)
    assert personal_sight(who, consent, at=HERE, department="DSD") is sight


@pytest.mark.parametrize("roles", [(Role.FIELD_WORKER,), (Role.CONVENER,), (Role.ADMIN,)])
def test_sight_follows_where_the_household_lives_not_the_role_alone(
    roles: tuple[Role, ...],
) -> None:
    # A household moved out of the caller's ward (its old referrals still visible there):
    elsewhere = principal(*roles, pii=True, ward=FAR_WARD)
    assert personal_sight(elsewhere, "given", at=HERE, department="DSD") is Sight.NONE
    analyst = principal(Role.ANALYST, pii=True, ward=FAR_WARD)
    assert personal_sight(analyst, "given", at=HERE) is Sight.NONE


def test_contact_sight_only_for_the_department_the_referral_is_addressed_to() -> None:
    officer = principal(Role.DEPARTMENT_OFFICER)
    assert personal_sight(officer, "given", at=HERE, department="SASSA") is Sight.NONE
    assert personal_sight(officer, "given", at=HERE) is Sight.NONE  # the household itself


def state() -> dict[str, Any]:
    head = make_member(first_name="Ayanda", surname="Mkhize", phone="+27 82 000 1111")
    child = make_child(first_name="Lwazi", surname="Mkhize")
    profile: dict[str, Any] = dict(make_profile(members=[head, child]))
    return {
        "ward_id": "ETH-W001",
        "dwelling": {"type": "formal", "village": "Inanda", "gps": {"lat": -29.6, "lon": 30.9}},
        "profile": profile,
    }


def test_full_sight_shows_everything_and_says_so() -> None:
    given = state()
    shaped, shown = shape_household(given, Sight.FULL)
    assert shaped == given
    assert "dwelling.village" in shown and "profile.members[].first_name" in shown


def test_contact_sight_shows_only_the_heads_name_and_phone() -> None:
    shaped, shown = shape_household(state(), Sight.CONTACT)
    head, child = shaped["profile"]["members"]
    assert (head["first_name"], head["surname"], head["phone"]) == (
        "Ayanda",
        "Mkhize",
        "+27 82 000 1111",
    )
    assert (head["date_of_birth"], child["first_name"]) == (WITHHELD, WITHHELD)
    assert shaped["dwelling"]["village"] == WITHHELD and shaped["dwelling"]["type"] == "formal"
    assert shown == [
        "profile.members[].first_name",
        "profile.members[].phone",
        "profile.members[].surname",
    ]


def test_no_sight_withholds_every_personal_field_and_nothing_else() -> None:
    shaped, shown = shape_household(state(), Sight.NONE)
    assert shown == []
    head = shaped["profile"]["members"][0]
    assert head["first_name"] == WITHHELD and head["sex"] == "female"
    assert shaped["ward_id"] == "ETH-W001"


def test_erased_fields_stay_erased_and_are_not_counted_as_shown() -> None:
    erased = state()
    erased["dwelling"]["village"] = ERASED
    shaped, _ = shape_household(erased, Sight.NONE)
    assert shaped["dwelling"]["village"] == ERASED
    assert "dwelling.village" not in shape_household(erased, Sight.FULL)[1]


def test_event_payloads_are_shaped_by_their_personal_paths() -> None:
    visit = {"visit_id": "v-1", "outcome": "met_household", "note": "Ayanda is ill"}
    assert shape_event("Household.VisitRecorded", visit, Sight.CONTACT) == (
        {**visit, "note": WITHHELD},
        [],
    )
    assert shape_event("Household.VisitRecorded", visit, Sight.FULL) == (visit, ["note"])
    made = {"department": "DSD", "note": "Call Ayanda"}
    assert shape_event("Referral.Made", made, Sight.CONTACT) == (made, ["note"])
    assert shape_event("Referral.Made", made, Sight.NONE)[0]["note"] == WITHHELD


def test_after_erasure_nobody_sees_anything_even_from_a_stale_key() -> None:
    everyone = principal(*Role, pii=True)
    assert personal_sight(everyone, "given", erased=True, at=HERE) is Sight.ERASED
    visit = {"visit_id": "v-1", "note": "opened with a key cached before the erasure"}
    assert shape_event("Household.VisitRecorded", visit, Sight.ERASED) == (
        {"visit_id": "v-1", "note": ERASED},
        [],
    )
