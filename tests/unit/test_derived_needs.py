"""Needs derived from profiles are a function of the household's state, not of arrival order.

The application on in-memory persistence (the rule lives in the domain, so the JSON API,
OpenRosa and /v1/sync get it alike).
"""

from __future__ import annotations

import copy
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.households.model import Household
from domain.profile import validate_profile
from domain.rules.needs import derive_needs
from domain.sukuma import Sukuma
from tests.unit.test_profile_revisions import BASE, at, edit, new_app, profiled

#: Answers that derive needs (one each, or another severity of the same need).
VARIANTS: dict[str, tuple[str, str, Any]] = {
    "hungry": ("food_security", "child_went_hungry", True),
    "skipping": ("food_security", "days_skipped_meal_last_7", 2),
    "river": ("basic_services", "water_source", "river_or_dam"),
    "no_id": ("members", "document_status", "none"),
}


def variant(*names: str) -> dict[str, Any]:
    profile = copy.deepcopy(BASE)
    for name in names:
        section, key, value = VARIANTS[name]
        if section == "members":
            profile["members"][0][key] = value
        else:
            profile[section] = {**profile[section], key: value}
    return profile


Needs = set[tuple[str, str | None, str, str]]


def open_needs(household: Household) -> Needs:
    return {(n.category, n.member_id, n.severity, n.department) for n in household.open_needs}


def derived_by_current(household: Household) -> Needs:
    assert household.profile is not None and household.profile_at is not None
    profile = validate_profile(household.profile, household.profile_at.date())
    return {
        (str(n.category), n.member_id, str(n.severity), n.department)
        for n in derive_needs(profile, household.profile_at.date())
    }


def arrive(submissions: list[tuple[str, float, dict[str, Any]]]) -> tuple[Needs, Needs]:
    """Profile a household, apply the offline submissions in the given order: its open needs,
    and those its current profile derives."""
    app: Sukuma = new_app()
    try:
        household_id, base = profiled(app)
        for kind, hours, profile in submissions:
            if kind == "edit":
                edit(app, household_id, profile, at(hours, f"fw{hours}"), base)
            else:
                app.submit_profile(household_id, profile, None, at(hours))
        household = app.get(Household, household_id)
        return open_needs(household), derived_by_current(household)
    finally:
        app.close()


def test_an_older_profile_arriving_late_derives_nothing_the_newer_one_does_not() -> None:
    # A child went hungry at the first visit after the base profile; the next profile finds
    # no one hungry, but no safe water
    older = ("profile", 1.0, variant("hungry"))
    newer = ("profile", 30.0, variant("river"))

    in_order, derived = arrive([older, newer])
    late, _ = arrive([newer, older])

    assert in_order == late == derived
    assert {n[0] for n in in_order} == {"water"}


def test_a_need_someone_acted_on_stands_when_a_newer_profile_no_longer_derives_it() -> None:
    app = new_app()
    try:
        household_id, _ = profiled(app, variant("hungry"))
        household = app.get(Household, household_id)
        [food] = household.open_needs
        app.record_intervention(
            household_id=household_id,
            intervention_id=UUID(int=7),
            need_id=food.need_id,
            kind="food_parcel",
            provider="DSD",
            description=None,
            ctx=at(1),
        )
        app.submit_profile(household_id, variant(), None, at(2))  # no one hungry now

        assert [n.need_id for n in app.get(Household, household_id).open_needs] == [food.need_id]
    finally:
        app.close()


def test_resolving_a_contested_answer_settles_the_needs_it_derives() -> None:
    # Two edits from one base: meals skipped on 6 days, then (later, so it stands) on 2
    app = new_app()
    try:
        household_id, base = profiled(app)
        for hours, days in ((5, 6), (6, 2)):
            edited = copy.deepcopy(BASE)
            edited["food_security"] = {**BASE["food_security"], "days_skipped_meal_last_7": days}
            edit(app, household_id, edited, at(hours, f"fw{hours}"), base)
        household = app.get(Household, household_id)
        standing = open_needs(household)
        [conflict_id] = household.conflicts or {}

        # When the convener chooses 6 days
        app.resolve_conflict(household_id, conflict_id, 6, at(7, "convener"))

        # Then the needs are what the resolved profile derives (another severity of food)
        household = app.get(Household, household_id)
        assert open_needs(household) == derived_by_current(household) != standing
        assert {n[0] for n in open_needs(household)} == {"food_security"}
    finally:
        app.close()


@settings(max_examples=60, deadline=None)
@given(
    profiles=st.lists(
        st.tuples(
            st.sampled_from([-72.0, -30.0, 5.0, 20.0, 40.0]),
            st.sets(st.sampled_from(sorted(VARIANTS))),
        ),
        min_size=1,
        max_size=4,
        unique_by=lambda p: p[0],
    ),
    edits=st.lists(st.sets(st.sampled_from(sorted(VARIANTS))), max_size=2),
    data=st.data(),
)
def test_any_arrival_order_of_offline_submissions_ends_in_the_same_needs(
    profiles: list[tuple[float, set[str]]], edits: list[set[str]], data: st.DataObject
) -> None:
    # Whole profiles observed at distinct times (some before the first), or offline edits
    # made from the first profile's version with profiles observed before it (a newer whole
    # profile and an edit from an older base are merged as the conflict rules say, which
    # their own property test covers: here the current profile is one for every order)
    if edits:
        profiles = [(hours, names) for hours, names in profiles if hours < 0]
    submissions = [("profile", hours, variant(*sorted(names))) for hours, names in profiles]
    submissions += [("edit", 50.0 + i, variant(*sorted(n))) for i, n in enumerate(edits)]
    shuffled = data.draw(st.permutations(submissions))

    needs, derived = arrive(shuffled)

    assert needs == arrive(submissions)[0]
    assert needs == derived  # and they are exactly what the current profile derives
