"""The Results and Delivery routine's printed reports over HTTP through the ASGI app, against a
real PostgreSQL: a task team's stocktake pack and monthly note for the demo's year, in English
and isiZulu, as HTML and PDF (opened with pypdf, its figures checked against the API's), one
priority's note, who may print them, and the command that prints them."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from domain.access.principal import Role
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from sukuma.cli import cli
from sukuma.demo import generate
from sukuma.demo.users import first_ward
from tests.conftest import TEST_MASTER_KEY, TEST_SECRET_KEY
from tests.integration.conftest import Clock
from tests.integration.test_reports import ARTIFACTS, draw, text_of, words
from tests.integration.test_reports import reader as reader
from tests.integration.test_reports import web as web
from tests.integration.test_views_api import project

GRADUATION = "Households graduate out of poverty"
PROFILING = "Every household profiled"


def one(value: float | None) -> str:
    """A figure as the reports print it (rounded to one decimal)."""
    assert value is not None
    return f"{round(value, 1)}"


@pytest.fixture
async def demo(application: Sukuma, clock: Clock, reader: Any) -> dict[str, Any]:
    """The demo's year, projected; its municipality, priorities and targets as the API reads
    them (the graduation target is the one off its trajectory), and a province's analyst."""
    http = reader("probe", (Role.ANALYST,), "province:KZN")
    generate(application, 60, 11, now=clock.now)
    project(application)
    ward = first_ward(application)
    assert ward is not None
    municipality = geography().ward(ward).municipality_code
    listed = (await http.get(f"/v1/priorities?team=LTT&team_code={municipality}")).json()
    priorities = {p["title"]: p for p in listed["data"]}
    graduation_id = priorities[GRADUATION]["priority_id"]
    graduation = (await http.get(f"/v1/priorities/{graduation_id}")).json()
    target_id = graduation["targets"][0]["target_id"]
    target = (await http.get(f"/v1/targets/{target_id}")).json()
    stocktakes = (await http.get("/v1/stocktakes")).json()["data"]
    return {
        "municipality": municipality,
        "priorities": priorities,
        "graduation": graduation,
        "target": target,
        "last_stocktake": stocktakes[0],
        "probe": http,
    }


async def test_the_stocktake_pack_and_monthly_note_print_for_the_demo_in_both_languages(
    web: FastAPI, demo: dict[str, Any], reader: Any
) -> None:
    # Given the demo's year of the routine, read by an analyst of its municipality
    municipality = demo["municipality"]
    http = reader("nerve", (Role.ANALYST,), f"municipality:{municipality}")

    texts: dict[tuple[str, str], str] = {}
    for kind in ("stocktake-pack", "monthly-note"):
        for lang in ("en", "zu"):
            url = f"/v1/reports/{kind}/municipality/{municipality}"
            # When each is asked for as a page and as a PDF
            page = await http.get(url, params={"lang": lang})
            printed = await http.get(url, params={"lang": lang, "format": "pdf"})

            # Then both answer in that language, saying what they were made from
            assert page.status_code == 200, (kind, lang, page.text[:300])
            assert page.headers["content-language"] == lang
            position = page.headers["x-sukuma-position"]
            assert printed.headers["content-type"] == "application/pdf", printed.text[:300]
            text = words(text_of(printed.content))
            assert position in text
            assert draw(printed.content, f"{kind}-{lang}") >= 1
            (ARTIFACTS / f"{kind}-{lang}.html").write_text(page.text)
            texts[kind, lang] = text

    # The pack: a chart per target, the figures the API shows, the ratings and the actions
    pack = texts["stocktake-pack", "en"]
    page = (await http.get(f"/v1/reports/stocktake-pack/municipality/{municipality}")).text
    assert page.count('<img class="chart" src="data:image/svg+xml;base64,') == 2
    assert GRADUATION in pack and PROFILING in pack
    months = demo["target"]["months"]
    known = [m for m in months if m["actual"] is not None]
    last = known[-1]
    assert f"{one(last['planned'])} {one(last['actual'])}" in pack
    suggested = ("1 red", "2 amber-red", "3 amber-green", "4 green")[last["proposed_rating"] - 1]
    assert f"Suggested rating {suggested}" in pack
    # the demo's last stocktake rated graduation red, problem level 3, with an action open
    assert "1 red: highly problematic; 3 intensive problem-solving" in pack
    stocktake = demo["last_stocktake"]
    open_action = next(a for a in stocktake["actions"] if a["status"] == "open")
    assert f"{open_action['text']} {open_action['owner']}" in pack
    assert "overdue" in pack
    for decision in (d for r in stocktake["reviews"] for d in r["decisions"]):
        assert decision in pack
    assert "Iphakethe lokuhlola inqubekela phambili" in texts["stocktake-pack", "zu"]
    assert "1 obomvu: kunezinkinga ezinkulu kakhulu" in texts["stocktake-pack", "zu"]

    # The monthly note: this month's note on the graduation priority and the open action
    note = texts["monthly-note", "en"]
    latest = max(demo["graduation"]["notes"], key=lambda n: (n["month"], n["written_on"]))
    assert words(latest["text"]) in note
    assert open_action["text"] in note
    assert f"{one(last['actual'])}" in note
    assert "Inothi lokulethwa kwenyanga" in texts["monthly-note", "zu"]


async def test_a_monthly_note_of_one_priority_and_who_may_print_the_packs(
    web: FastAPI, application: Sukuma, demo: dict[str, Any], reader: Any, clock: Clock
) -> None:
    probe = demo["probe"]
    municipality = demo["municipality"]
    graduation = demo["graduation"]["priority_id"]
    note = f"/v1/reports/monthly-note/municipality/{municipality}"
    pack = f"/v1/reports/stocktake-pack/municipality/{municipality}"
    analyst = reader("nerve", (Role.ANALYST,), f"municipality:{municipality}")
    elsewhere = reader("elsewhere", (Role.ANALYST,), "district:ETH")

    # One priority's note holds that priority only
    one_note = await analyst.get(note, params={"priority": graduation, "lang": "en"})
    assert one_note.status_code == 200, one_note.text[:300]
    assert GRADUATION in one_note.text and PROFILING not in one_note.text
    # A priority of no such team's, or asked of another kind, is refused
    stranger = await analyst.get(note, params={"priority": demo["target"]["target_id"]})
    wrong_kind = await analyst.get(pack, params={"priority": graduation})
    assert stranger.status_code == 404
    assert (wrong_kind.status_code, wrong_kind.json()["detail"][0]["loc"]) == (
        422,
        ["query", "priority"],
    )
    # A ward is not a team's area; another area's analyst sees neither report
    ward = f"/v1/reports/stocktake-pack/ward/{first_ward(application)}"
    assert (await analyst.get(ward)).json()["detail"][0]["loc"] == ["path", "level"]
    assert (await elsewhere.get(pack)).status_code == 404
    assert (await elsewhere.get(note)).status_code == 404
    # Neither is made as of an earlier day (their lists keep no history): a 422 on as_of
    yesterday = (clock().astimezone(UTC).date() - timedelta(days=1)).isoformat()
    for path in (pack, note):
        earlier = await analyst.get(path, params={"as_of": yesterday})
        assert (earlier.status_code, earlier.json()["detail"][0]["loc"]) == (
            422,
            ["query", "as_of"],
        )
    # The province's team has no priority in the demo: its pack says so
    ptt = await probe.get("/v1/reports/stocktake-pack/province/KZN", params={"lang": "en"})
    assert ptt.status_code == 200 and "This task team has no priority yet." in ptt.text


def test_the_command_prints_the_demo_teams_stocktake_pack(
    fresh_db_url: str, application: Sukuma, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SUKUMA_DATABASE_URL", fresh_db_url)
    monkeypatch.setenv("SUKUMA_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("SUKUMA_MASTER_KEY", TEST_MASTER_KEY)
    runner = CliRunner()
    printed = tmp_path / "pack.pdf"

    done = runner.invoke(
        cli,
        ["report", "stocktake-pack", "--demo", "--demo-households", "20", "--lang", "zu",
         "--output", str(printed)],
    )  # fmt: skip
    ward = first_ward(application)
    assert ward is not None
    municipality = geography().ward(ward).municipality_code
    note = runner.invoke(
        cli,
        ["report", "monthly-note", "municipality", municipality, "--format", "html",
         "--output", str(tmp_path / "note.html")],
    )  # fmt: skip

    assert done.exit_code == 0, done.output
    text = words(text_of(printed.read_bytes()))
    assert "Iphakethe lokuhlola inqubekela phambili" in text and GRADUATION in text
    assert note.exit_code == 0, note.output
    assert "Monthly delivery note" in (tmp_path / "note.html").read_text()
