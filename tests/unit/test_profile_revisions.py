"""Intent-based conflicts: older profiles never replace newer ones, offline edits merge by field.

The application on in-memory persistence (no database): the rules live in the domain, so the
JSON API, OpenRosa and /v1/sync get them alike.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.context import CommandContext
from domain.errors import InvalidCommand, NotFoundError
from domain.households.model import Household
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from tests.factories import make_child, make_profile

T0 = datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
WARD = geography().wards[0].id
ROOMS = "dwelling.rooms"
BASE: dict[str, Any] = dict(make_profile())  # one set of member ids for every edit of it


def at(hours: float, actor: str = "tester") -> CommandContext:
    return CommandContext(actor=actor, occurred_at=T0 + timedelta(hours=hours))


def new_app() -> Sukuma:
    return Sukuma(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


@pytest.fixture
def app() -> Iterator[Sukuma]:
    application = new_app()
    yield application
    application.close()


def profiled(app: Sukuma, profile: dict[str, Any] | None = None) -> tuple[UUID, int]:
    """A registered household with a first profile; returns (id, its version: the base)."""
    household_id = uuid4()
    app.register_household(
        household_id=household_id,
        ward_id=WARD,
        dwelling_type="formal",
        village=None,
        gps=None,
        field_worker_id=None,
        ctx=at(0),
    )
    written = app.submit_profile(household_id, profile or copy.deepcopy(BASE), None, at(0))
    return household_id, written.version


def edit(app: Sukuma, household_id: UUID, profile: Any, ctx: CommandContext, base: int) -> None:
    app.submit_profile_edit(
        household_id=household_id,
        profile=profile,
        field_worker_id=None,
        base_version=base,
        ctx=ctx,
    )


def edited(**sections: dict[str, Any]) -> dict[str, Any]:
    profile = copy.deepcopy(BASE)
    for name, overrides in sections.items():
        profile[name] = {**profile[name], **overrides}
    return profile


def test_an_older_profile_is_kept_in_the_history_but_does_not_replace_the_current(
    app: Sukuma,
) -> None:
    household_id, _ = profiled(app)
    newer = dict(make_profile(food_security={"days_skipped_meal_last_7": 3}))
    newer["members"] = [*newer["members"], make_child(first_name="Zanele", sex="female")]
    app.submit_profile(household_id, newer, None, at(24 * 20))
    before = app.get(Household, household_id)
    older = dict(make_profile())
    written = app.submit_profile(household_id, older, None, at(24 * 10))

    household = app.get(Household, household_id)
    assert written.version > before.version  # appended: the history keeps it
    assert household.profiles_submitted == 3
    assert household.profile == before.profile
    assert household.risk == before.risk
    assert household.risk is not None and household.risk["assessed_at"] == T0 + timedelta(days=20)
    assert len(household.profile["members"]) == 4  # type: ignore[index]
    assert household.open_needs == before.open_needs  # an old observation derives nothing


def test_edits_from_one_base_that_touch_different_fields_both_apply(app: Sukuma) -> None:
    household_id, base = profiled(app)
    edit(app, household_id, edited(dwelling={"rooms": 6}), at(1), base)
    edit(app, household_id, edited(basic_services={"electricity": "grid"}), at(2), base)
    household = app.get(Household, household_id)
    assert household.profile is not None
    assert household.profile["dwelling"]["rooms"] == 6
    assert household.profile["basic_services"]["electricity"] == "grid"
    assert not household.conflicts


@pytest.mark.parametrize("first", [1, 2])
def test_one_field_set_to_two_values_is_a_conflict_the_later_standing(
    app: Sukuma, first: int
) -> None:
    household_id, base = profiled(app)
    rooms = {1: 6, 2: 2}
    for hours in (first, 3 - first):
        edit(app, household_id, edited(dwelling={"rooms": rooms[hours]}), at(hours), base)
    household = app.get(Household, household_id)
    assert household.profile is not None and household.profile["dwelling"]["rooms"] == 2
    [(conflict_id, conflict)] = (household.conflicts or {}).items()
    assert conflict["path"] == ROOMS
    assert sorted(c["value"] for c in conflict["candidates"].values()) == [2, 6]

    with pytest.raises(InvalidCommand):
        app.resolve_conflict(household_id, conflict_id, 4, at(5, "convener"))
    app.resolve_conflict(household_id, conflict_id, 6, at(5, "convener"))
    household = app.get(Household, household_id)
    assert household.profile is not None and household.profile["dwelling"]["rooms"] == 6
    assert not household.conflicts
    with pytest.raises(NotFoundError):
        app.resolve_conflict(household_id, conflict_id, 6, at(6, "convener"))


def test_a_member_added_offline_survives_a_concurrent_edit(app: Sukuma) -> None:
    household_id, base = profiled(app)
    added = copy.deepcopy(BASE)
    added["members"] = [*added["members"], make_child(first_name="Zanele", sex="female")]
    edit(app, household_id, edited(dwelling={"rooms": 6}), at(2), base)
    edit(app, household_id, added, at(1), base)
    household = app.get(Household, household_id)
    assert household.profile is not None
    assert [m["first_name"] for m in household.profile["members"]][-1] == "Zanele"
    assert household.profile["dwelling"]["rooms"] == 6


# ---- any arrival order of a set of offline submissions ends in the same state ----------------

FIELDS = {
    ("dwelling", "rooms"): [2, 3, 5, 6],
    ("basic_services", "electricity"): ["grid", "prepaid", "none"],
    ("livelihood", "income_band"): ["none", "under_1000", "7000_plus"],
    ("basic_services", "water_distance_m"): [0, 50, 500],
}

edits = st.lists(
    st.dictionaries(st.sampled_from(sorted(FIELDS)), st.integers(0, 3), min_size=1, max_size=3),
    min_size=1,
    max_size=4,
)


def offline_edit(choices: dict[tuple[str, str], int]) -> dict[str, Any]:
    sections: dict[str, dict[str, Any]] = {}
    for (section, key), index in choices.items():
        options = FIELDS[(section, key)]
        sections.setdefault(section, {})[key] = options[index % len(options)]
    return edited(**sections)


def final_state(submissions: list[tuple[str, int, Any]]) -> tuple[Any, ...]:
    """Register and profile a household, then apply the submissions in the given order."""
    app = new_app()
    try:
        household_id, base = profiled(app)
        for kind, hours, payload in submissions:
            if kind == "edit":
                edit(app, household_id, payload, at(hours, f"fw{hours}"), base)
            elif kind == "old":
                app.submit_profile(household_id, payload, None, at(hours))
            else:
                app.record_visit(
                    household_id=household_id,
                    visit_id=payload,
                    field_worker_id=None,
                    outcome="completed",
                    days_skipped_meal_last_7=None,
                    note=None,
                    ctx=at(hours),
                )
        household = app.get(Household, household_id)
        conflicts = {
            (c["path"], frozenset(repr(x["value"]) for x in c["candidates"].values()))
            for c in (household.conflicts or {}).values()
        }
        profile = dict(household.profile or {})
        members = {m["member_id"]: m for m in profile.pop("members")}
        return (
            profile,
            members,
            household.risk,
            household.profile_facts,
            conflicts,
            sorted((v.visit_id, v.visited_on) for v in household.visits),
            household.profiles_submitted,
        )
    finally:
        app.close()


@settings(max_examples=100, deadline=None)
@given(
    choices=edits,
    visits=st.integers(0, 2),
    old=st.booleans(),
    data=st.data(),
)
def test_any_arrival_order_of_offline_submissions_ends_in_the_same_state(
    choices: list[dict[tuple[str, str], int]], visits: int, old: bool, data: st.DataObject
) -> None:
    # Distinct times, all after the base profile; an "old" full profile observed before it.
    submissions: list[tuple[str, int, Any]] = [
        ("edit", 10 + i, offline_edit(c)) for i, c in enumerate(choices)
    ]
    submissions += [("visit", 5 + i, str(UUID(int=i + 1))) for i in range(visits)]
    if old:
        submissions.append(("old", -48, offline_edit({("dwelling", "rooms"): 0})))
    shuffled = data.draw(st.permutations(submissions))
    assert final_state(shuffled) == final_state(submissions)
