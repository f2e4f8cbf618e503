"""Looking feedback codes up and using them (asyncpg, the public routes' read pool); what a
code is and how it is issued: ``adapters.feedback_codes``."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from adapters.feedback_codes import TABLE, digest


async def find(db: Any, code: str, now: datetime) -> UUID | None:
    """The referral a live code (issued, not expired, not used) is for."""
    found: UUID | None = await db.fetchval(
        f"SELECT referral_id FROM {TABLE} WHERE code_hash = $1 AND expires_at > $2 "
        "AND used_at IS NULL",
        digest(code),
        now,
    )
    return found


async def mark_used(db: Any, referral_id: UUID, now: datetime) -> None:
    await db.execute(f"UPDATE {TABLE} SET used_at = $2 WHERE referral_id = $1", referral_id, now)
