"""The inbound SMS/USSD gateway's webhook: its signature, its freshness, never twice.

The gateway signs ``<timestamp>.<message id>.<body>`` with the shared secret
(``SUKUMA_SMS_WEBHOOK_SECRET``) and sends ``X-Sukuma-Timestamp`` (Unix seconds),
``X-Sukuma-Message-Id`` and ``X-Sukuma-Signature: sha256=<hex HMAC-SHA256>``, the form alert
webhooks are signed in. A message older or newer than five minutes, or an id seen before,
is refused: a captured request cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta
from typing import Any

from fastapi import HTTPException

SKEW = timedelta(minutes=5)
SEEN = "feedback_inbound_messages"
YES, NO = {"Y", "YES", "YEBO"}, {"N", "NO", "CHA"}
# "<code> <yes|no> [rating 1-5] [comment]"; the code may be typed with spaces or dashes
_TEXT = re.compile(
    r"^\s*(?P<code>[0-9A-Za-z][0-9A-Za-z -]{11,18}?)\s+(?P<said>[A-Za-z]+)"
    r"(?:\s+(?P<rating>[1-5]))?(?:\s+(?P<comment>.+))?\s*$",
    re.DOTALL,
)


def signature(secret: str, timestamp: str, message_id: str, body: bytes) -> str:
    signed = f"{timestamp}.{message_id}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(secret: str, headers: Any, body: bytes, now: datetime) -> tuple[str, datetime]:
    """The message's id and time if its signature and time are right (else 401)."""
    timestamp = headers.get("x-sukuma-timestamp", "")
    message_id = headers.get("x-sukuma-message-id", "")
    given = headers.get("x-sukuma-signature", "")
    if not (timestamp.isdigit() and 0 < len(message_id) <= 128):
        raise HTTPException(401, "missing or malformed signature headers")
    expected = signature(secret, timestamp, message_id, body)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(401, "bad signature")
    sent = datetime.fromtimestamp(min(int(timestamp), 2**40), now.tzinfo)
    if abs(now - sent) > SKEW:
        raise HTTPException(401, "the message is too old or too new")
    return message_id, sent


async def first_time(db: Any, message_id: str, now: datetime) -> bool:
    """Record the message id; ``False`` when it was seen before (a replay)."""
    await db.execute(f"DELETE FROM {SEEN} WHERE received_at < $1", now - 2 * SKEW)
    inserted = await db.fetchval(
        f"INSERT INTO {SEEN} (message_id, received_at) VALUES ($1, $2) "
        "ON CONFLICT (message_id) DO NOTHING RETURNING true",
        message_id,
        now,
    )
    return bool(inserted)


def parse_text(text: str) -> tuple[str, bool, int | None, str | None] | None:
    """An SMS's code, received or not, rating and comment; ``None`` if it is not one."""
    match = _TEXT.match(text)
    if match is None or match["said"].upper() not in YES | NO:
        return None
    rating = int(match["rating"]) if match["rating"] else None
    return match["code"], match["said"].upper() in YES, rating, match["comment"]
