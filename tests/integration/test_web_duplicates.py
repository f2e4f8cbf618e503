"""The convener's review of duplicate households as pages, against a real PostgreSQL: the
pair with its evidence (withheld from a reader without sight of personal data), in both
languages, and the merge and the dismissal as forms."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID

import pytest
from fastapi import FastAPI

from api.main import create_app
from domain.access.principal import Role
from domain.duplicates.model import DuplicateCandidate, candidate_id
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from sukuma.wiring import build_projector
from tests.integration.conftest import Clock
from tests.integration.test_duplicates_api import WARD, one_family_twice
from tests.integration.test_web_pages import browser, post_form, sign_in, user
from web import install

pytestmark = pytest.mark.integration


@pytest.fixture
async def pages(settings: Settings, application: Sukuma, clock: Clock) -> AsyncIterator[FastAPI]:
    app = install(create_app(settings, application, clock=clock))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def family_twice(application: Sukuma) -> list[UUID]:
    """One family recorded twice in the ward, the pair projected, and the ward's convener."""
    ids = one_family_twice(application, (WARD, WARD))
    build_projector(application).run_once()
    user(application, "thandi", Role.CONVENER, f"ward:{WARD}")
    return ids


async def test_a_convener_reviews_a_pair_and_merges_it_through_the_page(
    pages: FastAPI, application: Sukuma, family_twice: list[UUID]
) -> None:
    ids = family_twice
    pair = candidate_id(*ids)

    async with browser(pages) as http:
        await sign_in(http, "thandi")
        review = await http.get("/duplicates")
        assert review.status_code == 200
        assert f'action="/duplicates/{pair}/merge"' in review.text
        assert "<dt>Date of birth</dt><dd>1.00</dd>" in review.text
        merged = await post_form(
            http, f"/duplicates/{pair}/merge", "/duplicates", survivor_id=str(ids[0])
        )
        assert merged.status_code == 303 and merged.headers["location"] == "/duplicates"
    assert application.get(DuplicateCandidate, pair).survivor_id == str(ids[0])
    build_projector(application).run_once()

    async with browser(pages, **{"Accept-Language": "zu"}) as http:
        await sign_in(http, "thandi")
        assert "Awekho amakhaya okufanele ahlolwe." in (await http.get("/duplicates")).text


async def test_the_evidence_is_withheld_from_a_reader_without_sight_of_personal_data(
    pages: FastAPI, application: Sukuma, family_twice: list[UUID]
) -> None:
    ids = family_twice
    user(application, "sipho", Role.ANALYST, "municipality:KZN225")

    async with browser(pages, **{"Accept-Language": "zu"}) as http:
        await sign_in(http, "sipho")
        review = (await http.get("/duplicates")).text
    assert "Ubufakazi bufihliwe" in review
    assert "Usuku lokuzalwa" not in review
    assert f"/households/{ids[0]}" in review or f"/households/{ids[1]}" in review


async def test_not_the_same_household_is_recorded_through_the_page(
    pages: FastAPI, application: Sukuma, family_twice: list[UUID]
) -> None:
    pair = candidate_id(*family_twice)

    async with browser(pages) as http:
        await sign_in(http, "thandi")
        dismissed = await post_form(http, f"/duplicates/{pair}/dismiss", "/duplicates")
    assert dismissed.status_code == 303
    assert application.get(DuplicateCandidate, pair).status == "dismissed"


async def test_a_pair_across_two_wards_warns_that_the_open_referrals_change_war_room(
    pages: FastAPI, application: Sukuma, family_twice: list[UUID]
) -> None:
    # Given a pair in one ward (the fixture's) and another across two wards
    one_family_twice(application, (WARD, "KZN225-W002"))
    build_projector(application).run_once()
    user(application, "zodwa", Role.CONVENER, "municipality:KZN225")
    note = "Merging hands the other household's open referrals to the kept household's ward"

    # When their convener reads the review, in English and in isiZulu
    async with browser(pages) as http:
        await sign_in(http, "zodwa")
        review = (await http.get("/duplicates")).text
    async with browser(pages, **{"Accept-Language": "zu"}) as http:
        await sign_in(http, "zodwa")
        zulu = (await http.get("/duplicates")).text

    # Then each pair across two wards says its open referrals go to the kept household's
    # ward (whose war room may act on them), each pair in one ward does not
    pairs = review.split("<section")[1:]
    across = [p for p in pairs if p.count(f"Household in {WARD}") == 1]
    assert across and len(across) < len(pairs)
    assert [note in p for p in pairs] == [p in across for p in pairs]
    assert zulu.count("Ukuhlanganisa kudlulisela ukudluliselwa okuvulekile") == len(across)
