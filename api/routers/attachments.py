"""The files a field app sent with a household's form (a consent signature): listed and read
by whoever sees the household's personal fields, each read of a file logged as personal data
read. The contents stay sealed under the household's key in the event that stored them, so
erasing the household erases them too (and the list drops them)."""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from api.deps import CurrentUser, ReadPool
from api.personal import sight_of
from api.read_log import record_read
from api.schemas.attachments import AttachmentsList, AttachmentsRead
from domain.access.decision import Forbidden
from domain.access.principal import Principal
from domain.access.visibility import Sight
from domain.errors import NotFoundError
from domain.households.model import Household
from domain.personal_data import ERASED
from domain.submissions.model import Attachments
from domain.sukuma import Sukuma
from projections.field_capture.queries import household_attachments

router = APIRouter(prefix="/households", tags=["households"])

#: Content types a file is served as (a signature's image); any other is a download.
SHOWN_INLINE = frozenset({"image/png", "image/jpeg", "image/webp"})
FILE_ENDPOINT = "GET /v1/households/{household_id}/attachments/{attachments_id}/{name}"


def _erased(app: Sukuma, user: Principal, household_id: UUID) -> bool:
    """Whether the household's personal data is erased (its files with it), if the caller
    may see its personal fields (a file is one of them): unknown or out of scope is 404, in
    scope without that sight 403."""
    sight = sight_of(user, app.read(Household, household_id, user))
    if sight not in (Sight.FULL, Sight.ERASED):
        raise Forbidden("household.attachments", "its personal fields are not yours to read")
    return sight is Sight.ERASED


@router.get("/{household_id}/attachments")
async def list_attachments(
    household_id: UUID, request: Request, pool: ReadPool, user: CurrentUser
) -> AttachmentsList:
    """The files the field apps sent with this household's forms, newest last (read from
    the field-capture view: as fresh as its projection)."""
    app: Sukuma = request.app.state.sukuma  # the write side blocks: called in a thread
    if await run_in_threadpool(_erased, app, user, household_id):
        return AttachmentsList(data=[])
    rows = await household_attachments(pool, household_id)
    return AttachmentsList(data=[AttachmentsRead.of_row(household_id, r) for r in rows])


def _file(
    app: Sukuma, user: Principal, household_id: UUID, attachments_id: UUID, name: str
) -> dict[str, Any]:
    if _erased(app, user, household_id):
        raise NotFoundError("attachment", name)
    try:
        stored = app.get(Attachments, attachments_id)
    except NotFoundError:
        stored = None
    if stored is None or stored.household_id != str(household_id):
        raise NotFoundError("attachment", str(attachments_id))
    created = next(iter(app.repository.event_store.get(attachments_id)))
    files: list[dict[str, Any]] = getattr(created, "files", [])
    found = next((f for f in files if f["name"] == name and f["data"] != ERASED), None)
    if found is None:
        raise NotFoundError("attachment", name)
    record_read(app, user, household_id, FILE_ENDPOINT, [f"attachments.{name}"])
    return found


@router.get(
    "/{household_id}/attachments/{attachments_id}/{name}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file"}},
)
async def read_attachment(
    household_id: UUID, attachments_id: UUID, name: str, request: Request, user: CurrentUser
) -> Response:
    """One file as the app sent it (an image as its own type, anything else as a download);
    the read is logged."""
    app: Sukuma = request.app.state.sukuma  # the write side blocks: called in a thread
    found = await run_in_threadpool(_file, app, user, household_id, attachments_id, name)
    content_type = str(found.get("content_type") or "")
    # A phone's file is never a page of this site: no script, no frame, no fetch (nosniff
    # and no-store are on every /v1 answer: api.middleware.SecurityHeaders).
    headers = {"Content-Security-Policy": "default-src 'none'; sandbox"}
    if content_type not in SHOWN_INLINE:  # what a phone sent is not trusted to be HTML-safe
        content_type = "application/octet-stream"
        headers["Content-Disposition"] = "attachment"
    return Response(base64.b64decode(found["data"]), media_type=content_type, headers=headers)
