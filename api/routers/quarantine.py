"""Quarantined field-app submissions (a convener's, in its wards): list, read, fix and apply
again, or discard. Nothing a field worker typed is lost."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api.deps import Command, CurrentUser, ReadPool, SukumaApp
from api.openrosa import mapper
from api.openrosa.apply import Refused, Submitter, repeats_of
from api.schemas.common import WRITTEN
from api.schemas.quarantine import (
    DiscardQuarantined,
    QuarantineDetail,
    QuarantineList,
    QuarantineRead,
    ReapplyQuarantined,
)
from domain.access.policy import row_scope
from domain.context import CommandContext
from domain.errors import InvalidCommand
from domain.submissions.model import Quarantine
from projections.field_capture.queries import quarantine_page

router = APIRouter(prefix="/quarantine", tags=["quarantine"])

Status = Literal["open", "reapplied", "discarded"]
#: A log position PostgreSQL's bigint holds (with one to spare for the page's start).
MAX_POSITION = 2**63 - 2


@router.get("")
async def list_quarantined(
    pool: ReadPool,
    user: CurrentUser,
    status: Status = "open",
    after: Annotated[int, Query(ge=0, le=MAX_POSITION, description="the previous next_after")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> QuarantineList:
    """The kept submissions of the caller's wards (``status``: open, reapplied, discarded),
    in the order they were kept, a page of up to ``limit`` entries at a time (read from the
    field-capture view: as fresh as its projection)."""
    rows, next_after = await quarantine_page(
        pool, row_scope(user, "quarantine"), status, after, limit
    )
    data = [QuarantineRead.of_row(r) for r in rows]
    return QuarantineList(data=data, count=len(data), next_after=next_after)


@router.get("/{quarantine_id}")
def get_quarantined(quarantine_id: UUID, app: SukumaApp, user: CurrentUser) -> QuarantineDetail:
    entry = app.read(Quarantine, quarantine_id, user)
    return QuarantineDetail(**QuarantineRead.of(entry).model_dump(), xml=entry.xml)


@router.post("/{quarantine_id}/reapply", responses=WRITTEN)
def reapply(
    quarantine_id: UUID, body: ReapplyQuarantined, cmd: Command, request: Request
) -> JSONResponse:
    """Apply the submission again (corrected with ``xml`` if given), as the caller."""
    app = cmd.application
    assert cmd.principal is not None, "a signed-in route"
    entry = app.read(Quarantine, quarantine_id, cmd.principal)
    if body.xml is not None and body.xml != entry.xml:
        ctx = CommandContext(cmd.actor, cmd.occurred(None), principal=cmd.principal)
        app.correct_quarantined(quarantine_id, body.xml, ctx)
    xml = (body.xml or entry.xml).encode()
    state = request.app.state
    submitter = Submitter(
        app,
        cmd.principal,
        timedelta(days=state.settings.occurred_at_window_days),
        state.clock,
        request,
    )
    # Each correction is its own request: its key is the instance's and the XML's.
    try:
        instance = mapper.read_instance(xml, repeats_of)
        key = f"{instance.instance_id}:{hashlib.sha256(xml).hexdigest()[:16]}"
        household_id = submitter.apply(instance, mapper.commands_of(instance), xml, [], key)
    except mapper.Unreadable as exc:
        raise InvalidCommand(exc.field, exc.message) from None
    except Refused as exc:
        return exc.answer  # as the JSON API answers that command
    return cmd.run(
        quarantine_id,
        body.occurred_at,
        lambda ctx: app.mark_reapplied(quarantine_id, household_id, ctx),
        extra={"household_id": str(household_id)},
    )


@router.post("/{quarantine_id}/discard", responses=WRITTEN)
def discard(quarantine_id: UUID, body: DiscardQuarantined, cmd: Command) -> JSONResponse:
    app = cmd.application
    return cmd.run(
        quarantine_id,
        body.occurred_at,
        lambda ctx: app.discard_quarantined(quarantine_id, body.reason, ctx),
    )
