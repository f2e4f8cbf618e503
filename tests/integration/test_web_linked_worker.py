"""A signed-in user linked to its field-worker record, over HTTP through the ASGI app against a
real PostgreSQL: an administrator links (and unlinks) it through the API and the users' page,
under the access policy; the linked field worker lands on its own caseload, with its visits
due, and the households it registers or visits are its record's; without a link its
households are its wards' as before."""

from __future__ import annotations

from uuid import UUID

import httpx
from fastapi import FastAPI

from domain.access.principal import Role
from domain.households.model import Household
from domain.sukuma import Sukuma
from tests.factories import make_profile
from tests.integration.conftest import ClientAs, Clock
from tests.integration.helpers import household, post_ok
from tests.integration.test_caseloads_api import field_worker
from tests.integration.test_views_api import project
from tests.integration.test_web_caseloads import rows_of
from tests.integration.test_web_field import answers, register
from tests.integration.test_web_pages import browser, post_form, sign_in, user
from tests.integration.test_web_pages import web as web


async def test_an_administrator_links_a_field_worker_user_through_the_api(
    client: httpx.AsyncClient,
    client_as: ClientAs,
    application: Sukuma,
    ward_id: str,
    other_ward_id: str,
) -> None:
    worker = await field_worker(client, ward_id)
    user(application, "zanele", Role.FIELD_WORKER, f"ward:{ward_id}")
    user(application, "thandi", Role.CONVENER, f"ward:{ward_id}")
    url = "/v1/users/zanele/field-worker"
    # Only an administrator whose area holds the user's links it (users are not found by others)
    convener = await client_as(Role.CONVENER, f"ward:{ward_id}")
    assert (await convener.post(url, json={"field_worker_id": worker})).status_code == 404
    elsewhere = await client_as(Role.ADMIN, f"ward:{other_ward_id}")
    assert (await elsewhere.post(url, json={"field_worker_id": worker})).status_code == 403
    admin = await client_as(Role.ADMIN, f"ward:{ward_id}")
    linked = await admin.post(url, json={"field_worker_id": worker})
    assert linked.status_code == 200, linked.text
    assert (await admin.get("/v1/users/zanele")).json()["field_worker_id"] == worker
    # The same link again, a user without the field-worker role, a deactivated record: 409
    again = await admin.post(url, json={"field_worker_id": worker})
    assert (again.status_code, again.json()["rule"]) == (409, "link-unchanged")
    role = await admin.post("/v1/users/thandi/field-worker", json={"field_worker_id": worker})
    assert (role.status_code, role.json()["rule"]) == (409, "user-field-worker-role")
    gone = await field_worker(client, ward_id)
    await post_ok(client, f"/v1/field-workers/{gone}/deactivate", {"reason": "left"})
    dead = await admin.post(url, json={"field_worker_id": gone})
    assert (dead.status_code, dead.json()["rule"]) == (409, "field-worker-active")
    # An unknown record is not found; null unlinks
    unknown = {"field_worker_id": "00000000-0000-4000-8000-000000000001"}
    assert (await admin.post(url, json=unknown)).status_code == 404
    unlinked = await admin.post(url, json={"field_worker_id": None})
    assert unlinked.status_code == 200
    assert (await admin.get("/v1/users/zanele")).json()["field_worker_id"] is None


async def test_a_linked_field_worker_lands_on_its_own_caseload(
    web: FastAPI, client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str
) -> None:
    # Given a ward with two field-worker records, each with a household in its caseload
    mine, theirs = await field_worker(client, ward_id), await field_worker(client, ward_id)
    own, other = await household(client, ward_id), await household(client, ward_id)
    high = make_profile(social_ills={"child_abuse_concern": True})  # a visit every 14 days
    for household_id, worker in ((own, mine), (other, theirs)):
        await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": high})
        await post_ok(client, f"/v1/households/{household_id}/assign", {"field_worker_id": worker})
    project(application)
    user(application, "zanele", Role.FIELD_WORKER, f"ward:{ward_id}")
    user(application, "admin", Role.ADMIN, "province:KZN")
    async with browser(web) as http:
        # Not linked yet: its wards' households, as before
        await sign_in(http, "zanele")
        before = (await http.get("/my-households")).text
        assert f'href="/households/{own}"' in before and f'href="/households/{other}"' in before
        assert "My caseload" not in before
    async with browser(web) as http:
        # When the administrator links the user to its record on the user's page
        await sign_in(http, "admin")
        landing = await http.get("/")
        assert (landing.status_code, landing.headers["location"]) == (303, "/users")
        assert 'href="/users/zanele"' in (await http.get("/users")).text
        form = (await http.get("/users/zanele")).text
        assert f'<option value="{mine}"' in form and f'<option value="{theirs}"' in form
        done = await post_form(
            http, "/users/zanele/field-worker", "/users/zanele", field_worker_id=mine
        )
        assert (done.status_code, done.headers["location"]) == (303, "/users/zanele")
        shown = (await http.get("/users/zanele")).text
        assert "Field-worker record linked." in shown
        assert f'href="/field-workers/{mine}/caseload"' in shown
    clock.advance(days=15)  # both households' first visits are due
    async with browser(web) as http:
        # Then the field worker lands on its own caseload and its visits due, not the other's
        await sign_in(http, "zanele")
        landing = await http.get("/")
        assert landing.headers["location"] == "/my-households"
        page = (await http.get("/my-households")).text
        assert "My caseload" in page
        assert f'href="/households/{own}"' in rows_of(page, "list")
        assert f'href="/households/{own}"' in rows_of(page, "due").split('id="list"')[0]
        assert other not in page
        assert "1 household is due a visit" in page
        # And a household it registers joins its record's caseload
        registered = await register(http, answers(ward_id))
        assert registered.status_code == 303, registered.text[:500]
        new = registered.headers["location"].removeprefix("/households/")
        project(application)
        assert f'href="/households/{new}"' in (await http.get("/my-households")).text
        caseload = await client.get(f"/v1/field-workers/{mine}/caseload")
        assert new in {h["household_id"] for h in caseload.json()["data"]}
        # And a visit it records is its record's
        visited = await post_form(
            http, f"/households/{own}/visits", f"/households/{own}", outcome="met_household"
        )
        assert visited.status_code == 303
        visits = application.get(Household, UUID(own)).visits
        assert [v.field_worker_id for v in visits] == [mine]
