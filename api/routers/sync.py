"""Offline sync for Sukuma's own clients: a batch of commands up, the caller's changes down."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import CurrentUser, HouseholdRows, ReadPool, ReferralRows
from api.personal import household_read, referral_read
from api.schemas.common import ErrorRead, Responses
from api.schemas.sync import (
    MAX_BATCH_ITEMS,
    MAX_CHANGES_PAGE,
    ChangeRead,
    ChangesRead,
    RemovedRead,
    SyncBatch,
    SyncResults,
    VisitDueRead,
)
from api.sync import item_types, run_item
from domain.access.policy import row_scope
from domain.access.principal import Principal
from domain.errors import NotFoundError
from domain.households.model import Household
from domain.referrals.model import Referral
from domain.sukuma import Sukuma
from domain.users.model import User
from projections.changes import AccessLoss, Changed, access_losses, changes_page

router = APIRouter(prefix="/sync", tags=["sync"])

CHANGES_ENDPOINT = "GET /v1/sync/changes"

#: The batch as a whole: each item's refusal is in its result, never the batch's status.
BATCH_REFUSED: Responses = {
    400: {"model": ErrorRead, "description": "The body cannot be decoded"},
    409: {"description": "Never for the batch: an item's conflict is its result"},
    412: {"description": "Never for the batch: an item's stale version is its result"},
    413: {"model": ErrorRead, "description": "The body is over the request size limit"},
    422: {"description": f"Not a batch: no items, over {MAX_BATCH_ITEMS}, or a bad envelope"},
}


@router.post(
    "",
    responses=BATCH_REFUSED,
    description="Run a batch of offline commands in order, each as its /v1 route would, and "
    "answer each one's outcome (one item's refusal never stops the others). "
    f"At most {MAX_BATCH_ITEMS} items. Item types:\n\n{item_types()}",
)
def sync(batch: SyncBatch, request: Request, user: CurrentUser) -> SyncResults:
    """Run the batch's items in order (see the description)."""
    results = [run_item(request, user, i, item) for i, item in enumerate(batch.items)]
    written = [r.position for r in results if r.position is not None]
    return SyncResults(results=results, position=max(written, default=None))


Since = Annotated[
    int, Query(ge=0, le=2**63 - 1, description="The next_since of the last page (0: all)")
]
PageSize = Annotated[int, Query(ge=1, le=MAX_CHANGES_PAGE, description="Page size")]


@router.get("/changes")
async def changes(
    request: Request,
    pool: ReadPool,
    user: CurrentUser,
    households: HouseholdRows,
    referrals: ReferralRows,
    since: Since = 0,
    limit: PageSize = 50,
) -> ChangesRead:
    """Households, referrals and visits due in the caller's scope changed after ``since``
    (read from the views, so as fresh as the projections), each household and referral in
    its current state as the caller may see it (personal fields as the household read); and
    ``removed`` for each one that left the caller's scope since (moved, reassigned) or was
    erased, or the caller lost the role or scope it saw it by: the offline copy drops it."""
    app: Sukuma = request.app.state.sukuma
    lost = await access_losses(pool, user.user_id, since)
    losses = await run_in_threadpool(_saw, app, user, lost) if lost else []
    page, next_since, more = await changes_page(pool, households, referrals, since, limit, losses)
    shown = await run_in_threadpool(_current, app, user, page)
    return ChangesRead(changes=shown, next_since=next_since, more=more)


def _saw(app: Sukuma, user: Principal, lost: list[tuple[int, int]]) -> list[AccessLoss]:
    """What the caller saw just before each loss: the user as it was then (its version)."""
    saw = []
    for position, version in lost:
        then = app.repository.get(UUID(user.user_id), version=version)
        assert isinstance(then, User)
        principal = then.principal
        saw.append(
            AccessLoss(
                position, row_scope(principal, "household"), row_scope(principal, "referral")
            )
        )
    return saw


def _current(app: Sukuma, user: Principal, page: list[Changed]) -> list[ChangeRead]:
    """Each changed row's aggregate as the caller may see it; one that left the caller's
    scope since the view was written is left out."""
    shown = []
    for row in page:
        try:
            shown.append(_read(app, user, row))
        except NotFoundError:
            continue
    return shown


def _read(app: Sukuma, user: Principal, row: Changed) -> ChangeRead:
    base: dict[str, Any] = {"kind": row.kind, "id": row.id, "position": row.position}
    if row.kind == "removed":
        removed = RemovedRead.model_validate(row.data)
        # Lost access is decided in SQL already; an erased one is always sent.
        gone = removed.reason in ("erased", "access")
        if not gone and _still_seen(app, user, removed.of, UUID(row.id)):
            raise NotFoundError(removed.of, row.id)  # moved within its sight: not removed
        return ChangeRead(**base, removed=removed)
    if row.kind == "visit_due":  # from the view alone: no personal data
        return ChangeRead(**base, visit_due=VisitDueRead.model_validate(row.data))
    if row.kind == "household":
        household = app.read(Household, UUID(row.id), user)
        return ChangeRead(**base, household=household_read(app, user, household, CHANGES_ENDPOINT))
    referral = app.read(Referral, UUID(row.id), user)
    return ChangeRead(**base, referral=referral_read(app, user, referral, CHANGES_ENDPOINT))


def _still_seen(app: Sukuma, user: Principal, of: str, aggregate_id: UUID) -> bool:
    """Whether the caller still sees it where it is now (then its row's change is sent)."""
    try:
        app.read(Household if of == "household" else Referral, aggregate_id, user)
    except NotFoundError:
        return False
    return True
