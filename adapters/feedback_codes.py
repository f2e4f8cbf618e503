"""Feedback codes (issue 21): 13 characters of Crockford's base32 (65 bits), as
XXXX-XXXX-XXXXX.

A code is derived from the referral's id with ``SUKUMA_SECRET_KEY`` (HMAC-SHA256), as device
tokens are, so a slip can be printed again and an SMS repeat the same code; without the key
it is 65 unpredictable bits. The alphabet has no I, L, O or U (nothing to misread or to spell a
word), and typing is forgiving: case, spaces and dashes are ignored, O reads as 0 and I or L
as 1. Only its SHA-256 is stored (``feedback_codes``), with its expiry and when it was used.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any
from uuid import UUID

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 13  # 13 x 5 = 65 bits
_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})
TABLE = "feedback_codes"


def derive(secret: str, referral_id: UUID) -> str:
    digest = hmac.new(secret.encode(), b"feedback-code:" + referral_id.bytes, "sha256").digest()
    number = int.from_bytes(digest[:9], "big") >> (72 - 5 * LENGTH)
    return "".join(ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(LENGTH)))


def pretty(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def normalize(text: str) -> str | None:
    """The code typed, or ``None`` if it cannot be one (refused without a database look-up)."""
    code = "".join(text.split()).replace("-", "").upper().translate(_TYPOS)
    return code if len(code) == LENGTH and all(c in ALPHABET for c in code) else None


def digest(code: str) -> bytes:
    return hashlib.sha256(code.encode()).digest()


def issue(datastore: Any, code: str, referral_id: UUID, expires_at: datetime) -> datetime:
    """Record the referral's code (once; a reprint keeps the first expiry): its expiry.
    Over the event store's (psycopg) connections: the slip's routes and pages are sync."""
    with datastore.transaction(commit=True) as curs:
        curs.execute(
            f"INSERT INTO {TABLE} (code_hash, referral_id, expires_at) VALUES (%s, %s, %s) "
            "ON CONFLICT (referral_id) DO NOTHING",
            (digest(code), referral_id, expires_at),
        )
        curs.execute(f"SELECT expires_at FROM {TABLE} WHERE referral_id = %s", (referral_id,))
        row = curs.fetchone()
    stored: datetime = row["expires_at"]
    return stored
