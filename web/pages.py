"""The pages people read their work from: the referral board, the officer's inbox, households
at risk, a household and a referral. Lists come from the projections' queries under the access
policy's row scope; one object comes from the application, shaped by ``api.personal`` as the
API shapes it (personal data by the same visibility rules, revealing reads logged)."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import Clock, ReadPool, SukumaApp
from api.freshness import Fresh
from api.names import case_rows
from api.personal import CaseRows, household_history, household_read, referral_read
from api.read_log import ReadLog
from domain.access.locations import location_of
from domain.access.policy import Decision, decide, row_scope
from domain.access.principal import Principal
from domain.households.model import Household
from domain.personal_data import ERASED, WITHHELD
from domain.reference.geography import geography
from domain.referrals.model import Referral
from domain.sukuma import Sukuma
from domain.vocabulary import ReferralStatus
from projections.nerve_centre.queries.board import (
    household_referrals,
    households_at_risk,
    open_referrals,
)
from web import profile_form
from web.departments import in_service
from web.i18n import language_of
from web.labels import choices
from web.render import logged_page, page
from web.session import Viewer
from web.work_lists import household_rows, referral_rows

router = APIRouter(include_in_schema=False)

#: The forms a referral's page offers in each status (the domain still decides: a form the
#: referral no longer allows answers with an error page that says why).
FORMS_BY_STATUS: dict[str, tuple[str, ...]] = {
    ReferralStatus.MADE: ("acknowledge", "reject", "reassign", "escalate", "cancel"),
    ReferralStatus.ACKNOWLEDGED: ("deliver", "reject", "reassign", "escalate", "cancel"),
    # A disputed delivery is reopened (back to acknowledged) before it is delivered again.
    ReferralStatus.DISPUTED: ("reopen", "escalate"),
    ReferralStatus.SERVICE_DELIVERED: ("verify", "dispute", "escalate"),
    ReferralStatus.VERIFIED: ("close",),
}
#: Wards a move form lists at most for a search (a province has hundreds).
MOVE_MATCHES = 100
#: The household's steps its page may offer, each shown only if the access policy allows it.
HOUSEHOLD_STEPS = (
    "need",
    "refer",
    "visit",
    "intervention",
    "resolve",
    "move",
    "graduate",
    "reopen",
    "consent",
)


def _by_status(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["status"]].append(row)
    order = list(ReferralStatus)
    return dict(sorted(grouped.items(), key=lambda item: order.index(ReferralStatus(item[0]))))


@router.get("/board")
async def board(
    request: Request, me: Viewer, app: SukumaApp, pool: ReadPool, clock: Clock, fresh: Fresh
) -> Response:
    """The ward's open referrals by status, overdue first within each (special need
    categories as ``api.personal`` shows them to this user)."""
    rows = await open_referrals(pool, row_scope(me, "referral"), clock().date())
    log = ReadLog(app, me, "GET /board", pool=pool)
    rows = await case_rows(app, me, pool, rows, log)
    overdue = sum(1 for r in rows if (r["days_past"] or 0) > 0)
    language = language_of(request)
    groups = {
        status: {"count": len(group), "rows": referral_rows(language, group, show_household=True)}
        for status, group in _by_status(rows).items()
    }
    return await logged_page(
        request, log, "board.html", groups=groups, overdue=overdue, fresh=fresh
    )


@router.get("/inbox")
async def inbox(
    request: Request, me: Viewer, app: SukumaApp, pool: ReadPool, clock: Clock, fresh: Fresh
) -> Response:
    """An officer's referrals to answer, most overdue first, with the standard's clock."""
    rows = await open_referrals(pool, row_scope(me, "referral"), clock().date())
    log = ReadLog(app, me, "GET /inbox", pool=pool)
    rows = await case_rows(app, me, pool, rows, log)
    shown = referral_rows(language_of(request), rows, show_status=True, show_household=True)
    return await logged_page(request, log, "inbox.html", referrals=shown, fresh=fresh)


@router.get("/households")
async def households(
    request: Request, me: Viewer, app: SukumaApp, pool: ReadPool, fresh: Fresh
) -> Response:
    """Households with open needs, highest risk first."""
    rows = await households_at_risk(pool, row_scope(me, "household"))
    log = ReadLog(app, me, "GET /households", pool=pool)
    rows = await case_rows(app, me, pool, rows, log)
    shown = household_rows(language_of(request), rows)
    return await logged_page(request, log, "households.html", households=shown, fresh=fresh)


@router.get("/households/{household_id}")
async def household(
    request: Request,
    household_id: UUID,
    me: Viewer,
    app: SukumaApp,
    pool: ReadPool,
    clock: Clock,
    ward_search: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    shaped = await run_in_threadpool(_household, app, me, household_id)
    scope = row_scope(me, "referral")
    referrals = await household_referrals(pool, scope, household_id, clock().date())
    # Each referral's category as its department's officers and this user may see it.
    ward_id = shaped["household"].ward_id
    place = [{**r, "household_id": household_id, "ward_id": ward_id} for r in referrals]
    referrals = await CaseRows(app, me).page(place, "GET /households/{id}")
    at = shaped["location"]
    return page(
        request,
        "household.html",
        **shaped,
        referrals=referrals,
        may={s for s in HOUSEHOLD_STEPS if decide(me, f"household.{s}", at) is Decision.ALLOW},
        categories=choices("need_category"),
        severities=choices("severity"),
        kinds=choices("intervention_kind"),
        outcomes=choices("visit_outcome"),
        wards=_wards_to_move(ward_id, ward_search),
        ward_search=ward_search,
        # Members by name where this reader may see names (api.personal shaped the read).
        relations=dict(profile_form.choices("relation")),
        consent_by=profile_form.choices("consent.given_by"),
        consent_bases=profile_form.choices("consent.basis"),
        hidden=(WITHHELD, ERASED),
    )


@router.get("/referrals/{referral_id}")
async def referral(request: Request, referral_id: UUID, me: Viewer, app: SukumaApp) -> Response:
    shaped = await run_in_threadpool(_referral, app, me, referral_id)
    return page(
        request,
        "referral.html",
        **shaped,
        reasons=choices("rejection_reason"),
        kinds=choices("intervention_kind"),
    )


def _wards_to_move(ward_id: str, search: str | None) -> list[tuple[str, list[tuple[str, int]]]]:
    """Where a household of ``ward_id`` may move to (the move's policy asks about the
    household's ward only; the destination may be any ward), by municipality, its own left
    out: the wards of its district, or, with ``search``, the province's wards whose
    municipality, district or id holds it (the first ``MOVE_MATCHES``)."""
    places = geography()
    ward = places.ward(ward_id)
    wanted = (search or "").strip().casefold()
    if wanted:
        candidates = [
            w
            for w in places.wards
            if wanted in w.id.casefold()
            or wanted in places.municipality(w.municipality_code).name.casefold()
            or wanted in places.district(w.district_code).name.casefold()
        ]
    else:
        candidates = places.wards_in("district", ward.district_code)
    grouped: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for other in [w for w in candidates if w.id != ward_id][:MOVE_MATCHES]:
        name = places.municipality(other.municipality_code).name
        grouped[name].append((other.id, other.number))
    return sorted(grouped.items())


def _household(app: Sukuma, me: Principal, household_id: UUID) -> dict[str, Any]:
    aggregate = app.read(Household, household_id, me)
    read = household_read(app, me, aggregate, "GET /households/{id}")
    history = household_history(app, me, household_id, None, "GET /households/{id}")
    return {
        # The catalogue's departments in service (an administrator may have changed it).
        "departments": in_service(app),
        "household": read,
        "timeline": list(reversed(history.events)),
        "location": location_of(aggregate),
    }


def _referral(app: Sukuma, me: Principal, referral_id: UUID) -> dict[str, Any]:
    aggregate = app.read(Referral, referral_id, me)
    at = location_of(aggregate)
    forms = [
        verb
        for verb in FORMS_BY_STATUS.get(aggregate.status, ())
        if decide(me, f"referral.{verb}", at) is Decision.ALLOW
    ]
    return {
        "referral": referral_read(app, me, aggregate, "GET /referrals/{id}"),
        "forms": forms,
        "household_link": decide(me, "household.read", at) is Decision.ALLOW,
        # Where it may be reassigned: the catalogue's other departments in service.
        "departments": [d for d in in_service(app) if d.code != aggregate.department],
    }
