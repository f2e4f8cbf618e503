"""Caseload pages and households named in lists, over HTTP through the ASGI app against a real
PostgreSQL: a ward's field workers and its households awaiting one, a convener's assigning and
reassigning through the form, a field worker's caseload with counts by risk and visits due, a
field worker outside the reader's wards not found; and the head's name in lists only for a
reader with the right to personal data (the read logged), a reference for everyone else."""

from __future__ import annotations

import re
from uuid import UUID

import httpx
from fastapi import FastAPI

from domain.access.principal import Role
from domain.households.model import Household
from domain.sukuma import Sukuma
from tests.factories import make_profile
from tests.integration.conftest import Clock
from tests.integration.helpers import household, post_ok
from tests.integration.test_caseloads_api import field_worker
from tests.integration.test_views_api import project
from tests.integration.test_web_pages import browser, post_form, sign_in, user
from tests.integration.test_web_pages import web as web

HEAD = "Nomvula Dlamini"  # the head of tests.factories.make_profile


def rows_of(html: str, section: str) -> str:
    """The part of a page after the heading with id ``section`` (its list)."""
    found = re.search(rf'id="{section}".*', html, re.S)
    assert found is not None, html[:500]
    return found.group(0)


async def test_convener_assigns_and_reassigns_a_household_through_the_caseload_pages(
    web: FastAPI, client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    # Given a ward with a profiled household in no caseload and two field workers
    household_id = await household(client, ward_id)
    await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": make_profile()})
    zanele, thabo = await field_worker(client, ward_id), await field_worker(client, ward_id)
    project(application)
    user(application, "convener", Role.CONVENER, f"ward:{ward_id}")
    async with browser(web) as http:
        await sign_in(http, "convener")
        # When the convener opens the ward's caseloads
        ward = (await http.get("/caseloads")).text
        assert f"Caseloads of ward {ward_id}" in ward
        assert f'href="/field-workers/{zanele}/caseload"' in ward
        awaiting = rows_of(ward, "unassigned")
        assert f'action="/households/{household_id}/assign"' in awaiting
        # (no name without the right to personal data: the household's reference)
        assert f"Household {household_id[:8].upper()}" in awaiting and HEAD not in ward
        # And assigns the household to Zanele
        assigned = await post_form(
            http, f"/households/{household_id}/assign", "/caseloads", field_worker_id=zanele
        )
        assert assigned.status_code == 303
        location = assigned.headers["location"]
        assert location.startswith(f"/field-workers/{zanele}/caseload?min_position=")
        project(application)
        # Then her caseload counts it, by risk, with its first visit due
        hers = (await http.get(location)).text
        assert "Household assigned." in hers
        assert "1 household in this caseload." in hers
        listed = rows_of(hers, "list")
        assert f'href="/households/{household_id}"' in listed
        assert f'action="/households/{household_id}/assign"' in listed  # a convener reassigns
        assert f'href="/households/{household_id}"' not in rows_of(
            (await http.get("/caseloads")).text, "unassigned"
        )
        # When the convener reassigns it to Thabo from her caseload
        moved = await post_form(
            http,
            f"/households/{household_id}/assign",
            f"/field-workers/{zanele}/caseload",
            field_worker_id=thabo,
        )
        assert moved.headers["location"].startswith(f"/field-workers/{thabo}/caseload")
        project(application)
        # Then it is in his caseload and no longer in hers
        assert f'href="/households/{household_id}"' in rows_of(
            (await http.get(f"/field-workers/{thabo}/caseload")).text, "list"
        )
        hers = (await http.get(f"/field-workers/{zanele}/caseload")).text
        assert "No household in this caseload." in hers
    assert application.get(Household, UUID(household_id)).field_worker_id == thabo
    # And the nerve centre's ward page names its field workers, each a link to the caseload
    user(application, "analyst", Role.ANALYST, f"ward:{ward_id}")
    async with browser(web) as http:
        await sign_in(http, "analyst")
        ward_page = (await http.get(f"/nerve-centre/ward/{ward_id}")).text
    assert f'<a href="/field-workers/{thabo}/caseload">Zanele Mkhize</a>' in ward_page


async def test_caseload_shows_visits_due_and_counts_and_hides_other_wards_field_workers(
    web: FastAPI,
    client: httpx.AsyncClient,
    application: Sukuma,
    clock: Clock,
    ward_id: str,
    other_ward_id: str,
) -> None:
    # Given a field worker of the ward with one household, not yet profiled and never visited
    worker = await field_worker(client, ward_id)
    elsewhere = await field_worker(client, other_ward_id)
    household_id = await household(client, ward_id)
    await post_ok(client, f"/v1/households/{household_id}/assign", {"field_worker_id": worker})
    project(application)
    user(application, "fw", Role.FIELD_WORKER, f"ward:{ward_id}")
    async with browser(web) as http:
        await sign_in(http, "fw")
        # Then its first visit is not due yet (unscored: 14 days after it joined the caseload)
        page = await http.get(f"/field-workers/{worker}/caseload")
        assert "No household is due a visit." in page.text
        # When 15 days pass and a field worker of the ward reads the caseload
        clock.advance(days=15)
        await sign_in(http, "fw")  # (the session's idle time has run out meanwhile)
        page = await http.get(f"/field-workers/{worker}/caseload")
        assert page.status_code == 200
        # Then it sees the visit due and the count, and no form to reassign (not a convener)
        assert f'href="/households/{household_id}"' in rows_of(page.text, "due")
        assert "Never visited" in page.text
        assert "Not assessed (1)" in page.text
        assert "/assign" not in page.text
        # And a field worker of another ward is not found, as on the API
        assert (await http.get(f"/field-workers/{elsewhere}/caseload")).status_code == 404
        assert (await http.get(f"/caseloads?ward={other_ward_id}")).status_code == 404
        # And the assigning form is refused to it (403, as the API's command)
        refused = await post_form(
            http,
            f"/households/{household_id}/assign",
            f"/field-workers/{worker}/caseload",
            field_worker_id=worker,
        )
        assert refused.status_code == 403


async def test_lists_name_the_household_only_for_a_reader_with_the_right_to_personal_data(
    web: FastAPI, client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    # Given a profiled household with an open need, in the ward of two conveners
    household_id = await household(client, ward_id)
    await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": make_profile()})
    await post_ok(
        client,
        f"/v1/households/{household_id}/needs",
        {"category": "social_grant", "severity": "high"},
    )
    project(application)
    user(application, "plain", Role.CONVENER, f"ward:{ward_id}")
    user(application, "named", Role.CONVENER, f"ward:{ward_id}", "pii:read")
    shown = {}
    for name in ("plain", "named"):
        async with browser(web) as http:
            await sign_in(http, name)
            shown[name] = (await http.get("/households")).text
    # Then the reader without pii:read sees the household's reference, the other its head
    assert HEAD not in shown["plain"]
    assert f"Household {household_id[:8].upper()}" in shown["plain"]
    assert f'<a href="/households/{household_id}">{HEAD}</a>' in shown["named"]
    # And the name shown is a read of personal data, logged as the API's reads are
    named_id = application.user_named("named").id
    reads = (await client.get("/v1/audit/pii-reads", params={"user_id": str(named_id)})).json()
    assert [(r["household_id"], r["endpoint"]) for r in reads["data"]] == [
        (household_id, "GET /households")
    ]
    plain_id = application.user_named("plain").id
    none = (await client.get("/v1/audit/pii-reads", params={"user_id": str(plain_id)})).json()
    assert none["data"] == []
