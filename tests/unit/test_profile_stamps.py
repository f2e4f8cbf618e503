"""A whole profile's field stamps are kept as one stamp until something needs them listed: the
stamps read, merged and erased are those listed as each profile was recorded."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest

from domain.households.merge import fields
from domain.households.model import Household
from domain.sukuma import Sukuma
from tests.factories import make_child
from tests.unit.test_profile_revisions import BASE, T0, at, edit, edited, new_app, profiled


@pytest.fixture
def app() -> Iterator[Sukuma]:
    application = new_app()
    yield application
    application.close()


def listed_when_recorded(profile: dict[str, object], hours: float) -> dict[str, str]:
    """The stamps as a profile's recording listed them before (every field, its time)."""
    return dict.fromkeys(fields(profile), at(hours).occurred_at.isoformat())


def test_a_profile_keeps_one_stamp_and_reads_as_every_field_stamped(app: Sukuma) -> None:
    household_id, _ = profiled(app)
    household = app.get(Household, household_id)
    assert household.field_stamps is None
    assert household.profile_stamp == T0.isoformat()
    assert household.current_stamps() == listed_when_recorded(BASE, 0)


def test_merges_resolutions_and_profiles_read_the_stamps_listing_them_eagerly_would(
    app: Sukuma,
) -> None:
    """The household's events replayed as recorded against a replay that lists the stamps
    after each event (as every profile did before): the same stamps after every event."""
    household_id, base = profiled(app)
    edit(app, household_id, edited(dwelling={"rooms": 6}), at(1), base)
    edit(app, household_id, edited(basic_services={"electricity": "grid"}), at(2), base)
    edit(app, household_id, edited(dwelling={"rooms": 2}), at(3), base)  # a clash
    [conflict_id] = app.get(Household, household_id).conflicts or {}
    app.resolve_conflict(household_id, conflict_id, 6, at(4, "convener"))
    app.submit_profile(household_id, edited(dwelling={"rooms": 3}), None, at(5))
    added = edited(dwelling={"rooms": 3})
    added["members"] = [*added["members"], make_child(first_name="Zanele", sex="female")]
    edit(app, household_id, added, at(6), base)  # a member added offline: new fields
    app.erase_personal_data(household_id, "asked", at(7))

    lazy: Household | None = None
    eager: Household | None = None
    events = list(app.repository.event_store.get(household_id))
    kinds = {type(e).__name__ for e in events}
    assert {"ProfileMerged", "ProfileConflictResolved", "PersonalDataErased"} <= kinds
    for event in events:
        lazy, eager = event.mutate(lazy), event.mutate(eager)
        assert lazy is not None and eager is not None
        eager.list_stamps()
        assert lazy.current_stamps() == eager.current_stamps(), type(event).__qualname__
    assert lazy is not None and lazy.personal_data_erased
    assert lazy.field_stamps == eager.field_stamps  # listed, as the profile was recorded


def test_erasure_lists_the_fields_as_recorded_not_as_blanked(app: Sukuma) -> None:
    household_id, _ = profiled(app)
    app.erase_personal_data(household_id, "asked", at(1))
    household = app.get(Household, household_id)
    assert household.profile_stamp is None
    assert household.field_stamps == listed_when_recorded(BASE, 0)
    assert household.profile != BASE  # blanked


def test_a_household_recorded_with_its_stamps_listed_reads_as_before(app: Sukuma) -> None:
    """State from before (a snapshot): the stamps listed, no profile stamp."""
    household_id, _ = profiled(app)
    household = app.get(Household, household_id)
    state = copy.deepcopy(vars(household))
    del state["profile_stamp"]
    state["field_stamps"] = listed_when_recorded(BASE, 0)
    old: Household = object.__new__(Household)
    old.__dict__.update(state)
    assert old.profile_stamp is None
    assert old.current_stamps() == household.current_stamps()
