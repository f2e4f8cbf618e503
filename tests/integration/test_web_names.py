"""Households named in lists from the names view, over HTTP through the ASGI app against a real
PostgreSQL: the referral board and the inbox name each referral's household for a reader with
``pii:read`` who may see it (an officer only through a referral sharing personal data), a
reference for everyone else; each name shown logged; an erased household's name no longer
opens (the view untouched: its key is gone); a master-key rotation keeps every name readable;
the view follows the head's name through profiles and a resolved conflict."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from adapters.data_keys import KeyWrapper
from adapters.event_store import SukumaRecorder
from adapters.key_rotation import key_report
from api.main import create_app
from domain.access.principal import Role
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from sukuma.wiring import build_application
from tests.conftest import TEST_MASTER_KEY
from tests.factories import make_member, make_profile
from tests.integration.conftest import Clock
from tests.integration.helpers import household, need, post_ok
from tests.integration.test_views_api import project
from tests.integration.test_warrooms_api import war_room
from tests.integration.test_web_pages import browser, sign_in, user
from tests.integration.test_web_pages import web as web
from web import install

HEAD = "Nomvula Dlamini"  # the head of tests.factories.make_profile
NEW_MASTER_KEY = "names-rotated-master-key-" + "3" * 40

pytestmark = pytest.mark.integration


async def page_as(app: FastAPI, username: str, path: str) -> str:
    async with browser(app) as http:
        assert (await sign_in(http, username)).status_code == 303
        answer = await http.get(path)
        assert answer.status_code == 200, answer.text[:300]
        return answer.text


async def reads_of(client: httpx.AsyncClient, application: Sukuma, username: str) -> list[Any]:
    user_id = application.user_named(username).id
    found = await client.get("/v1/audit/pii-reads", params={"user_id": str(user_id)})
    return [(r["household_id"], r["endpoint"], r["fields"]) for r in found.json()["data"]]


def ref(household_id: str) -> str:
    return f"Household {household_id[:8].upper()}"


async def profiled_with_need(client: httpx.AsyncClient, ward_id: str) -> str:
    household_id = await household(client, ward_id)
    await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": make_profile()})
    await need(client, household_id)
    return household_id


async def referral_of(client: httpx.AsyncClient, household_id: str, **extra: Any) -> str:
    """A referral to SASSA of the household's first need."""
    needs = (await client.get(f"/v1/households/{household_id}")).json()["needs"]
    body = {"household_id": household_id, "need_id": needs[0]["need_id"], "department": "SASSA"}
    return str((await post_ok(client, "/v1/referrals", {**body, **extra}))["id"])


def desk_pii(application: Sukuma, ward_id: str) -> None:
    """A SASSA officer of the ward with pii:read."""
    scopes = (f"ward:{ward_id}", "department:SASSA", "pii:read")
    user(application, "desk_pii", Role.DEPARTMENT_OFFICER, *scopes)


async def test_board_and_inbox_name_households_only_for_readers_who_may_see_the_name(
    web: FastAPI, client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    # Given two profiled households referred to SASSA, one referral sharing personal data
    shared_household = await profiled_with_need(client, ward_id)
    shared = await referral_of(client, shared_household, personal_data_shared=True)
    private_household = await profiled_with_need(client, ward_id)
    private = await referral_of(client, private_household)
    project(application)
    user(application, "plain", Role.CONVENER, f"ward:{ward_id}")
    user(application, "named", Role.CONVENER, f"ward:{ward_id}", "pii:read")
    user(application, "desk", Role.DEPARTMENT_OFFICER, f"ward:{ward_id}", "department:SASSA")
    desk_pii(application, ward_id)

    # When each reads its list
    plain_board = await page_as(web, "plain", "/board")
    named_board = await page_as(web, "named", "/board")
    desk_inbox = await page_as(web, "desk", "/inbox")
    desk_pii_inbox = await page_as(web, "desk_pii", "/inbox")

    # Then a reader without pii:read sees references only, on the board and in the inbox
    for text in (plain_board, desk_inbox):
        assert HEAD not in text
        assert ref(shared_household) in text and ref(private_household) in text
    # And the convener with pii:read sees both heads' names in the board's household column
    assert named_board.count(HEAD) == 2 and ref(shared_household) not in named_board
    assert '<th scope="col">Household</th>' in named_board
    # And the officer with pii:read sees the name only through the referral sharing it
    assert desk_pii_inbox.count(HEAD) == 1
    assert ref(private_household) in desk_pii_inbox and ref(shared_household) not in desk_pii_inbox
    assert shared in desk_pii_inbox and private in desk_pii_inbox
    # And each name shown is a logged read; no read is logged for a reference
    name_fields = ["profile.members[].first_name", "profile.members[].surname"]
    assert sorted(await reads_of(client, application, "named")) == sorted(
        [(h, "GET /board", name_fields) for h in (shared_household, private_household)]
    )
    assert await reads_of(client, application, "desk_pii") == [
        (shared_household, "GET /inbox", name_fields)
    ]
    assert await reads_of(client, application, "plain") == []
    assert await reads_of(client, application, "desk") == []


async def test_an_erased_households_name_no_longer_opens_though_the_view_still_holds_it(
    web: FastAPI, client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    # Given a profiled household with an open need, named in the list
    household_id = await profiled_with_need(client, ward_id)
    project(application)
    user(application, "named", Role.CONVENER, f"ward:{ward_id}", "pii:read")
    assert f'<a href="/households/{household_id}">{HEAD}</a>' in await page_as(
        web, "named", "/households"
    )

    # When its personal data is erased, and before the names view has seen the erasure
    await post_ok(client, f"/v1/households/{household_id}/erase", {"reason": "data subject asked"})
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as curs:
        curs.execute(
            "SELECT first_name FROM names_heads WHERE household_id = %s", (UUID(household_id),)
        )
        still = curs.fetchone()
    listed = await page_as(web, "named", "/households")

    # Then the view still holds the sealed copy, but the list shows the reference, not the name
    assert still is not None and "_pii_" in still["first_name"]
    assert HEAD not in listed and ref(household_id) in listed
    # And once the view has caught up, its copy is gone too
    project(application)
    with datastore.transaction(commit=False) as curs:
        curs.execute(
            "SELECT first_name FROM names_heads WHERE household_id = %s", (UUID(household_id),)
        )
        row = curs.fetchone()
    assert row is not None and row["first_name"] is None
    assert HEAD not in await page_as(web, "named", "/households")


@asynccontextmanager
async def pages_with(settings: Settings, clock: Clock) -> AsyncIterator[FastAPI]:
    """The pages served by another process's application (its own settings: master keys)."""
    assert settings.database_url is not None
    application = build_application(settings, settings.database_url)
    app = install(create_app(settings, application, clock=clock))
    try:
        async with app.router.lifespan_context(app):
            yield app
    finally:
        application.close()


async def test_names_stay_readable_through_a_master_key_rotation(
    web: FastAPI,
    client: httpx.AsyncClient,
    application: Sukuma,
    settings: Settings,
    clock: Clock,
    ward_id: str,
) -> None:
    # Given a named household in the list
    household_id = await profiled_with_need(client, ward_id)
    project(application)
    user(application, "named", Role.CONVENER, f"ward:{ward_id}", "pii:read")
    shown = f'<a href="/households/{household_id}">{HEAD}</a>'
    assert shown in await page_as(web, "named", "/households")
    recorder = application.recorder
    assert isinstance(recorder, SukumaRecorder)
    new_key = SecretStr(NEW_MASTER_KEY)

    # When the master key is replaced: every process runs with both keys meanwhile
    during = settings.model_copy(update={"master_key": new_key, "master_key_previous": None})
    during = during.model_copy(update={"master_key_previous": settings.master_key})
    async with pages_with(during, clock) as both:
        before_rotation = await page_as(both, "named", "/households")
    wrapper = KeyWrapper(NEW_MASTER_KEY, [TEST_MASTER_KEY])
    report = key_report(recorder.datastore, recorder.data_keys_table_name, wrapper, rotate=True)
    # And then with the new key alone
    new_only = settings.model_copy(update={"master_key": new_key})
    async with pages_with(new_only, clock) as rotated:
        after_rotation = await page_as(rotated, "named", "/households")

    # Then the list names the household all along: only the keys' wrapping changed
    assert report.rewrapped >= 1 and not report.unreadable
    assert shown in before_rotation and shown in after_rotation


async def test_the_view_follows_the_heads_name_through_profiles_and_a_resolved_conflict(
    web: FastAPI, client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str
) -> None:
    # Given a household profiled with Nomvula Dlamini as its head
    household_id = await profiled_with_need(client, ward_id)
    head = (await client.get(f"/v1/households/{household_id}")).json()["profile"]["members"][0]
    base = (await client.get(f"/v1/households/{household_id}")).json()["version"]
    user(application, "named", Role.CONVENER, f"ward:{ward_id}", "pii:read")

    # When a new profile names the head Thandi, and a profile observed earlier arrives late
    renamed = make_profile(members=[make_member(member_id=head["member_id"], first_name="Thandi")])
    await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": renamed})
    older = make_member(member_id=head["member_id"], first_name="Zodwa")
    earlier = (clock.now - timedelta(days=2)).isoformat()
    await post_ok(
        client,
        f"/v1/households/{household_id}/profile",
        {"profile": make_profile(members=[older]), "occurred_at": earlier},
    )
    project(application)
    # Then the list names the current head (the later profile stands)
    listed = await page_as(web, "named", "/households")
    assert "Thandi Dlamini" in listed and "Zodwa" not in listed

    # When two offline edits from the same base name the head differently (the current
    # name stands, contested), and a convener resolves the conflict for one of them
    for first_name in ("Lindiwe", "Busisiwe"):
        edit = make_profile(
            members=[make_member(member_id=head["member_id"], first_name=first_name)]
        )
        await post_ok(
            client,
            f"/v1/households/{household_id}/profile",
            {"profile": edit, "base_version": base},
        )
    project(application)  # (a conflict is found by its household through the conflicts view)
    conflicts = (await client.get(f"/v1/households/{household_id}")).json()["profile_conflicts"]
    path = f"members.{head['member_id']}.first_name"
    conflict = next(c for c in conflicts if c["path"] == path)
    await post_ok(
        client,
        f"/v1/conflicts/{conflict['conflict_id']}/resolve",
        {"value": "Busisiwe"},
    )
    project(application)
    # Then the list names the head as resolved (its value sealed as the resolution's)
    assert "Thandi Dlamini" in listed
    resolved = await page_as(web, "named", "/households")
    assert "Busisiwe Dlamini" in resolved and "Thandi" not in resolved


async def test_a_named_list_is_not_sent_when_its_read_log_cannot_be_written(
    web: FastAPI, client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    # Given a profiled household referred to SASSA, and a convener with pii:read
    household_id = await profiled_with_need(client, ward_id)
    await referral_of(client, household_id)
    project(application)
    user(application, "named", Role.CONVENER, f"ward:{ward_id}", "pii:read")
    # And the access log refusing every write (as a full disk or a lost table would)
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=True) as curs:
        curs.execute(
            "CREATE FUNCTION refuse_reads() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the access log is down'; END $$"
        )
        curs.execute(
            "CREATE TRIGGER refuse_reads BEFORE INSERT ON sukuma_pii_reads "
            "FOR EACH ROW EXECUTE FUNCTION refuse_reads()"
        )

    # When the convener opens each named list
    transport = httpx.ASGITransport(app=web, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        assert (await sign_in(http, "named")).status_code == 303
        answers = [await http.get(path) for path in ("/board", "/inbox", "/households")]

    # Then none is sent: an error page with no name on it, and no read logged
    for answer in answers:
        assert answer.status_code == 500
        assert "Something went wrong on our side" in answer.text
        assert HEAD not in answer.text
    assert await reads_of(client, application, "named") == []


async def test_a_named_list_reads_its_erasures_with_its_names_and_logs_on_the_read_pool(
    web: FastAPI,
    client: httpx.AsyncClient,
    application: Sukuma,
    ward_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given two profiled households with a special need (TB), one of them then erased
    kept, erased = [await household(client, ward_id) for _ in range(2)]
    for household_id in (kept, erased):
        await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": make_profile()})
        await need(client, household_id, "health_tb")
    await post_ok(client, f"/v1/households/{erased}/erase", {"reason": "data subject asked"})
    project(application)
    user(application, "named", Role.CONVENER, f"ward:{ward_id}", "pii:read")
    # And the store's own erasure look-up and access-log write watched (the real ones run)
    recorder = application.recorder
    assert isinstance(recorder, SukumaRecorder) and recorder.data_keys is not None
    keys, calls = recorder.data_keys, []
    looked_up, logged = keys.erased_among, recorder.record_pii_reads

    def look_up(ids: Any) -> set[UUID]:
        calls.append("look-up")
        return looked_up(ids)

    def log(*args: Any) -> None:
        calls.append("log")
        logged(*args)

    monkeypatch.setattr(keys, "erased_among", look_up)
    monkeypatch.setattr(recorder, "record_pii_reads", log)

    # When the convener with pii:read lists the ward's households
    listed = await page_as(web, "named", "/households")

    # Then the kept household is named and the erased one is not
    assert listed.count(HEAD) == 1 and ref(erased) in listed
    # And the erasure came with the names (no look-up of its own), the log was written on the
    # read pool (not through the event store's), and it holds the kept household's name and
    # exact category only: the erased one's category reads broad
    assert calls == []
    name_fields = ["profile.members[].first_name", "profile.members[].surname"]
    assert await reads_of(client, application, "named") == [
        (kept, "GET /households", ["needs[].category", *name_fields])
    ]


async def test_an_officer_no_longer_sees_a_name_once_the_household_withdraws_its_consent(
    web: FastAPI, client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    # Given a referral sharing personal data, named in its officer's inbox (the decision to
    # show the name is kept across pages, by the reader and what the name depends on)
    household_id = await profiled_with_need(client, ward_id)
    await referral_of(client, household_id, personal_data_shared=True)
    project(application)
    desk_pii(application, ward_id)
    assert HEAD in await page_as(web, "desk_pii", "/inbox")

    # When the household withdraws its consent
    await post_ok(client, f"/v1/households/{household_id}/consent/withdraw", {})
    project(application)

    # Then the next inbox shows its reference, not its head's name
    inbox = await page_as(web, "desk_pii", "/inbox")
    assert HEAD not in inbox and ref(household_id) in inbox


async def test_a_war_rooms_meeting_form_names_the_households_it_offers_when_asked(
    web: FastAPI, client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    household_id = await profiled_with_need(client, ward_id)
    room = f"/war-rooms/{await war_room(client, ward_id)}"
    project(application)
    user(application, "named", Role.CONVENER, f"ward:{ward_id}", "pii:read")
    # The room's page names no household (its form fetches them): nothing read, nothing logged
    assert HEAD not in await page_as(web, "named", room)
    assert await reads_of(client, application, "named") == []
    # Its form's households, and the form on a page of its own, name the head: each logged
    name_fields = ["profile.members[].first_name", "profile.members[].surname"]
    for path in ("households-offered", "meeting"):
        assert HEAD in await page_as(web, "named", f"{room}/{path}")
        assert (household_id, f"GET /war-rooms/{{id}}/{path}", name_fields) in await reads_of(
            client, application, "named"
        )
