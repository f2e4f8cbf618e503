"""The OpenRosa endpoints ODK Collect, KoboCollect and Enketo call: form list, form download,
manifest and media, submission. Each is served twice: under ``/openrosa`` (HTTP Basic) and
under ``/key/{token}/openrosa`` (a device's app token, as ODK Central's app users)."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import replace
from datetime import timedelta
from typing import Annotated
from xml.etree.ElementTree import Element, SubElement, tostring

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.openrosa.apply import Outcome, Submitter, Upload
from api.openrosa.auth import field_principal
from api.openrosa.catalog import Form, forms
from api.openrosa.xml import MANIFEST_NS, OPENROSA_NS, XFORMS_LIST_NS
from domain.access.area import Area
from domain.access.policy import row_scope
from domain.access.principal import Principal
from domain.reference.geography import geography
from projections.field_capture import queries
from projections.field_capture.queries import visit_choices

FieldUser = Annotated[Principal, Depends(field_principal)]
XML = "text/xml; charset=utf-8"
#: Most attachments one submission may carry (Collect splits larger sets over several posts).
MAX_FILES = 20

router = APIRouter(include_in_schema=False)


def openrosa_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    root = Element("OpenRosaResponse", xmlns=OPENROSA_NS)
    SubElement(root, "message", nature="submit_success" if status < 300 else "error").text = message
    return Response(tostring(root, encoding="unicode"), status, headers, media_type=XML)


def _base(request: Request) -> str:
    """The server URL the app was given (with its token, if it came with one)."""
    token = request.path_params.get("token")
    root = str(request.base_url).rstrip("/")
    return f"{root}/key/{token}/openrosa" if token else f"{root}/openrosa"


def _form(form_id: str, user: Principal) -> Form:
    form = forms().get(form_id)
    if form is None or not form.open_to(user):
        raise FormNotFound(form_id)
    return form


class FormNotFound(Exception):
    """A form that does not exist, or that the user's roles may not submit (404)."""


async def form_list(
    request: Request,
    user: FieldUser,
    form_id: Annotated[str | None, Query(alias="formID")] = None,
) -> Response:
    root = Element("xforms", xmlns=XFORMS_LIST_NS)
    base = _base(request)
    for form in forms().values():
        if not form.open_to(user) or form_id not in (None, form.form_id):
            continue
        item = SubElement(root, "xform")
        for tag, text in (
            ("formID", form.form_id),
            ("name", form.title),
            ("version", form.version),
            ("hash", f"md5:{form.md5}"),
            ("downloadUrl", f"{base}/forms/{form.form_id}.xml"),
            ("manifestUrl", f"{base}/forms/{form.form_id}/manifest"),
        ):
            SubElement(item, tag).text = text
    return Response(tostring(root, encoding="unicode"), media_type=XML)


async def form_download(form_id: str, user: FieldUser) -> Response:
    return Response(_form(form_id, user).xml, media_type=XML)


async def manifest(request: Request, form_id: str, user: FieldUser) -> Response:
    form = _form(form_id, user)
    root = Element("manifest", xmlns=MANIFEST_NS)
    base = _base(request)
    for name in form.media:
        content = await _media(request, name, user)
        item = SubElement(root, "mediaFile")
        SubElement(item, "filename").text = name
        SubElement(
            item, "hash"
        ).text = f"md5:{hashlib.md5(content, usedforsecurity=False).hexdigest()}"
        SubElement(item, "downloadUrl").text = f"{base}/forms/{form.form_id}/media/{name}"
    return Response(tostring(root, encoding="unicode"), media_type=XML)


async def media_file(request: Request, form_id: str, name: str, user: FieldUser) -> Response:
    if name not in _form(form_id, user).media:
        raise FormNotFound(f"{form_id}/{name}")
    return Response(await _media(request, name, user), media_type="text/csv; charset=utf-8")


async def _media(request: Request, name: str, user: Principal) -> bytes:
    """The user's choice list: the wards its scopes cover, or the households it may visit
    (read from the households view, scoped as every list is: in the wards it works in, the
    most recently changed ``MANIFEST_HOUSEHOLDS``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "label"])
    if name == "wards.csv":
        area = Area.of(user)
        for ward in geography().wards:
            if area.covers_ward(ward.id):
                writer.writerow([ward.id, f"Ward {ward.number} ({ward.id})"])
    else:
        scope = row_scope(_works_in(user), "household")
        pool = request.app.state.read_pool
        for household_id, ward_id in await visit_choices(pool, scope, queries.MANIFEST_HOUSEHOLDS):
            writer.writerow([household_id, f"{ward_id} · {household_id[:8]}"])
    return out.getvalue().encode()


def _works_in(user: Principal) -> Principal:
    """The user with its ward scopes only, when it has any: the wards it works in (a field
    worker who is also a municipality's convener is offered its wards' households)."""
    if not any(scope.startswith("ward:") for scope in user.scopes):
        return user
    wider = ("municipality:", "district:", "province:")
    return replace(user, scopes=frozenset(s for s in user.scopes if not s.startswith(wider)))


def _accept_length(request: Request) -> dict[str, str]:
    limit: int = request.app.state.settings.max_request_body_bytes
    return {"X-OpenRosa-Accept-Content-Length": str(limit)}


async def submission_head(request: Request, user: FieldUser) -> Response:
    return Response(status_code=204, headers=_accept_length(request))


async def submission(request: Request, user: FieldUser) -> Response:
    async with request.form(max_files=MAX_FILES + 1) as body:
        instance = body.get("xml_submission_file")
        if not isinstance(instance, UploadFile):
            return openrosa_response(400, "xml_submission_file: the form instance is missing")
        xml = await instance.read()
        uploads = [
            Upload(value.filename or key, value.content_type or "", await value.read())
            for key, value in body.multi_items()
            if key != "xml_submission_file" and isinstance(value, UploadFile)
        ]
    state = request.app.state
    submitter = Submitter(
        state.sukuma,
        user,
        timedelta(days=state.settings.occurred_at_window_days),
        state.clock,
        request,
    )
    outcome: Outcome = await run_in_threadpool(submitter.submit, xml, uploads)
    return openrosa_response(outcome.status, outcome.message, _accept_length(request))


for prefix in ("/openrosa", "/key/{token}/openrosa"):
    router.add_api_route(f"{prefix}/formList", form_list, methods=["GET"])
    router.add_api_route(f"{prefix}/forms/{{form_id}}.xml", form_download, methods=["GET"])
    router.add_api_route(f"{prefix}/forms/{{form_id}}/manifest", manifest, methods=["GET"])
    router.add_api_route(f"{prefix}/forms/{{form_id}}/media/{{name}}", media_file, methods=["GET"])
    router.add_api_route(f"{prefix}/submission", submission_head, methods=["HEAD"])
    router.add_api_route(f"{prefix}/submission", submission, methods=["POST"], status_code=201)
