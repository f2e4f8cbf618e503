"""EW-12 end to end: a target behind its trajectory at the end of two months running raises
an alert (level 3 when the rating its gap suggests is red), and catching up resolves it."""

from __future__ import annotations

import httpx
import pytest

from domain.sukuma import Sukuma
from tests.integration.alerting import Alerting, alerting
from tests.integration.conftest import Clock
from tests.integration.delivery import month_end, months_back, profiled_on, profiling_target


@pytest.fixture
def ew(client: httpx.AsyncClient, application: Sukuma, clock: Clock) -> Alerting:
    return alerting(application, clock)


async def test_ew12_raises_for_two_months_off_trajectory_and_resolves_on_catching_up(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    today = ew.clock.now.date()
    two_back, one_back = months_back(today, 2), months_back(today, 1)
    _, target_id = await profiling_target(client, ward_id, today)
    # 1 profiled two months back (2 planned), none last month (1 against 4: red).
    await profiled_on(client, ward_id, two_back.replace(day=12))

    raised = ew.sweep("EW-12")
    alert = ew.alert("EW-12", target_id)
    for day in (5, 6):  # 3 against 4: still more than 10% behind, amber-red
        await profiled_on(client, ward_id, one_back.replace(day=day))
    still = ew.sweep("EW-12")
    await profiled_on(client, ward_id, one_back.replace(day=7))  # 4 against 4: on track
    resolved = ew.sweep("EW-12")

    assert raised.raised["EW-12"] == 1
    assert alert is not None
    assert (alert["status"], alert["level"], alert["municipality"]) == ("open", 3, "KZN225")
    assert alert["evidence"]["suggested_rating"] == 1
    assert [m["actual"] for m in alert["evidence"]["months"]] == [1, 1]
    assert still.total() == {"raised": 0, "escalated": 0, "resolved": 0, "failed": 0}
    assert resolved.resolved["EW-12"] == 1
    closed = ew.alert("EW-12", target_id)
    assert closed is not None
    assert (closed["status"], closed["resolved_automatically"]) == ("resolved", True)


def into_next_month(clock: Clock) -> None:
    """Move the clock to the second day of next month."""
    today = clock.now.date()
    clock.advance(days=(month_end(today) - today).days + 2)


async def test_ew12_counts_only_months_that_are_over_and_starts_amber_at_level_2(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    today = ew.clock.now.date()
    _, target_id = await profiling_target(client, ward_id, today)
    for back, day in ((2, 3), (2, 4), (1, 3), (1, 4)):  # 2 and 4: on the trajectory
        await profiled_on(client, ward_id, months_back(today, back).replace(day=day))

    this_month_behind = ew.sweep("EW-12")  # 4 against 6 so far: the month is not over
    into_next_month(ew.clock)
    one_month_behind = ew.sweep("EW-12")  # 4 against 6 at its end: one month is no trend
    await profiled_on(client, ward_id, today.replace(day=1))  # 5 against 6
    into_next_month(ew.clock)
    for day in (1, 2):  # 7 against 8: 12.5% behind, amber-red
        await profiled_on(client, ward_id, months_back(today, -1).replace(day=day))
    two_months_behind = ew.sweep("EW-12")
    alert = ew.alert("EW-12", target_id)

    assert this_month_behind.raised["EW-12"] == 0
    assert one_month_behind.raised["EW-12"] == 0
    assert two_months_behind.raised["EW-12"] == 1
    assert alert is not None
    assert (alert["level"], alert["evidence"]["suggested_rating"]) == (2, 2)
    assert [m["actual"] for m in alert["evidence"]["months"]] == [5, 7]
