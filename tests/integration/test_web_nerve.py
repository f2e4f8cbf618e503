"""The nerve centre's pages and the alert queue over HTTP through the ASGI app, against a real
PostgreSQL: the dashboard's drill-down and figures, the alert queue's groups, an alert's page,
acting on one alert and on a whole group in bounded batches, and the area scoping."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from domain.access.principal import PII_READ, Role
from domain.sukuma import Sukuma
from tests.integration.alerting import Alerting, alerting
from tests.integration.conftest import Clock
from tests.integration.helpers import household, need, referral
from tests.integration.test_web_pages import browser, post_form, sign_in, user
from tests.integration.test_web_pages import web as web
from web import alert_queue

ALERT_LINK = re.compile(r'href="/alerts/([0-9a-f-]{36})"')


@pytest.fixture
def ew(client: httpx.AsyncClient, application: Sukuma, clock: Clock) -> Alerting:
    return alerting(application, clock)


async def overdue_referrals(client: httpx.AsyncClient, ward_ids: list[str]) -> None:
    for ward in ward_ids:
        household_id = await household(client, ward)
        await referral(client, household_id, await need(client, household_id))


async def test_analyst_lands_on_the_dashboard_and_drills_down_to_a_ward(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, ward_id: str, ew: Alerting
) -> None:
    household_id = await household(client, ward_id)
    await need(client, household_id, "water")
    ew.project()
    user(application, "ayanda", Role.ANALYST, "municipality:KZN225")
    async with browser(web) as http:
        assert (await sign_in(http, "ayanda")).status_code == 303
        landing = await http.get("/")
        assert landing.headers["location"] == "/nerve-centre"
        opened = await http.get("/nerve-centre")
        assert opened.headers["location"] == "/nerve-centre/municipality/KZN225"
        page = await http.get("/nerve-centre/municipality/KZN225")
        assert page.status_code == 200, page.text[:500]
        text = page.text
        # The way up, the indicators with their definitions, the charts and the heat map
        assert 'href="/nerve-centre/district/DC22"' in text and "<h1>Msunduzi" in text
        assert "M13" in text and "Share of child-protection referrals" in text
        assert text.count("<svg") == 6
        row = re.search(rf"<th scope=\"row\"><a [^>]*>{ward_id}</a></th><td[^>]*>(\d+)</td>", text)
        assert row is not None and row.group(1) == "1"  # the open water need
        assert "Department league" in text
        # Down to the ward: its field workers, no league
        ward = await http.get(f"/nerve-centre/ward/{ward_id}")
        assert ward.status_code == 200
        assert "Field workers" in ward.text and "Department league" not in ward.text
        # In isiZulu too
        zu = await http.get("/nerve-centre/municipality/KZN225", headers={"Accept-Language": "zu"})
        assert '<html lang="zu">' in zu.text and "Izinkomba" in zu.text


async def test_an_area_outside_the_analysts_scopes_is_not_found(
    web: FastAPI, application: Sukuma
) -> None:
    user(application, "sbu", Role.ANALYST, "district:DC21")
    async with browser(web) as http:
        assert (await sign_in(http, "sbu")).status_code == 303
        mine = await http.get("/nerve-centre/district/DC21")
        theirs = await http.get("/nerve-centre/municipality/KZN225")
        province = await http.get("/nerve-centre/province/KZN")
        unknown = await http.get("/nerve-centre/district/NOPE")
    assert mine.status_code == 200
    assert (theirs.status_code, province.status_code, unknown.status_code) == (404, 404, 404)
    assert "outside the area you work in" in theirs.text


async def test_the_queue_groups_alerts_and_a_group_is_acknowledged_in_bounded_batches(
    web: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    ew: Alerting,
    ward_id: str,
    other_ward_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await overdue_referrals(client, [ward_id, ward_id, ward_id, other_ward_id])
    ew.clock.advance(days=8)
    ew.sweep()
    user(application, "lwazi", Role.ANALYST, "municipality:KZN225")
    user(application, "other", Role.ANALYST, "district:DC21")
    monkeypatch.setattr(alert_queue, "BULK_LIMIT", 2)
    async with browser(web) as http, browser(web) as outsider:
        assert (await sign_in(http, "lwazi")).status_code == 303
        assert (await sign_in(outsider, "other")).status_code == 303
        # Grouped by rule, level and ward, with counts: the bigger group first
        queue = (await http.get("/alerts")).text
        groups = re.findall(r'"/alerts\?ward=([^"]+)">[^<]+</a></td>\s*<td[^>]*>(\d+)</td>', queue)
        assert groups == [(ward_id, "3"), (other_ward_id, "1")]
        assert "4 open alerts in these groups" in queue
        # A group's page lists its alerts; the whole group is acknowledged 2 at a time
        group = f"/alerts/group?rule=EW-01&level=1&ward={ward_id}"
        listed = await http.get(group)
        assert len(set(ALERT_LINK.findall(listed.text))) == 3
        form = {"rule": "EW-01", "level": "1", "ward": ward_id, "action": "acknowledge"}
        first = await post_form(http, "/alerts-bulk", group, **form)
        assert "2 alerts acknowledged." in first.text
        assert "More alerts of this group are waiting" in first.text
        ew.project()
        second = await post_form(http, "/alerts-bulk", group, **form)
        assert "1 alert acknowledged." in second.text and "More alerts" not in second.text
        ew.project()
        after = (await http.get("/alerts")).text
        assert re.search(rf"{ward_id}</a></td>\s*<td[^>]*>3</td>\s*<td[^>]*>0</td>", after)
        # Each alert got its own event, by this analyst
        [alert_id, *_] = ALERT_LINK.findall(listed.text)
        alert = (await http.get(f"/alerts/{alert_id}")).text
        assert "Acknowledged" in alert and "(lwazi)" in alert
        # An analyst of another district sees neither the groups nor the alert
        assert "No open alerts here." in (await outsider.get("/alerts")).text
        assert (await outsider.get(f"/alerts/{alert_id}")).status_code == 404


async def test_an_alert_is_resolved_from_its_page_with_a_reason(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, ew: Alerting, ward_id: str
) -> None:
    await overdue_referrals(client, [ward_id])
    ew.clock.advance(days=8)
    ew.sweep()
    user(application, "zodwa", Role.ANALYST, "municipality:KZN225")
    async with browser(web) as http:
        assert (await sign_in(http, "zodwa")).status_code == 303
        listed = await http.get(f"/alerts/group?ward={ward_id}")
        [alert_id] = set(ALERT_LINK.findall(listed.text))
        url = f"/alerts/{alert_id}"
        page = (await http.get(url)).text
        assert "Evidence" in page and "referral_id" in page
        no_reason = await post_form(http, f"{url}/resolve", url, text=" ")
        assert (
            "Say why the alert is resolved." in (await http.get(no_reason.headers["location"])).text
        )
        done = await post_form(http, f"{url}/resolve", url, text="SASSA called back")
        assert done.status_code == 303
        ew.project()
        resolved = (await http.get(url)).text
    # A person's reason is sealed like a note: shown only to a reader with pii:read
    assert "Alert resolved." in resolved and "SASSA called back" not in resolved
    assert 'action="/alerts/' not in resolved  # nothing left to do on it
    user(application, "thandi", Role.ANALYST, "municipality:KZN225", PII_READ)
    async with browser(web) as http:
        assert (await sign_in(http, "thandi")).status_code == 303
        assert "SASSA called back" in (await http.get(url)).text


async def test_the_pages_style_sheet_and_script_are_served(web: FastAPI) -> None:
    # The API's docs mount /static first: the pages' files must not hide behind it.
    async with browser(web) as http:
        page = (await http.get("/sign-in")).text
        for path in re.findall(r'(?:href|src)="(/assets/[^"]+)"', page):
            answer = await http.get(path)
            assert answer.status_code == 200, path
            assert answer.headers["content-type"].split(";")[0] in (
                "text/css",
                "text/javascript",
                "application/javascript",
            )


async def test_the_largest_districts_dashboard_loads_within_the_budget(
    web: FastAPI, application: Sukuma
) -> None:
    # eThekwini has 110 wards: the largest heat map a dashboard draws. The browser test
    # measures a real first load; this bounds the worst case by the bytes served.
    user(application, "thabo", Role.ANALYST, "district:ETH")
    async with browser(web) as http:
        assert (await sign_in(http, "thabo")).status_code == 303
        page = await http.get("/nerve-centre/district/ETH")
        assert page.status_code == 200
        assets = re.findall(r'(?:href|src)="(/assets/[^"]+)"', page.text)
        sizes = [len(page.content)] + [len((await http.get(a)).content) for a in assets]
    assert page.text.count('<th scope="row">') == 110
    assert sum(sizes) <= 250 * 1024, sizes


async def test_a_group_is_resolved_in_bulk_only_with_a_reason_and_a_convener_sees_its_ward(
    web: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    ew: Alerting,
    ward_id: str,
    other_ward_id: str,
) -> None:
    await overdue_referrals(client, [ward_id, ward_id, other_ward_id])
    ew.clock.advance(days=8)
    ew.sweep()
    user(application, "nandi", Role.CONVENER, f"ward:{ward_id}")
    async with browser(web) as http:
        assert (await sign_in(http, "nandi")).status_code == 303
        queue = (await http.get("/alerts")).text
        assert f"/alerts?ward={ward_id}" in queue and other_ward_id not in queue
        assert "No open alerts here." in (await http.get("/alerts?level=2")).text
        # The filter form's "all" choices are empty values, not errors
        everything = await http.get("/alerts?rule=&level=")
        assert everything.status_code == 200 and f"/alerts?ward={ward_id}" in everything.text
        group = f"/alerts/group?rule=EW-01&ward={ward_id}"
        form = {"rule": "EW-01", "ward": ward_id, "action": "resolve"}
        refused = await post_form(http, "/alerts-bulk", group, **form, text="  ")
        assert refused.status_code == 422 and "Say why the alerts are resolved." in refused.text
        done = await post_form(http, "/alerts-bulk", group, **form, text="all called back")
        assert "2 alerts resolved." in done.text
        # The other ward's alert is outside the convener's scope: not in any batch
        other = {"rule": "EW-01", "ward": other_ward_id, "action": "resolve", "text": "no"}
        outside = await post_form(http, "/alerts-bulk", group, **other)
        assert "0 alerts resolved." in outside.text
        ew.project()
        assert "No open alerts here." in (await http.get("/alerts")).text
