"""Printed reports over HTTP through the ASGI app, against a real PostgreSQL: every kind for
the demo generator's data in both languages, as HTML and as PDF (opened with pypdf, its
figures checked, its pages drawn to PNG under test-artifacts/reports/ for a person to look
at); who may print which; names only for readers who may see them; small counts suppressed;
and the war room's imbizo questions, recorded and answered through the API."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pypdfium2
import pytest
from fastapi import FastAPI
from pypdf import PdfReader
from typer.testing import CliRunner

from api.main import create_app
from domain.access.principal import PII_READ, Role
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from domain.warrooms.model import war_room_id
from sukuma.cli import cli
from sukuma.demo import generate
from sukuma.demo.users import first_ward
from sukuma.settings import Settings
from tests.conftest import TEST_MASTER_KEY, TEST_SECRET_KEY
from tests.integration.conftest import BASE_URL, BROAD_SCOPES, Clock, SignedIn, add_user
from tests.integration.helpers import need, post_ok, profiled_household, referral
from tests.integration.test_area_as_of_api import (  # noqa: F401 (a fixture, used by name)
    at,
    case,
    recorded_by_clock,
)
from tests.integration.test_views_api import project
from tests.integration.test_web_pages import browser, sign_in, user
from web import install

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "reports"
KINDS = ("imbizo", "meeting-pack", "monthly")


@pytest.fixture
async def web(settings: Settings, application: Sukuma, clock: Clock) -> AsyncIterator[FastAPI]:
    """The API with the pages (and the reports) installed, as the composition root serves it."""
    app = install(create_app(settings, application, clock=clock))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def reader(web: FastAPI, application: Sukuma) -> Any:
    """A client for a new user with ``roles`` and ``scopes``."""
    made: list[httpx.AsyncClient] = []

    def make(name: str, roles: tuple[Role, ...], *scopes: str) -> httpx.AsyncClient:
        add_user(application, name, roles, scopes)
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=web),
            base_url=BASE_URL,
            auth=SignedIn(web, application, name),
        )
        made.append(http)
        return http

    return make


@pytest.fixture
def broad(reader: Any) -> httpx.AsyncClient:
    """Every role over the whole province, with pii:read, on the app with the reports."""
    http: httpx.AsyncClient = reader("broad", tuple(Role), *BROAD_SCOPES)
    return http


def text_of(document: bytes) -> str:
    reader = PdfReader(io.BytesIO(document))
    return "\n".join(page.extract_text() for page in reader.pages)


def draw(document: bytes, name: str) -> int:
    """Each page as a PNG under test-artifacts/reports/ (the PDF beside them); the count."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(document)
    pdf = pypdfium2.PdfDocument(document)
    for index in range(len(pdf)):
        pdf[index].render(scale=1.4).to_pil().save(ARTIFACTS / f"{name}-page{index + 1}.png")
    return len(pdf)


def words(text: str) -> str:
    """Text with its whitespace (line breaks a PDF puts anywhere) made single spaces."""
    return " ".join(text.split())


async def test_every_report_prints_for_the_demo_data_in_both_languages(
    web: FastAPI, application: Sukuma, clock: Clock, reader: Any
) -> None:
    # Given the demo generator's year of work, projected
    generate(application, 60, 11, now=clock.now)
    project(application)
    ward = first_ward(application)
    assert ward is not None
    municipality = geography().ward(ward).municipality_code
    area = {"imbizo": ward, "meeting-pack": ward, "monthly": municipality}
    level = {"imbizo": "ward", "meeting-pack": "ward", "monthly": "municipality"}
    http = reader("nerve", tuple(Role), f"municipality:{municipality}", PII_READ)
    room = (await http.get(f"/v1/war-rooms/{war_room_id(ward)}")).json()
    dashboard = (await http.get(f"/v1/dashboard/ward/{ward}")).json()
    league = (await http.get(f"/v1/departments/performance?municipality={municipality}")).json()

    for kind in KINDS:
        for lang in ("en", "zu"):
            url = f"/v1/reports/{kind}/{level[kind]}/{area[kind]}"
            # When it is asked for as a page and as a PDF
            page = await http.get(url, params={"lang": lang})
            printed = await http.get(url, params={"lang": lang, "format": "pdf"})

            # Then both answer, in that language, saying what they were made from
            assert page.status_code == 200, (kind, lang, page.text[:300])
            assert page.headers["content-language"] == lang
            assert "default-src 'none'" in page.headers["content-security-policy"]
            position = page.headers["x-sukuma-position"]
            assert int(position) > 0 and position in page.text
            assert printed.headers["content-type"] == "application/pdf"
            text = words(text_of(printed.content))
            assert position in text
            assert draw(printed.content, f"{kind}-{lang}") >= 1
            (ARTIFACTS / f"{kind}-{lang}.html").write_text(page.text)
            if lang == "zu":
                assert "Umbiko" in text or "Iphakethe" in text, (kind, text[:200])

    # And the PDFs hold the views' figures
    imbizo = words(text_of((await http.get(f"/v1/reports/imbizo/ward/{ward}?format=pdf")).content))
    registered = dashboard["households"]["total"]
    assert registered >= 5 and f"{registered}" in imbizo
    asked = [q for q in room["imbizo_questions"]]
    last = max(q["imbizo_on"] for q in asked)
    for question in (q for q in asked if q["imbizo_on"] == last):
        assert words(question["question"])[:40] in imbizo
    monthly = words(
        text_of(
            (await http.get(f"/v1/reports/monthly/municipality/{municipality}?format=pdf")).content
        )
    )
    pack = await http.get(f"/v1/reports/meeting-pack/ward/{ward}?format=pdf&lang=en")
    overdue = dashboard["referrals"]["overdue"]
    assert overdue > 0 and f"Overdue referrals ({overdue})" in words(text_of(pack.content))
    busiest = max(league["data"], key=lambda r: r["received"])
    assert f"{busiest['received']}" in monthly


async def test_who_may_print_which_report(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, reader: Any, ward_id: str
) -> None:
    other = geography().wards_in("municipality", "KZN225")[1].id
    await profiled_household(client, ward_id)
    project(application)
    officer = reader("officer", (Role.DEPARTMENT_OFFICER,), "municipality:KZN225", "department:DSD")
    stranger = reader("other-convener", (Role.CONVENER,), f"ward:{other}")
    convener = reader("convener", (Role.CONVENER,), f"ward:{ward_id}")

    # Without a token, nothing
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url=BASE_URL) as anon:
        assert (await anon.get(f"/v1/reports/imbizo/ward/{ward_id}")).status_code == 401
    # An officer reads its area's figures (the imbizo report), not its lists of cases

    assert (await officer.get(f"/v1/reports/imbizo/ward/{ward_id}")).status_code == 200
    for url in (
        f"/v1/reports/meeting-pack/ward/{ward_id}",
        "/v1/reports/monthly/municipality/KZN225",
    ):
        refused = await officer.get(url)
        assert (refused.status_code, set(refused.json())) == (404, {"detail"}), url
    # Another ward's convener sees nothing of this ward
    for kind in ("imbizo", "meeting-pack"):
        assert (await stranger.get(f"/v1/reports/{kind}/ward/{ward_id}")).status_code == 404
    assert (await convener.get(f"/v1/reports/meeting-pack/ward/{ward_id}")).status_code == 200
    # A report asked for the wrong kind of area, or another day by occurred time, names the
    # parameter; a ward's report as of another day by recorded time is made
    wrong = await convener.get(f"/v1/reports/monthly/ward/{ward_id}")
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    imbizo = f"/v1/reports/imbizo/ward/{ward_id}"
    earlier = await convener.get(imbizo, params={"as_of": yesterday, "basis": "occurred"})
    assert (wrong.status_code, wrong.json()["detail"][0]["loc"]) == (422, ["path", "level"])
    assert (earlier.status_code, earlier.json()["detail"][0]["loc"]) == (422, ["query", "basis"])
    assert (await convener.get(imbizo, params={"as_of": yesterday})).status_code == 200
    # A monthly report may be made as of an earlier day (not a later one), on either basis
    analyst = reader("analyst", (Role.ANALYST,), "municipality:KZN225")
    monthly = "/v1/reports/monthly/municipality/KZN225"
    for basis in ("recorded", "occurred"):
        then = await analyst.get(monthly, params={"as_of": yesterday, "basis": basis, "lang": "en"})
        assert then.status_code == 200, then.text[:300]
        assert date.fromisoformat(yesterday).strftime("%b %-d, %Y") in then.text
    tomorrow = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    later = await analyst.get(monthly, params={"as_of": tomorrow})
    assert (later.status_code, later.json()["detail"][0]["loc"]) == (422, ["query", "as_of"])


async def test_a_meeting_pack_names_a_household_only_to_readers_who_may_see_it(
    web: FastAPI,
    application: Sukuma,
    client: httpx.AsyncClient,
    clock: Clock,
    reader: Any,
    ward_id: str,
) -> None:
    # Given a referral overdue in the ward (its household's head is named in the profile)
    household_id = await profiled_household(client, ward_id)
    await referral(client, household_id, await need(client, household_id))
    clock.advance(days=20)
    project(application)
    state = (await client.get(f"/v1/households/{household_id}")).json()
    head = next(m for m in state["profile"]["members"] if m["relation"] == "head")
    name = f"{head['first_name']} {head['surname']}"
    url = f"/v1/reports/meeting-pack/ward/{ward_id}"

    convener = reader("convener", (Role.CONVENER,), f"ward:{ward_id}")
    analyst = reader("analyst", (Role.ANALYST,), "municipality:KZN225")
    cleared = reader("cleared", (Role.ANALYST,), "municipality:KZN225", PII_READ)

    shown = {
        who: (await http.get(url)).text
        for who, http in (("convener", convener), ("analyst", analyst), ("cleared", cleared))
    }

    # Then the ward's convener and an analyst with pii:read see the name; without it, not
    assert name in shown["convener"] and name in shown["cleared"]
    assert name not in shown["analyst"]
    assert household_id[:8] in shown["analyst"]
    assert "Overdue referrals" in shown["analyst"]


async def test_small_counts_are_suppressed_in_the_imbizo_report(
    web: FastAPI, application: Sukuma, broad: httpx.AsyncClient, ward_id: str
) -> None:
    client = broad
    for _ in range(3):
        await profiled_household(client, ward_id)
    project(application)

    page = (await client.get(f"/v1/reports/imbizo/ward/{ward_id}?lang=en")).text

    assert "<dt>Households registered</dt><dd>&lt;5</dd>" in page
    assert "<dt>Households registered</dt><dd>3</dd>" not in page


async def test_imbizo_questions_are_recorded_answered_and_told_back(
    web: FastAPI, application: Sukuma, broad: httpx.AsyncClient, ward_id: str
) -> None:
    client = broad
    room = await post_ok(client, "/v1/war-rooms", {"ward_id": ward_id, "name": "Ward war room"})
    held = date.today().isoformat()
    asked = await post_ok(
        client,
        f"/v1/war-rooms/{room['id']}/imbizo-questions",
        {"imbizo_on": held, "question": "When will the water tanker come every week?"},
    )
    url = f"/v1/war-rooms/{room['id']}/imbizo-questions/{asked['question_id']}/answer"
    await post_ok(client, url, {"outcome": "done", "answer": "A weekly schedule is agreed"})
    again = await client.post(url, json={"outcome": "in_progress", "answer": "more"})
    project(application)

    read = (await client.get(f"/v1/war-rooms/{room['id']}")).json()
    report = (await client.get(f"/v1/reports/imbizo/ward/{ward_id}?lang=en")).text

    assert (again.status_code, again.json()["rule"]) == (409, "imbizo-question-final")
    assert [(q["question"], q["outcome"], q["answer"]) for q in read["imbizo_questions"]] == [
        ("When will the water tanker come every week?", "done", "A weekly schedule is agreed")
    ]
    assert "When will the water tanker come every week?" in report
    assert "A weekly schedule is agreed" in report


def test_one_command_prints_the_demo_wards_imbizo_report_in_isizulu(
    fresh_db_url: str, application: Sukuma, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SUKUMA_DATABASE_URL", fresh_db_url)
    monkeypatch.setenv("SUKUMA_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("SUKUMA_MASTER_KEY", TEST_MASTER_KEY)
    runner = CliRunner()
    printed = tmp_path / "imbizo.pdf"

    done = runner.invoke(
        cli,
        ["report", "imbizo", "--demo", "--demo-households", "20", "--lang", "zu",
         "--output", str(printed)],
    )  # fmt: skip
    ward = first_ward(application)
    pack = runner.invoke(
        cli, ["report", "meeting-pack", "ward", str(ward), "--output", str(tmp_path / "p.pdf")]
    )
    wrong = runner.invoke(cli, ["report", "monthly", "ward", str(ward)])

    assert done.exit_code == 0, done.output
    text = words(text_of(printed.read_bytes()))
    assert "Umbiko wewadi embizweni" in text and str(ward) in text
    assert pack.exit_code == 0, pack.output
    assert "Overdue referrals" in words(text_of((tmp_path / "p.pdf").read_bytes()))
    assert wrong.exit_code == 2 and "LEVEL" in wrong.output


async def test_a_signed_in_reader_prints_a_report_from_the_workspace(
    web: FastAPI, application: Sukuma, broad: httpx.AsyncClient, ward_id: str
) -> None:
    await profiled_household(broad, ward_id)
    project(application)
    user(application, "zanele", Role.CONVENER, f"ward:{ward_id}")
    page = f"/reports/imbizo/ward/{ward_id}"
    async with browser(web) as http:
        before = await http.get(page)
        await sign_in(http, "zanele")
        shown = await http.get(page, params={"lang": "zu"})
        printed = await http.get(page, params={"format": "pdf"})
        elsewhere = await http.get("/reports/imbizo/ward/KZN225-W002")

    assert before.status_code == 303 and "/sign-in" in before.headers["location"]
    assert shown.status_code == 200 and "Umbiko wewadi embizweni" in shown.text
    assert printed.headers["content-type"] == "application/pdf"
    assert elsewhere.status_code == 404


def body_of(page: str) -> str:
    """A report's page less its header (which says when it was made and from which position)."""
    return page.split("</header>", 1)[1]


@pytest.mark.usefixtures("recorded_by_clock")  # events recorded at the app clock's time
async def test_a_monthly_report_made_on_day_d_is_made_again_unchanged_as_of_d(
    web: FastAPI, application: Sukuma, broad: httpx.AsyncClient, clock: Clock, ward_id: str
) -> None:
    day_before, day = clock.now.date(), clock.now.date() + timedelta(days=1)
    # Given cases recorded the day before D and on D
    await case(broad, ward_id, at(clock, day_before))
    await case(broad, ward_id, at(clock, day_before), acknowledge=at(clock, day_before, 9))
    clock.advance(days=1)
    await case(broad, ward_id, at(clock, day), acknowledge=at(clock, day, 9))
    project(application)
    url = "/v1/reports/monthly/municipality/KZN225"
    # When the monthly report is made on D
    made_on_d = body_of((await broad.get(url, params={"lang": "en"})).text)

    # And the log grows the next day, a case backdated to before D and acknowledged on D too
    clock.advance(days=1)
    await case(broad, ward_id, at(clock, day + timedelta(days=1)))
    await case(broad, ward_id, at(clock, day_before, 15), acknowledge=at(clock, day, 10))
    project(application)
    asked_later = await broad.get(url, params={"lang": "en", "as_of": day.isoformat()})
    today = body_of((await broad.get(url, params={"lang": "en"})).text)

    # Then the report asked later as of D is the one made on D, charts included, byte for byte
    assert body_of(asked_later.text) == made_on_d
    assert today != made_on_d
