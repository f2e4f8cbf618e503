"""The convener's review of duplicate households: the open pairs with their evidence, and
the decision on each (merge, keeping one of the two, or not a duplicate).

The list is the duplicates view's query under the access policy (the pairs whose two
households the reader may see; the evidence only with sight of both households' personal
data, ``domain.access.merges``); each decision is the same application command as
``POST /v1/duplicates/{id}/...``."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from api.deps import Clock, ReadPool, SukumaApp
from api.freshness import Fresh
from domain.access.merges import sees_evidence
from domain.context import CommandContext
from projections.duplicates import queries
from web.labels import N_
from web.render import page, redirect
from web.session import Csrf, Viewer

router = APIRouter(include_in_schema=False)

#: Open pairs shown at once (keyset order; the next ones once these are decided).
PAIRS_SHOWN = 50
#: The evidence's fields, in the order shown, with their labels.
FIELDS = {
    "id_number": N_("ID number"),
    "first_name": N_("First name"),
    "surname": N_("Surname"),
    "date_of_birth": N_("Date of birth"),
    "phone": N_("Phone"),
    "members": N_("Members found in both"),
    "ward": N_("Same ward"),
}


@router.get("/duplicates")
async def review(request: Request, me: Viewer, pool: ReadPool, fresh: Fresh) -> Response:
    rows, _ = await queries.candidates_page(pool, me, "open", None, PAIRS_SHOWN)
    for row in rows:
        shown = sees_evidence(me, [row["ward_a"], row["ward_b"]])
        row["evidence"] = (
            [
                (label, row["field_scores"][f])
                for f, label in FIELDS.items()
                if f in row["field_scores"]
            ]
            if shown
            else None
        )
    return page(request, "duplicates.html", pairs=rows, shown=PAIRS_SHOWN, fresh=fresh)


@router.post("/duplicates/{candidate_id}/merge", dependencies=[Csrf])
def merge(
    request: Request,
    candidate_id: UUID,
    survivor_id: Annotated[UUID, Form()],
    me: Viewer,
    app: SukumaApp,
    clock: Clock,
) -> Response:
    ctx = CommandContext(actor=me.actor, occurred_at=clock(), principal=me)
    app.merge_households(candidate_id, survivor_id, ctx)
    return redirect(
        request, "/duplicates", notice=N_("Merged: the household kept answers for both.")
    )


@router.post("/duplicates/{candidate_id}/dismiss", dependencies=[Csrf])
def dismiss(
    request: Request, candidate_id: UUID, me: Viewer, app: SukumaApp, clock: Clock
) -> Response:
    ctx = CommandContext(actor=me.actor, occurred_at=clock(), principal=me)
    app.dismiss_duplicate(candidate_id, None, ctx)
    return redirect(request, "/duplicates", notice=N_("Recorded: not the same household."))
