"""Early warnings read the caseloads (issue 20): EW-06 names the household's field worker, and
EW-07 counts a field worker's caseload, a household given to it restarting its silence clock."""

from __future__ import annotations

import httpx
import pytest

from domain.sukuma import Sukuma
from tests.factories import make_profile
from tests.integration.alerting import Alerting, alerting
from tests.integration.conftest import Clock
from tests.integration.helpers import household, post_ok


@pytest.fixture
def ew(client: httpx.AsyncClient, application: Sukuma, clock: Clock) -> Alerting:
    return alerting(application, clock)


async def field_worker(client: httpx.AsyncClient, ward_id: str) -> str:
    worker = await post_ok(client, "/v1/field-workers", {"name": "T. Zulu", "cadre": "ccg"})
    await post_ok(client, f"/v1/field-workers/{worker['id']}/assign", {"ward_id": ward_id})
    return str(worker["id"])


async def test_ew06_names_the_field_worker_whose_caseload_the_household_is_in(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    first, second = await field_worker(client, ward_id), await field_worker(client, ward_id)
    household_id = await household(client, ward_id)
    profile = make_profile(social_ills={"child_abuse_concern": True})  # risk floor: high
    # The first submits the profile; the convener gives the household to the second.
    body = {"profile": profile, "field_worker_id": first}
    await post_ok(client, f"/v1/households/{household_id}/profile", body)
    await post_ok(client, f"/v1/households/{household_id}/assign", {"field_worker_id": second})

    ew.sweep()

    alert = ew.alert("EW-06", household_id)
    assert alert is not None and alert["status"] == "open"
    assert alert["evidence"]["field_worker_id"] == second


async def test_ew07_counts_the_caseload_and_a_new_household_restarts_its_clock(
    client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    worker = await field_worker(client, ward_id)
    household_id = await household(client, ward_id)
    ew.clock.advance(days=10)
    await post_ok(client, f"/v1/households/{household_id}/assign", {"field_worker_id": worker})
    ew.clock.advance(days=5)  # 15 days since the ward, 5 since the household

    ew.sweep()
    assert ew.alert("EW-07", worker) is None
    ew.clock.advance(days=10)
    ew.sweep()

    alert = ew.alert("EW-07", worker)
    assert alert is not None and alert["status"] == "open"
    assert alert["evidence"]["caseload"] == 1
