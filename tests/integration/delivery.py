"""Building a task team's priority and target, and the months it is measured over, in tests."""

from __future__ import annotations

from calendar import monthrange
from datetime import UTC, date, datetime, time
from typing import Any

import httpx

from domain.delivery.trajectory import add_months, month_of
from tests.factories import make_profile
from tests.integration.helpers import post_ok


def month_end(month: date) -> date:
    return month.replace(day=monthrange(month.year, month.month)[1])


def months_back(today: date, n: int) -> date:
    return add_months(month_of(today), -n)


async def profiled_on(http: httpx.AsyncClient, ward_id: str, day: date) -> str:
    """A household registered and profiled on ``day`` (M1 counts it that day): at 10:00 UTC,
    or at its start when that is still to come today (the API refuses a time in the future)."""
    at_ten = datetime.combine(day, time(10), UTC)
    moment = at_ten if at_ten <= datetime.now(UTC) else datetime.combine(day, time(0), UTC)
    at = moment.isoformat()
    body = {"ward_id": ward_id, "dwelling_type": "informal", "occurred_at": at}
    household_id = str((await post_ok(http, "/v1/households", body))["id"])
    await post_ok(
        http,
        f"/v1/households/{household_id}/profile",
        {"profile": make_profile(), "occurred_at": at},
    )
    return household_id


async def profiling_target(
    http: httpx.AsyncClient, ward_id: str, today: date, **extra: Any
) -> tuple[str, str]:
    """An LTT KZN225 priority with an M1 target for the ward: 0 at the end of the month three
    months back, 10 at the end of the month after next (2, 4, 6, 8, 10 a month)."""
    priority = await post_ok(
        http,
        "/v1/priorities",
        {"title": "Every household profiled", "team": "LTT", "team_code": "KZN225"},
    )
    target = await post_ok(
        http,
        f"/v1/priorities/{priority['id']}/targets",
        {
            "indicator": "M1",
            "level": "ward",
            "code": ward_id,
            "baseline_value": 0,
            "baseline_on": month_end(months_back(today, 3)).isoformat(),
            "target_value": 10,
            "due_on": month_end(months_back(today, -2)).isoformat(),
            **extra,
        },
    )
    return str(priority["id"]), str(target["id"])
