"""A profile's fields by path (``domain.households.merge.fields``): what merges key on."""

from __future__ import annotations

from domain.households.merge import document, fields, member_order
from tests.factories import make_profile


def test_fields_are_paths_to_answers_with_members_keyed_by_their_id() -> None:
    profile = {
        "dwelling": {"type": "formal", "services": {"water": "tap", "power": None}},
        "members": [
            {"member_id": "m1", "first_name": "Thandi", "grants": [{"grant_type": "old_age"}]},
            {"member_id": "m2", "health": {}},
        ],
        "consent": {},
        "notes": ["a", "b"],
        "rooms": 0,
    }
    assert list(fields(profile).items()) == [
        ("dwelling.type", "formal"),
        ("dwelling.services.water", "tap"),
        ("dwelling.services.power", None),
        ("members.m1.member_id", "m1"),
        ("members.m1.first_name", "Thandi"),
        ("members.m1.grants", [{"grant_type": "old_age"}]),  # a list is one field
        ("members.m2.member_id", "m2"),
        ("members.m2.health", {}),  # so is an empty object
        ("consent", {}),
        ("notes", ["a", "b"]),
        ("rooms", 0),
    ]


def test_a_profiles_fields_make_the_profile_again() -> None:
    profile = dict(make_profile())
    assert document(fields(profile), member_order(profile)) == profile
