"""The one place reads are shaped for personal data: visibility applied, revealing reads logged.

Every household read (and its history, and its referrals' histories, and alerts' notes) passes
through here:
``domain.access.visibility`` decides what the caller sees, and a response that shows any
personal field records who saw which fields of which household, from which endpoint.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from adapters.event_store import SukumaRecorder
from api.history import history_of
from api.schemas.common import EventRead, HistoryRead
from api.schemas.households import HouseholdRead
from api.schemas.referrals import HouseholdContact, ReferralRead
from domain.access.locations import location_of
from domain.access.principal import Principal
from domain.access.visibility import (
    Sight,
    head_contact,
    personal_sight,
    shape_event,
    shape_household,
)
from domain.alerts.model import Alert
from domain.errors import NotFoundError
from domain.households.model import Household
from domain.personal_data import ERASED
from domain.referrals.model import Referral
from domain.sukuma import Sukuma


def _record_read(
    app: Sukuma, principal: Principal, household_id: UUID, endpoint: str, shown: list[str]
) -> None:
    recorder = app.recorder
    if shown and isinstance(recorder, SukumaRecorder):
        recorder.record_pii_read(
            principal.user_id, principal.username, household_id, endpoint, ",".join(shown)
        )


def sight_of(principal: Principal, household: Household, referral: Referral | None = None) -> Sight:
    """The one decision of what this caller sees of the household (through ``referral``)."""
    return personal_sight(
        principal,
        household.consent,
        household.personal_data_erased,
        at=location_of(household),
        department=referral.department if referral is not None else None,
    )


def household_read(
    app: Sukuma, principal: Principal, household: Household, endpoint: str
) -> HouseholdRead:
    """The household as this caller may see it."""
    sight = sight_of(principal, household)
    shaped, shown = shape_household(HouseholdRead.of(household).model_dump(), sight)
    _record_read(app, principal, household.id, endpoint, shown)
    return HouseholdRead.model_validate(shaped)


def _shape_events(events: list[EventRead], sight: Sight) -> tuple[list[EventRead], list[str]]:
    shaped, shown = [], set()
    for event in events:
        payload, fields = shape_event(event.type, event.payload, sight)
        shaped.append(event.model_copy(update={"payload": payload}))
        shown.update(fields)
    return shaped, sorted(shown)


def shaped_history(
    app: Sukuma,
    principal: Principal,
    household: Household,
    history: HistoryRead,
    endpoint: str,
    referral: Referral | None = None,
) -> HistoryRead:
    """A household's (or one of its referrals', given as ``referral``) history as this caller
    may see it."""
    sight = sight_of(principal, household, referral)
    events, shown = _shape_events(history.events, sight)
    state = history.state
    if state is not None and history.id == str(household.id):
        state, state_shown = shape_household(state, sight)
        shown = sorted({*shown, *state_shown})
    _record_read(app, principal, household.id, endpoint, shown)
    return history.model_copy(update={"events": events, "state": state})


def household_history(
    app: Sukuma, principal: Principal, household_id: UUID, as_of: datetime | None, endpoint: str
) -> HistoryRead:
    household = app.read(Household, household_id, principal)
    history = history_of(app, Household, household_id, as_of, HouseholdRead.of, principal)
    return shaped_history(app, principal, household, history, endpoint)


def referral_read(
    app: Sukuma, principal: Principal, referral: Referral, endpoint: str
) -> ReferralRead:
    """The referral, with its household head's contact when it shares personal data."""
    read = ReferralRead.of(referral)
    if not referral.personal_data_shared:
        return read
    household = app.get(Household, UUID(referral.household_id))
    sight = sight_of(principal, household, referral)
    contact, shown = head_contact(HouseholdRead.of(household).model_dump(), sight)
    _record_read(app, principal, household.id, endpoint, shown)
    if contact is None:
        return read
    return read.model_copy(update={"household_contact": HouseholdContact(**contact)})


def alert_notes(
    app: Sukuma, principal: Principal, alert_id: UUID, endpoint: str
) -> dict[int, str | None]:
    """The notes people wrote on an alert, by its event's version, for a caller with pii:read
    who may read the alert (logged as a read of its household's data, or of the alert's own
    if it is about none); none for anyone else."""
    if not principal.may_read_pii:
        return {}
    try:
        app.read(Alert, alert_id, principal)
    except NotFoundError:
        return {}
    household_id, notes = app.alert_notes(alert_id)
    if any(note not in (None, ERASED) for note in notes.values()):
        owner = UUID(household_id) if household_id else alert_id
        _record_read(app, principal, owner, endpoint, ["history[].detail.note"])
    return notes


def with_notes(alert: dict[str, Any], notes: dict[int, str | None]) -> dict[str, Any]:
    """The alert read from its view (which keeps no note), with the notes given."""
    history = [
        {**entry, "detail": {**entry["detail"], "note": notes[entry["version"]]}}
        if entry["version"] in notes
        else entry
        for entry in alert["history"]
    ]
    return {**alert, "history": history}
