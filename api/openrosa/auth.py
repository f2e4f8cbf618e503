"""Who a field app is: HTTP Basic (the same users, and the same failed-sign-in throttle as the
token endpoint), or a device's app token in the URL (``/key/{token}/openrosa/...``)."""

from __future__ import annotations

import base64
import binascii

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from api.auth.service import Auth, TooManyAttempts
from domain.access.principal import Principal
from domain.sukuma import Sukuma

REALM = 'Basic realm="Sukuma", charset="UTF-8"'


class Unauthorized(Exception):
    """No (valid) credentials: 401 with a Basic challenge, which Collect answers."""


class TokenRefused(Exception):
    """An app token that opens nothing (unknown or revoked): 403, nothing to retry."""


def _basic(header: str | None) -> tuple[str, str]:
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "basic" or not value:
        raise Unauthorized("sign in with your user name and password")
    try:
        username, sep, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("malformed Basic credentials") from None
    if not sep or not username:
        raise Unauthorized("malformed Basic credentials")
    return username, password


async def field_principal(request: Request) -> Principal:
    """The acting user of an OpenRosa request (its token path parameter, else Basic)."""
    auth: Auth = request.app.state.auth
    token = request.path_params.get("token")
    if token is not None:
        return await _by_token(auth, str(token))
    username, password = _basic(request.headers.get("authorization"))
    pool = request.app.state.read_pool
    address = request.client.host if request.client else "unknown"
    limits = auth.throttle.limits(username, address)
    wait, attempt = await auth.throttle.begin(pool, limits, request.app.state.clock())
    if attempt is None:
        raise TooManyAttempts(wait or 1)
    user = await run_in_threadpool(auth.signed_in, username, password)
    if user is None:
        raise Unauthorized("incorrect username or password")
    await auth.throttle.succeeded(pool, limits, attempt)
    return user.principal


async def _by_token(auth: Auth, token: str) -> Principal:
    application: Sukuma = auth.application
    device = await run_in_threadpool(application.device_for_token, token)
    if device is None:
        raise TokenRefused("this app token is unknown or revoked: ask for a new QR code")
    user = await run_in_threadpool(auth.current_user, device.user_id)
    if user is None or not user.active:
        raise TokenRefused("the user of this device is deactivated")
    return user.principal
