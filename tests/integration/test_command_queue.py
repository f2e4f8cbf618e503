"""A burst of commands larger than the event store's pool waits its turn in the API rather
than at the pool, whose bounded tries answer 503 (200 phones at once, a loaded machine)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from api.main import create_app
from domain.access.principal import Role
from sukuma.settings import Settings
from sukuma.wiring import build_application
from tests.integration.conftest import BASE_URL, BROAD_SCOPES, SignedIn, add_user
from tests.integration.helpers import household

pytestmark = pytest.mark.integration


async def test_a_burst_of_commands_far_larger_than_the_pool_queues_and_all_succeed(
    settings: Settings, ward_id: str
) -> None:
    # Given one event-store connection, given up on after 10 tries of 20 ms
    one = settings.model_copy(
        update={"write_pool_size": 1, "write_pool_max_overflow": 0, "write_pool_timeout": 0.02}
    )
    assert one.database_url is not None
    application = build_application(one, one.database_url)
    try:
        add_user(application, "tester", tuple(Role), BROAD_SCOPES)
        api = create_app(one, application)
        async with api.router.lifespan_context(api):
            transport = httpx.ASGITransport(app=api)
            auth = SignedIn(api, application, "tester")
            async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, auth=auth) as http:
                ids = [await household(http, ward_id) for _ in range(4)]
                # When 60 visits to four households come at once
                sent = await asyncio.gather(
                    *[
                        http.post(
                            f"/v1/households/{ids[n % 4]}/visits", json={"outcome": "met_household"}
                        )
                        for n in range(60)
                    ]
                )
                visits = [
                    len((await http.get(f"/v1/households/{i}")).json()["visits"]) for i in ids
                ]
    finally:
        application.close()

    # Then each is recorded once; none answered 503 for want of a connection
    assert [r.status_code for r in sent] == [201] * 60, {r.status_code for r in sent}
    assert visits == [15] * 4
