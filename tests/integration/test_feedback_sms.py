"""Feedback codes by SMS against a real PostgreSQL and a real HTTP receiver: sent once to the
household head's phone where consent allows, signed; skipped without consent; a gateway that
never answers costs the job its timeouts, never a request, and is recorded as failed."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from domain.sukuma import Sukuma
from scheduler.feedback_sms import FeedbackSms, Gateway
from scheduler.notify import sign
from sukuma.settings import Settings
from tests.integration.conftest import Clock
from tests.integration.helpers import post_ok, table_rows
from tests.integration.test_alert_notifications import Hanging, Hooks, hanging, hooks  # noqa: F401
from tests.integration.test_feedback import code_for, delivered_referral
from tests.integration.test_views_api import project

SECRET = "sms-gateway-secret"


def job(
    application: Sukuma, settings: Settings, clock: Clock, url: str, timeout: float = 2.0
) -> FeedbackSms:
    gateway = Gateway(url=url, secret=SECRET, attempts=2, backoff_seconds=0.0,
                      timeout_seconds=timeout)  # fmt: skip
    return FeedbackSms(application, gateway, code_secret=settings.secret_key.get_secret_value(),
                       code_days=60, clock=clock, sleep=lambda _: None)  # fmt: skip


def outcomes(application: Sukuma) -> dict[str, tuple[Any, ...]]:
    rows = table_rows(application.factory.datastore, "feedback_sms")  # type: ignore[attr-defined]
    return {str(r[0]): (r[2], r[3]) for r in rows}


async def test_the_code_goes_once_to_the_heads_phone_where_consent_allows_signed(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, application: Sukuma,
    settings: Settings, clock: Clock, hooks: Hooks,  # noqa: F811
) -> None:  # fmt: skip
    consenting = await delivered_referral(client)
    withdrawn = await delivered_referral(client)
    household_id = (await client.get(f"/v1/referrals/{withdrawn}")).json()["household_id"]
    await post_ok(client, f"/v1/households/{household_id}/consent/withdraw", {})
    project(application)
    sender = job(application, settings, clock, hooks.url)

    assert sender.run_once() == 2
    assert sender.run_once() == 0  # never twice

    [(headers, body)] = hooks.received
    assert headers["X-Sukuma-Signature"] == sign(SECRET, body)
    sent = json.loads(body)
    code = await code_for(client, consenting)
    assert sent["to"] == "+27 82 555 0101" and code in sent["message"]
    # The receiver fails its first call: sent on the second try; no consent: never tried.
    assert outcomes(application) == {consenting: (2, True), withdrawn: (0, False)}
    # The code in the SMS is the one the household answers with.
    answer = await anonymous.post("/open/v1/feedback", json={"code": code, "received": True})
    assert answer.status_code == 200, answer.text


async def test_a_gateway_that_never_answers_is_recorded_as_failed_within_its_timeouts(
    client: httpx.AsyncClient, application: Sukuma, settings: Settings, clock: Clock,
    hanging: Hanging,  # noqa: F811
) -> None:  # fmt: skip
    referral_id = await delivered_referral(client)
    project(application)
    sender = job(application, settings, clock, hanging.url, timeout=0.5)

    started = time.monotonic()
    assert sender.run_once() == 1
    assert time.monotonic() - started < 5  # two tries of 0.5 s, not a hang

    assert outcomes(application) == {referral_id: (2, False)}
