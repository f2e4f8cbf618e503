"""Failed sign-ins, counted per user name and per client address in PostgreSQL.

A sliding window (``SUKUMA_LOGIN_WINDOW_SECONDS``): once a key has had its limit of failures
within the window, sign-in for it answers 429 until enough of them age out, so an attacker is
slowed and the real user is never locked out for longer than the window. The table is shared,
so every API replica counts the same failures.

An attempt is counted *before* its password is checked (``begin``: under a per-key advisory
lock, check the window and record the attempt in one transaction), so parallel guesses cannot
all pass the check while argon2 runs; a successful attempt is then taken back (``succeeded``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil
from typing import Any
from uuid import UUID, uuid4

# Both tables come from adapters.migrations (each row of the first names its attempt).
TABLE = "auth_login_failures"
USED_REFRESH_TABLE = "auth_refresh_tokens_used"


@dataclass(frozen=True)
class Limit:
    key: str
    max_failures: int


class LoginThrottle:
    def __init__(self, window: timedelta, per_user: int, per_address: int) -> None:
        self.window = window
        self.per_user = per_user
        self.per_address = per_address

    def limits(self, username: str, address: str) -> list[Limit]:
        return [
            Limit(f"user:{username.strip().lower()}", self.per_user),
            Limit(f"address:{address}", self.per_address),
        ]

    async def retry_after(self, db: Any, limits: list[Limit], now: datetime) -> int | None:
        """Seconds until sign-in may be tried again, or ``None`` when it may be tried now."""
        waits = []
        for limit in limits:
            # The limit-th most recent failure in the window: once it ages out, the key is free.
            pivot = await db.fetchval(
                f"SELECT failed_at FROM {TABLE} WHERE key = $1 AND failed_at > $2 "
                "ORDER BY failed_at DESC OFFSET $3 LIMIT 1",
                limit.key,
                now - self.window,
                limit.max_failures - 1,
            )
            if pivot is not None:
                waits.append(max(1, ceil((pivot + self.window - now).total_seconds())))
        return max(waits) if waits else None

    async def begin(
        self, pool: Any, limits: list[Limit], now: datetime
    ) -> tuple[int | None, UUID | None]:
        """Count this attempt as a failure until it succeeds: ``(retry_after, None)`` when a
        limit is reached (nothing recorded), else ``(None, attempt)``.

        Per key, an advisory transaction lock serialises the check and the insert, so of N
        parallel attempts at most the limit get to check a password.
        """
        attempt = uuid4()
        async with pool.acquire() as conn, conn.transaction():
            for key in sorted(limit.key for limit in limits):  # one order: no deadlock
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", key)
            wait = await self.retry_after(conn, limits, now)
            if wait is not None:
                return wait, None
            await conn.executemany(
                f"INSERT INTO {TABLE} (key, failed_at, attempt) VALUES ($1, $2, $3)",
                [(limit.key, now, attempt) for limit in limits],
            )
            await conn.execute(f"DELETE FROM {TABLE} WHERE failed_at <= $1", now - self.window)
        return None, attempt

    async def succeeded(self, db: Any, limits: list[Limit], attempt: UUID) -> None:
        """The user proved who they are: their own failures no longer count, and this attempt
        not for the address either (the address's other failures still do)."""
        await db.execute(
            f"DELETE FROM {TABLE} WHERE key = $1 OR attempt = $2", limits[0].key, attempt
        )


async def use_refresh_token(db: Any, jti: str, expires_at: datetime, now: datetime) -> bool:
    """Mark a refresh token used; False when it was used before (a replayed, stolen token)."""
    await db.execute(f"DELETE FROM {USED_REFRESH_TABLE} WHERE expires_at < $1", now)
    inserted = await db.fetchval(
        f"INSERT INTO {USED_REFRESH_TABLE} (jti, expires_at) VALUES ($1, $2) "
        "ON CONFLICT (jti) DO NOTHING RETURNING true",
        jti,
        expires_at,
    )
    return bool(inserted)
