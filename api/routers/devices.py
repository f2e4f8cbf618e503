"""Devices (an administrator's): app tokens for ODK Collect, each acting as one user."""

from __future__ import annotations

from uuid import UUID, uuid4

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from api.deps import Command, CurrentUser, SukumaApp
from api.openrosa.auth import VerifiedCredentials
from api.openrosa.devices import collect_settings, device_token, qr_png, server_url
from api.schemas.common import CREATED, WRITTEN
from api.schemas.devices import CollectSettingsRead, DeviceRead, IssueDevice, RevokeDevice
from domain.devices.model import Device

router = APIRouter(prefix="/devices", tags=["devices"])
#: The project name Collect shows for the server.
PROJECT = "Sukuma"


def _secret(request: Request) -> str:
    secret: str = request.app.state.settings.secret_key.get_secret_value()
    return secret


@router.post("", status_code=201, responses=CREATED)
def issue_device(body: IssueDevice, cmd: Command, request: Request) -> JSONResponse:
    """Issue an app token to a user's phone; read its QR code at ``/qr.png`` (admin only)."""
    app = cmd.application
    device_id = body.id or uuid4()
    token = device_token(_secret(request), device_id)
    return cmd.run(
        device_id,
        body.occurred_at,
        lambda ctx: app.issue_device(
            device_id=device_id, token=token, user_id=body.user_id, label=body.label, ctx=ctx
        ),
        status_code=201,
        location=f"/v1/devices/{device_id}",
    )


@router.get("/{device_id}")
def get_device(device_id: UUID, app: SukumaApp, user: CurrentUser) -> DeviceRead:
    return DeviceRead.of(app.read(Device, device_id, user))


def _settings(request: Request, app: SukumaApp, user: CurrentUser, device_id: UUID) -> str:
    app.read(Device, device_id, user)  # 404 outside the caller's sight
    return server_url(str(request.base_url), device_token(_secret(request), device_id))


@router.get("/{device_id}/collect-settings")
def get_collect_settings(
    device_id: UUID, request: Request, app: SukumaApp, user: CurrentUser
) -> CollectSettingsRead:
    """The server URL (with the token) and the settings payload of Collect's QR code."""
    url = _settings(request, app, user, device_id)
    return CollectSettingsRead(server_url=url, settings=collect_settings(url, PROJECT))


@router.get(
    "/{device_id}/qr.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "Collect's settings QR"}},
)
def get_qr_code(device_id: UUID, request: Request, app: SukumaApp, user: CurrentUser) -> Response:
    """The QR code to scan in Collect (Configure with QR code): it sets the server URL."""
    url = _settings(request, app, user, device_id)
    return Response(qr_png(collect_settings(url, PROJECT)), media_type="image/png")


@router.post("/{device_id}/revoke", responses=WRITTEN)
def revoke_device(
    device_id: UUID, body: RevokeDevice, cmd: Command, request: Request
) -> JSONResponse:
    app = cmd.application
    answer = cmd.run(
        device_id, body.occurred_at, lambda ctx: app.revoke_device(device_id, body.reason, ctx)
    )
    verified: VerifiedCredentials = request.app.state.openrosa_credentials
    verified.forget_token(device_token(_secret(request), device_id))
    return answer
