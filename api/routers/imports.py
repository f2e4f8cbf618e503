"""Bulk import of a household register (administrators, into their own area's wards)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from api.deps import CurrentUser, IdempotencyKey, IfMatch, build_runner
from api.imports.rows import FileRefused, read_rows
from api.imports.run import ImportReport, file_sha256, import_register
from api.schemas.common import WRITTEN, ErrorRead
from api.schemas.imports import ImportRead
from domain.context import CommandContext, Written
from domain.imports.access import authorise_import
from domain.imports.application import import_id

router = APIRouter(prefix="/imports", tags=["imports"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    **WRITTEN,
    200: {"model": ImportRead},
    400: {"model": ErrorRead, "description": "Not a register: not CSV/XLSX, or wrong columns"},
    413: {"model": ErrorRead, "description": "Over SUKUMA_MAX_REQUEST_BODY_BYTES"},
}


@router.post("/households", responses=RESPONSES)
def import_households(
    file: Annotated[UploadFile, File(description="The register: CSV (UTF-8) or XLSX")],
    request: Request,
    user: CurrentUser,
    dry_run: Annotated[bool, Query(description="Check only: write nothing")] = False,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Check a register file (docs/import/README.md) and, unless ``dry_run``, apply its valid
    households; the answer lists every row's problem (row, column, value, reason) either way.
    Administrators only, and only into wards of their own area."""
    authorise_import(user, ())  # administrators only, before their file is read
    data = file.file.read()
    try:
        wards = {r.cells.get("ward_id", "") for r in read_rows(data)} - {""}
    except FileRefused as exc:
        return JSONResponse(status_code=400, content={"detail": str(exc)})
    authorise_import(user, wards)
    # A retry is the same file (the multipart boundary differs from one send to the next).
    cmd = build_runner(request, user, if_match, idempotency_key, data + bytes([dry_run]))
    app = cmd.application
    sha256 = file_sha256(data)
    # Completed by ``keep`` before the record is saved, so an Idempotency-Key's receipt keeps it.
    answer: dict[str, Any] = {"sha256": sha256}

    def keep(report: ImportReport) -> None:
        answer.update(sha256=report.sha256, dry_run=report.dry_run, **report.counts())
        answer["problems"] = [asdict(p) for p in report.problems]

    def run(ctx: CommandContext) -> Written:
        name = file.filename or "upload"
        return import_register(app, data, name, ctx, dry_run=dry_run, on_report=keep)[1]

    return cmd.run(import_id(sha256), None, run, extra=answer)
