"""Who a field app is: HTTP Basic (the same users, and the same failed-sign-in throttle as the
token endpoint), or a device's app token in the URL (``/key/{token}/openrosa/...``).

Collect sends its credentials with every request, so a verified credential is remembered
(keyed by an HMAC under a key this process made up, never the password): argon2 then runs
once per phone every ``BASIC_SECONDS``, not per submission, and a phone's parallel first
requests wait for one check rather than each counting as a sign-in attempt. The user's state
is checked on every request as for a bearer token (deactivation, a new password or a revoked
role ends it at once here, within ``SUKUMA_USER_STATE_CACHE_SECONDS`` on other replicas); a
device token is looked up again after that period too, so a revocation made elsewhere stops it
within it (at once where it was made).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import os
import threading
import time
from dataclasses import dataclass

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from api.auth.service import Auth, NotAuthenticated
from domain.access.principal import Principal
from domain.sukuma import Sukuma
from domain.users.model import User

REALM = 'Basic realm="Sukuma", charset="UTF-8"'
#: How long a verified password is remembered (its user's state is checked on every request).
BASIC_SECONDS = 900.0


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


@dataclass(frozen=True)
class Verified:
    principal: Principal
    user_id: str
    generation: int
    until: float


class VerifiedCredentials:
    """Credentials verified lately, by an HMAC of them (bounded, process-local)."""

    def __init__(self, token_seconds: float, size: int = 20_000) -> None:
        self.token_seconds = token_seconds
        self.size = size
        self._key = os.urandom(32)
        self._entries: dict[bytes, Verified] = {}
        self._lock = threading.Lock()
        self._checking: dict[bytes, asyncio.Lock] = {}

    def checking(self, digest: bytes) -> asyncio.Lock:
        """One check at a time per credential (the event loop's: no thread takes it)."""
        if len(self._checking) >= self.size:
            self._checking = {k: v for k, v in self._checking.items() if v.locked()}
        return self._checking.setdefault(digest, asyncio.Lock())

    def digest(self, *parts: str) -> bytes:
        return hmac.new(self._key, "\x00".join(parts).encode(), hashlib.sha256).digest()

    def get(self, digest: bytes) -> Verified | None:
        entry = self._entries.get(digest)
        if entry is None or time.monotonic() > entry.until:
            return None
        return entry

    def __len__(self) -> int:
        return len(self._entries)

    def forget_token(self, token: str) -> None:
        """A device revoked here stops at once in this process (elsewhere within the period)."""
        with self._lock:
            self._entries.pop(self.digest("token", token), None)

    def put(self, digest: bytes, user: User, seconds: float) -> Principal:
        with self._lock:
            if len(self._entries) >= self.size:
                self._entries.clear()  # rare: a fresh start costs one argon2 per phone
            self._entries[digest] = Verified(
                user.principal, str(user.id), user.generation, time.monotonic() + seconds
            )
        return user.principal


async def _still_valid(auth: Auth, entry: Verified) -> bool:
    hit, state = auth.states.cached(entry.user_id)
    if not hit:
        state = await run_in_threadpool(auth.states.load, entry.user_id)
    return state is not None and state.active and state.generation == entry.generation


async def field_principal(request: Request) -> Principal:
    """The acting user of an OpenRosa request (its token path parameter, else Basic)."""
    auth: Auth = request.app.state.auth
    verified: VerifiedCredentials = request.app.state.openrosa_credentials
    token = request.path_params.get("token")
    header = request.headers.get("authorization") if token is None else None
    digest = (
        verified.digest("token", str(token)) if token else verified.digest("basic", header or "")
    )
    entry = verified.get(digest)
    if entry is not None and await _still_valid(auth, entry):
        return entry.principal
    async with verified.checking(digest):
        entry = verified.get(digest)  # checked meanwhile by a request that came first
        if entry is not None and await _still_valid(auth, entry):
            return entry.principal
        if token is not None:
            user = await _by_token(auth, str(token))
            return verified.put(digest, user, verified.token_seconds)
        return verified.put(digest, await _by_password(request, auth, header), BASIC_SECONDS)


async def _by_password(request: Request, auth: Auth, header: str | None) -> User:
    """The user of Basic credentials, under the same throttle as the token endpoint."""
    username, password = _basic(header)
    address = request.client.host if request.client else "unknown"
    try:
        return await auth.password_sign_in(
            request.app.state.read_pool, username, password, address, request.app.state.clock()
        )
    except NotAuthenticated:
        raise Unauthorized("incorrect username or password") from None


async def _by_token(auth: Auth, token: str) -> User:
    application: Sukuma = auth.application
    device = await run_in_threadpool(application.device_for_token, token)
    if device is None:
        raise TokenRefused("this app token is unknown or revoked: ask for a new QR code")
    user = await run_in_threadpool(auth.current_user, device.user_id)
    if user is None or not user.active:
        raise TokenRefused("the user of this device is deactivated")
    return user
