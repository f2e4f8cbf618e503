"""A log written before special categories were sealed still replays, reads and projects alike.

Version 1 of ``ProfileSubmitted`` stored the profile's health, disability and social ills in
plain text and no facts; version 1 of ``RiskScored`` named them in its reasons. Such events,
put in the log as they were stored then, must read as today's (upcast) in the aggregate and
in the projections, and give the same indicator figures as today's events, after a rebuild too.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import orjson
import pytest
from eventsourcing.persistence import StoredEvent

from adapters.event_store import SukumaRecorder
from domain.households.model import Household
from domain.sukuma import Sukuma
from projections.rebuild import rebuild
from tests.factories import make_member, make_profile
from tests.integration.helpers import household, post_ok
from tests.integration.test_views_api import get_ok, project

FIRST_REASONS = [
    "gender-based violence disclosed or suspected (+25)",
    "TB symptom screen positive (+15)",
    "a member is defaulting on treatment (+15)",
]


def first_shape(stored: StoredEvent, household_id: UUID, profile: dict[str, Any]) -> StoredEvent:
    """``stored`` (a ProfileSubmitted, RiskScored or NeedIdentified of today) as version 1 of
    ProfileSubmitted and RiskScored stored it, for another household."""
    state = orjson.loads(stored.state)
    if "profile" in state:
        state.pop("class_version")
        state.pop("facts")
        state["profile"] = profile  # before sealing: every answer in plain text
    elif "reasons" in state:
        state.pop("class_version")
        state["reasons"] = FIRST_REASONS
    else:  # a derived need: its sealed fields were sealed for the other household
        state.update(note="derived", source_item="members[0].health")
    return StoredEvent(
        originator_id=household_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=orjson.dumps(state),
    )


def dashboard(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("freshness", "last_30_days", "code")}


@pytest.mark.integration
async def test_events_of_the_first_shape_replay_and_project_as_todays(
    client: httpx.AsyncClient, application: Sukuma, ward_id: str, other_ward_id: str
) -> None:
    recorder = application.recorder
    assert isinstance(recorder, SukumaRecorder)
    # Given a household profiled today in one ward
    sick = make_member(health={"tb_symptom_screen_positive": True, "defaulting_treatment": True})
    profile = dict(make_profile(members=[sick], social_ills={"gbv_disclosed_or_suspected": True}))
    today = await household(client, ward_id)
    await post_ok(client, f"/v1/households/{today}/profile", {"profile": profile})
    # and the same household in another ward, profiled before special categories were sealed
    first = UUID(await household(client, other_ward_id))
    events = recorder.select_events(UUID(today), gt=1)
    assert [e.topic.rsplit(".", 1)[1] for e in events[:2]] == ["ProfileSubmitted", "RiskScored"]
    recorder.insert_events([first_shape(e, first, profile) for e in events])

    # When both are read, and projected
    read_today = await get_ok(client, f"/v1/households/{today}")
    read_first = await get_ok(client, f"/v1/households/{first}")
    project(application)

    # Then the first shape reads as today's: facts counted, reasons in today's wording
    assert read_first["profile_facts"] == read_today["profile_facts"]
    assert read_first["profile_facts"]["members_with_health_need"] == 1
    assert (
        read_first["risk"]["reasons"]
        == read_today["risk"]["reasons"]
        == [
            "a safety concern in the household (+25)",
            "a member has a health need (+30)",
        ]
    )
    assert application.get(Household, first).profile_facts == read_today["profile_facts"]
    # And both wards' figures are the same, before and after a rebuild of the views
    wards = (f"/v1/dashboard/ward/{ward_id}", f"/v1/dashboard/ward/{other_ward_id}")
    live = [dashboard(await get_ok(client, url)) for url in wards]
    assert live[0] == live[1]
    assert live[0]["households"]["by_risk_level"]["high"] == 1
    rebuild(recorder, application.name, recorder.datastore, "nerve_centre")
    assert [dashboard(await get_ok(client, url)) for url in wards] == live
