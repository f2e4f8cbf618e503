"""People in lists by the name a reader may see. Households: the head's name for a reader with the
right to personal data (``pii:read``) who may see it by ``domain.access.visibility`` (the
household's own people and analysts of its area; a department officer through a referral that
shares personal data), each name shown logged as a read; everyone else (and a household whose
names are erased or withheld) sees its reference, never a name. Field workers: their names to
whoever may read the field worker, as ``GET /v1/field-workers/{id}`` shows them.

A list's names come from the names view (``projections.names``): the page's heads, sealed as
the event store sealed them, and their data keys in one query, opened here (each household
was loaded from the event store before, about a millisecond each).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID

from adapters.event_store import SukumaRecorder
from api.personal import Erasures, household_read
from api.read_log import ReadLog
from domain.access.area import Location
from domain.access.principal import Principal
from domain.access.visibility import Sight, personal_sight
from domain.errors import NotFoundError
from domain.fieldworkers.model import FieldWorker
from domain.households.model import Household
from domain.personal_data import ERASED, WITHHELD
from domain.sukuma import Sukuma
from projections.names.queries import open_name, sealed_heads
from projections.scoping import Db

#: What the access log names when a list shows a head's name.
NAME_FIELDS = ("profile.members[].first_name", "profile.members[].surname")


def household_names(
    app: Sukuma, principal: Principal, ids: Collection[UUID], endpoint: str
) -> dict[UUID, str]:
    """The head's name of each household the reader may see it of (blocking: each is loaded
    and shaped by ``api.personal``, which logs the names it shows under ``endpoint``)."""
    names = {}
    for household_id in sorted(ids):
        try:
            household = app.read(Household, household_id, principal)
        except NotFoundError:
            continue
        profile = household_read(app, principal, household, endpoint).profile or {}
        head = next((m for m in profile.get("members", []) if m.get("relation") == "head"), None)
        parts = [head.get(k) for k in ("first_name", "surname")] if head else []
        if parts and all(p and p not in (WITHHELD, ERASED) for p in parts):
            names[household_id] = " ".join(str(p) for p in parts)
    return names


def field_worker_names(app: Sukuma, principal: Principal, worker_ids: list[str]) -> dict[str, str]:
    """Each field worker's name, where the reader may read the field worker (blocking: each
    is loaded from the event store; a ward has a handful)."""
    names = {}
    for worker_id in worker_ids:
        try:
            names[worker_id] = app.read(FieldWorker, UUID(worker_id), principal).name
        except (NotFoundError, ValueError):
            continue
    return names


def _household(row: dict[str, Any]) -> UUID | None:
    found = row.get("household_id")
    if isinstance(found, UUID) or not found:  # asyncpg's UUIDs are UUIDs: no round trip by text
        return found or None
    return UUID(str(found))


def _referral(row: dict[str, Any]) -> UUID | None:
    found = row.get("referral_id")
    if isinstance(found, UUID) or not found:
        return found or None
    return UUID(str(found))


#: What a row's name depends on besides the reader: (household, and the department through
#: a referral sharing personal data), and the sight's inputs.
Sighting = tuple[str | None, bool, str, str | None]


@lru_cache(maxsize=16_384)
def _sees_name(principal: Principal, sighting: Sighting) -> bool:
    """Whether a row may show its head's name: the household's sight (through the row's
    referral, for its department's officers, if that referral shares personal data).
    A pure function of the reader (roles, scopes) and the sighting, so kept across pages: a
    province's board asks it of some 200 wards, each time (0.7 ms of 200 rows, fastest)."""
    consent, erased, ward_id, department = sighting
    sight = personal_sight(
        principal, consent, erased, at=Location.ward(ward_id), department=department
    )
    return sight in (Sight.FULL, Sight.CONTACT)


Names = dict[tuple[UUID, UUID | None], str]


@dataclass(frozen=True)
class PageNames:
    """A page's names by (household, referral), and its households' erasures when the
    names' query read them (None: no query, the erasures still to be looked up)."""

    names: Names
    erasures: Erasures | None = None


async def names_of(
    app: Sukuma, db: Db, principal: Principal, rows: list[dict[str, Any]]
) -> PageNames:
    """Each row's name by (household, referral), where the reader may see it, and the rows'
    erased households: one query, and no look-up at all for a reader without the right to
    personal data (a name would be withheld anyway)."""
    recorder = app.recorder
    if not principal.may_read_pii or not rows:
        return PageNames({})
    if not isinstance(recorder, SukumaRecorder) or recorder.data_keys is None:
        return PageNames({})
    keys = recorder.data_keys
    keyed = [(_household(r), _referral(r), r.get("department")) for r in rows]
    households = {h for h, _, _ in keyed if h is not None}
    referrals = {f for _, f, _ in keyed if f is not None}
    found = await sealed_heads(db, recorder.data_keys_table_name, households, referrals)
    names: Names = {}
    opened: dict[UUID, str | None] = {}
    for household, referral, department in keyed:
        head = found.heads.get(household) if household is not None else None
        if head is None:
            continue
        shared = referral is not None and referral in head.shared_referrals
        sighting = (head.consent, head.erased, head.ward_id, department if shared else None)
        if not _sees_name(principal, sighting):
            continue
        if head.household_id not in opened:
            opened[head.household_id] = open_name(head, keys)
        name = opened[head.household_id]
        if name is not None:
            names[(head.household_id, referral)] = name
    return PageNames(names, Erasures(frozenset(households), found.erased))


def with_names(rows: list[dict[str, Any]], names: Names, log: ReadLog) -> list[dict[str, Any]]:
    """``rows`` (the page's own: changed in place) with ``household_name`` where one is
    shown, each name shown noted in ``log``."""
    if not names:
        return rows
    for row in rows:
        household = _household(row)
        if household is not None and (name := names.get((household, _referral(row)))):
            row["household_name"] = name
    for household in {household for household, _ in names}:
        log.note(household, NAME_FIELDS)
    return rows


async def named(
    app: Sukuma, principal: Principal, rows: list[dict[str, Any]], endpoint: str, db: Db
) -> list[dict[str, Any]]:
    """``rows`` with ``household_name`` where the reader may see it, the names shown logged
    before they are returned (a page that renders while its log is written uses
    ``names_of`` and ``with_names``)."""
    log = ReadLog(app, principal, endpoint, pool=db)
    found = await names_of(app, db, principal, rows)
    rows = with_names([dict(r) for r in rows], found.names, log)
    await log.written()
    return rows
