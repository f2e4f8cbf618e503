"""The feedback code by SMS: each newly delivered referral's household, where a phone is on
record and consent allows, gets its code through the SMS gateway (a signed webhook).

Runs in the scheduler, never in a request: each call has a timeout and is retried with
backoff (``SUKUMA_NOTIFY_*``), and every referral's outcome is recorded once in
``feedback_sms`` (sent, failed, or skipped without a phone or consent), so none is sent twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from psycopg.sql import SQL, Identifier

from adapters import feedback_codes
from domain.households.model import Household
from domain.referrals.model import Referral
from domain.sukuma import Sukuma
from projections.nerve_centre.tables import REFERRALS
from scheduler.notify import sign, with_retries

log = logging.getLogger(__name__)
TABLE = "feedback_sms"
BATCH = 100
MESSAGE = (
    "Sukuma: did you receive the service from {department}? Reply {code} YES or NO and 1-5. "
    "/ Ingabe lusifikile usizo lwe-{department}? Phendula {code} YEBO noma CHA no-1 kuya ku-5."
)


@dataclass(frozen=True)
class Gateway:
    url: str
    secret: str
    attempts: int
    backoff_seconds: float
    timeout_seconds: float


class FeedbackSms:
    def __init__(
        self,
        application: Sukuma,
        gateway: Gateway,
        *,
        code_secret: str,
        code_days: int,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.application, self.gateway, self.code_secret = application, gateway, code_secret
        self.lifetime, self.clock, self.sleep = timedelta(days=code_days), clock, sleep
        self.datastore = application.factory.datastore  # type: ignore[attr-defined]
        schema = Identifier(self.datastore.schema)
        self.due = SQL(
            "SELECT r.referral_id, r.delivered_at FROM {0}.{1} r WHERE r.delivered_at > %s "
            "AND r.status IN ('service_delivered', 'verified') AND NOT EXISTS "
            "(SELECT 1 FROM {0}.{2} s WHERE s.referral_id = r.referral_id) "
            "ORDER BY r.delivered_at LIMIT %s"
        ).format(schema, Identifier(REFERRALS), Identifier(TABLE))
        self.record = SQL(
            "INSERT INTO {0}.{1} (referral_id, tried_at, attempts, ok, detail) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (referral_id) DO NOTHING"
        ).format(schema, Identifier(TABLE))

    async def __call__(self) -> None:
        try:
            await asyncio.to_thread(self.run_once)
        except Exception:  # logged; the next run tries again
            log.exception("feedback SMS run failed")

    def run_once(self) -> int:
        """Send (or skip) the codes of referrals delivered since the codes' lifetime; how many
        were tried."""
        now = self.clock()
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.due, (now - self.lifetime, BATCH))
            due = [(r["referral_id"], r["delivered_at"]) for r in curs.fetchall()]
        for referral_id, delivered_at in due:
            attempts, ok, detail = self._send(referral_id, delivered_at)
            with self.datastore.transaction(commit=True) as curs:
                curs.execute(self.record, (referral_id, self.clock(), attempts, ok, detail))
        return len(due)

    def _send(self, referral_id: UUID, delivered_at: datetime) -> tuple[int, bool, str]:
        referral = self.application.get(Referral, referral_id)
        household = self.application.get(Household, UUID(referral.household_id))
        phone = head_phone(household)
        if household.consent != "given" or phone is None:
            return 0, False, "skipped: no phone on record, or no consent"
        code = feedback_codes.derive(self.code_secret, referral_id)
        feedback_codes.issue(self.datastore, code, referral_id, delivered_at + self.lifetime)
        text = MESSAGE.format(department=referral.department, code=feedback_codes.pretty(code))
        body = json.dumps({"to": phone, "message": text}, sort_keys=True).encode()
        gateway = self.gateway
        return with_retries(
            lambda: self._post(body), gateway.attempts, gateway.backoff_seconds, self.sleep
        )

    def _post(self, body: bytes) -> str:
        headers = {
            "Content-Type": "application/json",
            "X-Sukuma-Event": "feedback.code",
            "X-Sukuma-Signature": sign(self.gateway.secret, body),
        }
        request = urllib.request.Request(self.gateway.url, data=body, headers=headers)
        with urllib.request.urlopen(request, timeout=self.gateway.timeout_seconds) as answer:
            return f"HTTP {answer.status}"


def head_phone(household: Household) -> str | None:
    """The household head's phone, if the profile has one (and it is not erased)."""
    if household.personal_data_erased:
        return None
    profile: dict[str, Any] = household.profile or {}
    for member in profile.get("members") or []:
        if member.get("relation") == "head" and member.get("phone"):
            return str(member["phone"])
    return None
