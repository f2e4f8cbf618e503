"""The one place reads are shaped for personal data: visibility applied, revealing reads logged.

Every household read (and its history, and its referrals' reads and histories, and alerts'
notes, and the case lists' rows) passes through here: ``domain.access.visibility`` decides
what the caller sees, ``domain.access.categories`` whether special need categories read
exactly or broadly, and a response that shows any personal field (or exact special
category) records who saw which fields of which household, from which endpoint.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import Depends
from starlette.concurrency import run_in_threadpool

from adapters.event_store import SukumaRecorder
from api.deps import CurrentUser, SukumaApp
from api.history import history_of
from api.read_log import ReadLog, record_read
from api.schemas.common import EventRead, HistoryRead
from api.schemas.households import HouseholdRead
from api.schemas.referrals import HouseholdContact, ReferralRead
from domain.access.area import Location
from domain.access.categories import (
    broad_counts,
    may_filter_by,
    sees_categories,
    sees_every_category,
    shape_categories,
)
from domain.access.decision import Forbidden
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


def sight_of(principal: Principal, household: Household, referral: Referral | None = None) -> Sight:
    """The one decision of what this caller sees of the household (through ``referral``)."""
    return personal_sight(
        principal,
        household.consent,
        household.personal_data_erased,
        at=location_of(household),
        department=referral.department if referral is not None else None,
    )


def exact_categories(
    principal: Principal, household: Household, referral: Referral | None = None
) -> bool:
    """Whether this caller sees the household's (or ``referral``'s) special categories."""
    return sees_categories(
        principal,
        location_of(household),
        department=referral.department if referral is not None else None,
        erased=household.personal_data_erased,
    )


#: What the access log names when a read shows an exact special need category.
CATEGORY_FIELD = "needs[].category"


def _with_categories(data: Any, exact: bool, shown: list[str]) -> tuple[Any, list[str]]:
    shaped, special = shape_categories(data, exact)
    return shaped, sorted({*shown, CATEGORY_FIELD}) if special else shown


def household_read(
    app: Sukuma, principal: Principal, household: Household, endpoint: str
) -> HouseholdRead:
    """The household as this caller may see it."""
    sight = sight_of(principal, household)
    shaped, shown = shape_household(HouseholdRead.of(household).model_dump(), sight)
    shaped, shown = _with_categories(shaped, exact_categories(principal, household), shown)
    record_read(app, principal, household.id, endpoint, shown)
    return HouseholdRead.model_validate(shaped)


def _shape_events(
    events: list[EventRead], sight: Sight, exact: bool
) -> tuple[list[EventRead], list[str]]:
    shaped, shown = [], set()
    for event in events:
        payload, fields = shape_event(event.type, event.payload, sight)
        payload, fields = _with_categories(payload, exact, fields)
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
    exact = exact_categories(principal, household, referral)
    events, shown = _shape_events(history.events, sight, exact)
    state = history.state
    if state is not None and history.id == str(household.id):
        state, state_shown = shape_household(state, sight)
        shown = sorted({*shown, *state_shown})
    state, shown = _with_categories(state, exact, shown)
    record_read(app, principal, household.id, endpoint, shown)
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
    """The referral (its category as this caller may see it), with its household head's
    contact when it shares personal data."""
    household = app.get(Household, UUID(referral.household_id))
    shaped, shown = _with_categories(
        ReferralRead.of(referral).model_dump(), exact_categories(principal, household, referral), []
    )
    read = ReferralRead.model_validate(shaped)
    contact = None
    if referral.personal_data_shared:
        sight = sight_of(principal, household, referral)
        contact, contact_shown = head_contact(HouseholdRead.of(household).model_dump(), sight)
        shown = sorted({*shown, *contact_shown})
    record_read(app, principal, household.id, endpoint, shown)
    if contact is None:
        return read
    return read.model_copy(update={"household_contact": HouseholdContact(**contact)})


def row_location(row: dict[str, Any]) -> Location:
    """Where a list's row (a household's, a referral's, an alert's) lives, for the policy."""
    return Location.ward(row["ward_id"], row.get("department"))


def household_of(row: dict[str, Any]) -> UUID | None:
    """The household a list's row is about: its own, or an alert's evidence's (a referral's
    or a need's alert); None for an area's."""
    evidence = row.get("evidence")
    found = row.get("household_id") or (evidence or {}).get("household_id")
    return UUID(str(found)) if found and row.get("ward_id") else None


@dataclass(frozen=True)
class Erasures:
    """Which of the households ``among`` are erased, read beside other data (a named list's
    one query for its names and keys): a page's rows need no look-up of their own then."""

    among: frozenset[UUID]
    erased: frozenset[UUID]


def _note_exact(households: set[UUID], erased: Collection[UUID], log: ReadLog) -> None:
    for household in households.difference(erased):
        log.note(household, (CATEGORY_FIELD,))


def _erased_noted(app: Sukuma, households: set[UUID], log: ReadLog, write: bool) -> set[UUID]:
    """Of the households a list would show an exact special category of, the erased ones
    (they read broad, as their own reads do); the others' reads noted in ``log`` (and
    written, if ``write``: one trip off the event loop for both)."""
    recorder = app.recorder
    if not isinstance(recorder, SukumaRecorder):
        return set()
    keys = recorder.data_keys
    erased = keys.erased_among(households) if keys is not None else set()
    _note_exact(households, erased, log)
    if write:
        log.write()
    return erased


#: Rows of an export shaped (and logged) at a time while it streams.
CSV_BATCH = 1000


@dataclass(frozen=True)
class CaseRows:
    """List rows (households', referrals', alerts') as one caller may see them: each row's
    special need categories broad unless ``sees_categories`` (by the row's ward, and a
    referral's department) and its household is not erased, and the households whose rows
    showed one exactly logged."""

    app: Sukuma
    principal: Principal

    def filtered_by(self, category: str | None) -> None:
        """A list filtered by a special category the caller may not see answers 403: its rows
        would reveal the category of every household in it."""
        if not may_filter_by(self.principal, category):
            raise Forbidden("household.read", f"listing by {category} needs pii:read")

    def _shape(
        self, row: dict[str, Any], sees: dict[Location, bool]
    ) -> tuple[dict[str, Any], UUID | None]:
        """The row shaped, and its household if it showed an exact special category."""
        household = household_of(row)
        if household is None:
            return row, None  # an area's alert (EW-13's spike): a count over many households
        at = row_location(row)
        exact = sees.get(at)
        if exact is None:  # the policy asked once a ward (and department): a page shares few
            exact = sees[at] = sees_categories(self.principal, at, department=at.department)
        shaped, special = shape_categories(row, exact)
        return shaped, household if special else None

    async def noted(
        self,
        rows: list[dict[str, Any]],
        log: ReadLog,
        *,
        write: bool = False,
        erasures: Erasures | None = None,
    ) -> list[dict[str, Any]]:
        """A page's rows shaped (one look-up of erasures, none if ``erasures`` knows every
        household concerned), the households whose exact categories they show noted in
        ``log`` (written too, if ``write``)."""
        sees: dict[Location, bool] = {}
        shaped = [(row, *self._shape(row, sees)) for row in rows]
        exact = {household for _, _, household in shaped if household is not None}
        erased: Collection[UUID] = ()
        if exact and erasures is not None and exact <= erasures.among:
            erased = erasures.erased
            _note_exact(exact, erased, log)
        elif exact:
            erased = await run_in_threadpool(_erased_noted, self.app, exact, log, write)
            write = False  # written with the look-up, in the same trip off the event loop
        if write:
            await log.written()
        if not erased:
            return [one for _, one, _ in shaped]
        return [
            shape_categories(row, False)[0] if household in erased else one
            for row, one, household in shaped
        ]

    async def page(self, rows: list[dict[str, Any]], endpoint: str) -> list[dict[str, Any]]:
        """A page's rows shaped, and the reads they show logged before they are returned."""
        return await self.noted(rows, ReadLog(self.app, self.principal, endpoint), write=True)

    async def csv(
        self, header: Sequence[str], rows: AsyncIterator[tuple[Any, ...]], endpoint: str
    ) -> AsyncIterator[tuple[Any, ...]]:
        """An export's rows (in ``header``'s columns; ``open_categories`` joined by ``;``)
        shaped as pages of ``CSV_BATCH`` (so a broken download is logged as far as it got)."""
        batch: list[dict[str, Any]] = []
        async for values in rows:
            batch.append(_split(dict(zip(header, values, strict=True))))
            if len(batch) >= CSV_BATCH:
                for row in await self.page(batch, endpoint):
                    yield _joined(row, header)
                batch = []
        for row in await self.page(batch, endpoint):
            yield _joined(row, header)


def _split(row: dict[str, Any]) -> dict[str, Any]:
    joined = row.get("open_categories")
    if isinstance(joined, str):
        row["open_categories"] = joined.split(";") if joined else []
    if isinstance(row.get("evidence"), str):  # an alert's, exported as JSON text
        row["evidence"] = orjson.loads(row["evidence"])
    return row


def _joined(row: dict[str, Any], header: Sequence[str]) -> tuple[Any, ...]:
    if isinstance(row.get("open_categories"), list):
        row = {**row, "open_categories": ";".join(row["open_categories"])}
    if isinstance(row.get("evidence"), dict):
        row = {**row, "evidence": orjson.dumps(row["evidence"]).decode()}
    return tuple(row[column] for column in header)


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
        record_read(app, principal, owner, endpoint, ["history[].detail.note"])
    return notes


#: Where the alert view's history puts each kind of note (``Domain.alerts`` ``alert_notes``).
_NOTE_FIELD = {"Acknowledged": "note", "Resolved": "reason"}


def with_notes(alert: dict[str, Any], notes: dict[int, str | None]) -> dict[str, Any]:
    """The alert read from its view (which keeps no note nor a person's resolution reason),
    with the notes given (by version); the resolution is its latest episode's reason."""
    history = [
        {
            **entry,
            "detail": {**entry["detail"], _NOTE_FIELD[entry["type"]]: notes[entry["version"]]},
        }
        if entry["version"] in notes and entry["type"] in _NOTE_FIELD
        else entry
        for entry in alert["history"]
    ]
    resolved = [e for e in history if e["type"] == "Resolved" and e["version"] in notes]
    if resolved and alert["status"] == "resolved" and not alert["resolved_automatically"]:
        alert = {**alert, "resolution": resolved[-1]["detail"]["reason"]}
    return {**alert, "history": history}


def heatmap_as_seen(principal: Principal, heatmap: dict[str, Any]) -> dict[str, Any]:
    """The ward heat map, its special categories summed into broad ones for a caller who
    does not see every household's exact categories."""
    if sees_every_category(principal):
        return heatmap
    wards = [{**w, "counts": broad_counts(w["counts"])} for w in heatmap["wards"]]
    categories = list(dict.fromkeys(broad_counts(dict.fromkeys(heatmap["categories"], 0))))
    return {**heatmap, "categories": categories, "wards": wards}


async def case_rows(app: SukumaApp, user: CurrentUser) -> CaseRows:
    return CaseRows(app, user)


#: How this caller sees the rows of lists of households, referrals and alerts.
ShapedRows = Annotated[CaseRows, Depends(case_rows)]
