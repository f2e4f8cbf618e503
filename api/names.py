"""Households in lists by their head's name, for a reader who may see it: the API's lists with
``?names=true`` and the web workspace's lists alike (one rule, here).

A name is shown to a reader with the right to personal data (``pii:read``) who may see it by
``domain.access.visibility`` (the household's own people and analysts of its area; a
department officer through a referral that shares personal data), each name shown logged as
a read; everyone else (and a household whose names are erased or withheld) gets no name.

A list's names come from the names view (``projections.names``): the rows' heads, sealed as
the event store sealed them, and their data keys in one query, opened here (loading each
household from the event store took about a millisecond each).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID

from adapters.event_store import SukumaRecorder
from api.personal import CaseRows, Erasures
from api.read_log import ReadLog
from domain.access.area import Location
from domain.access.principal import Principal
from domain.access.visibility import Sight, personal_sight
from domain.sukuma import Sukuma
from projections.names.queries import open_name, sealed_heads
from projections.scoping import Db

#: What the access log names when a list shows a head's name.
NAME_FIELDS = ("profile.members[].first_name", "profile.members[].surname")


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
    """``rows`` (changed in place) with ``household_name`` where one is shown, each name
    shown noted in ``log``."""
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
    before they are returned (rows whose special categories are shaped too: ``case_rows``)."""
    log = ReadLog(app, principal, endpoint, pool=db)
    found = await names_of(app, db, principal, rows)
    rows = with_names([dict(r) for r in rows], found.names, log)
    await log.written()
    return rows


async def case_rows(
    app: Sukuma, principal: Principal, db: Db, rows: list[dict[str, Any]], log: ReadLog
) -> list[dict[str, Any]]:
    """A case list's rows as ``api.personal`` shapes them (special categories), named where
    this reader may see the names (whose one query also answers the erasures' look-up),
    the reads noted in ``log`` and its write begun (``log.written()`` waits for it: a page
    formats its rows meanwhile)."""
    found = await names_of(app, db, principal, rows)
    shaped = await CaseRows(app, principal).noted(rows, log, erasures=found.erasures)
    rows = with_names(shaped, found.names, log)
    log.start()
    return rows


async def named_page(
    app: Sukuma, principal: Principal, db: Db, rows: list[dict[str, Any]], endpoint: str
) -> list[dict[str, Any]]:
    """An API list's page as ``case_rows`` shapes and names it, its log written first."""
    log = ReadLog(app, principal, endpoint, pool=db)
    rows = await case_rows(app, principal, db, rows, log)
    await log.written()
    return rows
