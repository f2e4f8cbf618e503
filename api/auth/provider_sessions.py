"""Refresh tokens of page sessions signed in through the identity provider, kept on the
server: sealed with AES-GCM under a key derived from ``SUKUMA_SECRET_KEY`` (the session's id
bound in as associated data, so a row copied to another session does not open), in the
``web_provider_sessions`` table (``adapters/migrations``). The browser's cookie holds only the
session's random id. A row goes on sign-out, on a failed refresh, and once past its
session's lifetime."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TABLE: Final = "web_provider_sessions"
NONCE_BYTES: Final = 12


@dataclass(frozen=True)
class Kept:
    refresh_token: str
    #: When the ID token last obtained with it expires.
    token_until: datetime


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


class ProviderSessions:
    def __init__(self, secret_key: str) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=b"sukuma web provider refresh tokens",
        ).derive(secret_key.encode())
        self._aead = AESGCM(key)

    def _seal(self, session_id: str, token: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, token.encode(), session_id.encode())

    def _open(self, session_id: str, sealed: bytes) -> str | None:
        try:
            plain = self._aead.decrypt(
                sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], session_id.encode()
            )
        except InvalidTag:
            return None  # sealed under another secret key: as if none were kept
        return plain.decode()

    async def keep(
        self,
        db: Any,
        session_id: str,
        user_id: str,
        refresh_token: str,
        token_until: datetime,
        expires_at: datetime,
    ) -> None:
        """Keep (or replace: providers rotate them) the session's refresh token."""
        await db.execute(
            f"INSERT INTO {TABLE} (session_id, user_id, sealed_refresh_token, token_until, "
            "expires_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (session_id) DO UPDATE SET "
            "sealed_refresh_token = EXCLUDED.sealed_refresh_token, "
            "token_until = EXCLUDED.token_until",
            session_id,
            user_id,
            self._seal(session_id, refresh_token),
            token_until,
            expires_at,
        )

    async def find(self, db: Any, session_id: str, user_id: str, now: datetime) -> Kept | None:
        """The session's refresh token, if kept for this user and the session is not over."""
        row = await db.fetchrow(
            f"SELECT sealed_refresh_token, token_until FROM {TABLE} "
            "WHERE session_id = $1 AND user_id = $2 AND expires_at > $3",
            session_id,
            user_id,
            now,
        )
        if row is None:
            return None
        token = self._open(session_id, bytes(row["sealed_refresh_token"]))
        return None if token is None else Kept(token, row["token_until"])

    async def drop(self, db: Any, session_id: str, now: datetime) -> None:
        """Forget the session's token, and every token whose session is over."""
        await db.execute(
            f"DELETE FROM {TABLE} WHERE session_id = $1 OR expires_at <= $2", session_id, now
        )
