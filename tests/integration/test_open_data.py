"""Open data through HTTP against a real PostgreSQL: cases recorded with the command API in a
past month, projected, the closed month released, then read without signing in; and the
attacker, who adds one household and compares every published table before and after."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from api.main import create_app
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from projections.open_data.release import MEASURES, Publisher, _row
from projections.registry import open_projections
from projections.runner import BatchRunner
from sukuma.settings import Settings
from tests.factories import make_profile
from tests.integration.conftest import BASE_URL, Clock
from tests.integration.helpers import post_ok

K = 5
WARD_A, WARD_B = (w.id for w in geography().wards_in("municipality", "KZN225")[:2])


def project(application: Sukuma) -> None:
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    recorder: Any = application.recorder
    BatchRunner(recorder, application.name, open_projections(datastore, ["open_data"])).run_once()


GRACE_DAYS = 7  # a month closes a week after its end (``due_months``)


def publisher(application: Sukuma) -> Publisher:
    return Publisher(application.factory.datastore, k=K, grace_days=GRACE_DAYS)  # type: ignore[attr-defined]


def closed_month(clock: Clock) -> date:
    """The latest month closed, its grace week too, by the clock: no later month is due yet
    (from the 8th, 40 days back had been the month before the last closed one, so two months
    were due), and its days lie inside the backdating window."""
    back = clock.now.date() - timedelta(days=GRACE_DAYS)  # a month is closed if it ended by then
    return (date(back.year, back.month, 1) - timedelta(days=1)).replace(day=1)


async def household_served(
    http: httpx.AsyncClient, ward_id: str, day: datetime, department: str = "SASSA"
) -> str:
    """A household registered, profiled, with a need referred and delivered three days later."""
    at = day.isoformat()
    body = {"ward_id": ward_id, "dwelling_type": "informal", "occurred_at": at}
    created = await post_ok(http, "/v1/households", body)
    hh = created["id"]
    await post_ok(
        http, f"/v1/households/{hh}/profile", {"profile": make_profile(), "occurred_at": at}
    )
    need = await post_ok(
        http, f"/v1/households/{hh}/needs",
        {"category": "social_grant", "severity": "high", "occurred_at": at},
    )  # fmt: skip
    referral = await post_ok(
        http, "/v1/referrals",
        {"id": str(uuid4()), "household_id": hh, "need_id": need["need_id"],
         "department": department, "occurred_at": at},
    )  # fmt: skip
    rid = referral["id"]
    await post_ok(http, f"/v1/referrals/{rid}/acknowledge", {"occurred_at": at})
    delivered = (day + timedelta(days=3)).isoformat()
    await post_ok(http, f"/v1/referrals/{rid}/deliver", {"occurred_at": delivered})
    return str(rid)


async def seed(client: httpx.AsyncClient, day: datetime) -> None:
    for _ in range(6):
        await household_served(client, WARD_A, day)
    for _ in range(2):
        await household_served(client, WARD_B, day)


def day_in(month: date) -> datetime:
    return datetime(month.year, month.month, 5, 10, tzinfo=datetime.now().astimezone().tzinfo)


async def table(
    http: httpx.AsyncClient,
    month: date,
    measure: str,
    headers: dict[str, str] | None = None,
    **params: str,
) -> httpx.Response:
    url = f"/open/v1/releases/{month:%Y-%m}/{measure}"
    return await http.get(url, params=params, headers=headers)


def by_area(rows: list[dict[str, Any]], dim: str = "") -> dict[str, int | None]:
    return {r["code"]: r["value"] for r in rows if r["dim"] == dim}


async def test_a_closed_month_is_released_with_small_counts_suppressed_without_sign_in(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, application: Sukuma, clock: Clock
) -> None:
    month = closed_month(clock)
    await seed(client, day_in(month))
    project(application)

    assert month in publisher(application).publish_due(clock.now)

    releases = (await anonymous.get("/open/v1/releases")).json()["data"]
    assert [r["month"] for r in releases] == [f"{month:%Y-%m}"]
    profiled = await table(anonymous, month, "households_profiled", within="KZN225")
    assert profiled.status_code == 200, profiled.text
    areas = by_area(profiled.json()["rows"])
    # Ward A's 6 are shown; ward B's 2 are not, nor the smallest other ward suppressed beside
    # it (all zero here), so 8 - 6 leaves B's count shared with the zeros.
    assert areas["KZN225"] == 8 and areas[WARD_A] == 6 and areas[WARD_B] is None
    delivered = await table(anonymous, month, "referrals_delivered", within="KZN225")
    rows = delivered.json()["rows"]
    row = next(r for r in rows if r["code"] == WARD_A and r["dim"] == "SASSA")
    assert (row["value"], row["median_days"], row["suppressed"]) == (6, 3, False)
    assert row["standard_days"] is not None
    needs = by_area((await table(anonymous, month, "needs", level="ward")).json()["rows"],
                    "social_grant")  # fmt: skip
    assert needs[WARD_A] == 6 and needs[WARD_B] is None

    as_csv = await table(anonymous, month, "households_profiled", level="municipality",
                         within="KZN225", format="csv")  # fmt: skip
    assert as_csv.headers["content-type"].startswith("text/csv")
    lines = as_csv.text.splitlines()
    assert lines[0].startswith("month,measure,level,code,name,dim,value,suppressed")
    assert lines[1].startswith(f"{month:%Y-%m},households_profiled,municipality,KZN225,")

    etag = profiled.headers["etag"]
    match = {"If-None-Match": etag}
    again = await table(anonymous, month, "households_profiled", match, within="KZN225")
    assert again.status_code == 304 and again.headers["etag"] == etag
    assert profiled.headers["cache-control"] == "public, max-age=3600"
    assert (await table(anonymous, date(2001, 1, 1), "needs")).status_code == 404
    dictionary = (await anonymous.get("/open/v1/dictionary")).json()
    assert {m["name"] for m in dictionary["measures"]} == set(MEASURES)


async def test_the_attacker_adding_one_household_learns_nothing_from_any_published_table(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, application: Sukuma, clock: Clock
) -> None:
    month = closed_month(clock)
    await seed(client, day_in(month))
    project(application)
    publisher(application).publish_due(clock.now)
    stored = publisher(application).compute(month)

    async def every_table() -> dict[str, tuple[str, str]]:
        seen = {}
        for measure in MEASURES:
            for fmt in ("json", "csv"):
                answer = await table(anonymous, month, measure, format=fmt)
                assert answer.status_code == 200
                seen[f"{measure}.{fmt}"] = (answer.headers["etag"], answer.text)
        return seen

    before = await every_table()
    # The attacker adds one household in the small ward, in the released month and now.
    await household_served(client, WARD_B, day_in(month))
    await household_served(client, WARD_B, clock.now - timedelta(days=4))
    project(application)

    assert publisher(application).publish_due(clock.now) == []
    assert await every_table() == before  # byte for byte, ETags too: the release is frozen
    # Had the month been released with the household in it, what would have differed? Only
    # counts published with at least k households behind them, and the release passes its
    # audit (compute raises otherwise).
    counterfactual = {
        (c.measure, c.level, c.code, c.dim): c for c in publisher(application).compute(month)
    }
    changed = [c for c in stored if counterfactual.get(_key(c)) != c]
    assert changed  # the household is in there
    for cell in changed:
        other = counterfactual[_key(cell)]
        assert other.value is None or other.value >= K, (_row(cell), _row(other))


async def test_the_households_ratings_are_published_per_department_and_suppressed_alike(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, application: Sukuma, clock: Clock
) -> None:
    day = clock.now - timedelta(days=4)
    rated = [await household_served(client, WARD_A, day) for _ in range(6)]
    disputed = [await household_served(client, WARD_B, day) for _ in range(2)]
    for referral_id, body in [*((r, {"received": True, "rating": 4}) for r in rated),
                              *((r, {"received": False}) for r in disputed)]:  # fmt: skip
        code = (await client.get(f"/v1/referrals/{referral_id}/feedback-code")).json()["code"]
        answer = await anonymous.post("/open/v1/feedback", json={"code": code, **body})
        assert answer.status_code == 200, answer.text
    project(application)

    cells = publisher(application).compute(date(clock.now.year, clock.now.month, 1))

    def cell(measure: str, code: str) -> tuple[int | None, int | None] | None:
        found = [c for c in cells if (c.measure, c.code, c.dim) == (measure, code, "SASSA")]
        return (found[0].value, found[0].median_rating) if found else None

    assert cell("ratings", WARD_A) == (6, 4)
    assert cell("ratings", "KZN225") == (6, 4)
    # Two households said "not received" in ward B: too few to show anywhere up the tree (the
    # province's cell is suppressed, and what lies inside it is not even listed).
    assert cell("not_received", "KZN") == (None, None)
    assert cell("not_received", WARD_B) is None


def _key(cell: Any) -> tuple[str, str, str, str]:
    return (cell.measure, cell.level, cell.code, cell.dim)


def test_the_open_routes_are_public_in_the_openapi_document(api: FastAPI) -> None:
    paths = api.openapi()["paths"]
    opened = {p: ops for p, ops in paths.items() if p.startswith("/open/v1/")}
    assert set(opened) == {"/open/v1/dictionary", "/open/v1/releases",
                           "/open/v1/releases/{month}/{measure}", "/open/v1/feedback",
                           "/open/v1/feedback/sms"}  # fmt: skip
    assert all("security" not in op for ops in opened.values() for op in ops.values())
    assert "security" in paths["/v1/households"]["post"]
    assert all("429" in op["responses"] for ops in opened.values() for op in ops.values())


@pytest.fixture
async def limited(settings: Settings, application: Sukuma, clock: Clock) -> Any:
    app = create_app(settings.model_copy(update={"open_data_rate_limit": "3/minute"}),
                     application, clock=clock)  # fmt: skip
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 1234))
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            yield app, http


async def test_open_data_is_rate_limited_per_client_address(limited: Any) -> None:
    app, http = limited
    answers = [(await http.get("/open/v1/dictionary")).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = await http.get("/open/v1/releases")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    # Another address is counted apart.
    other = httpx.ASGITransport(app=app, client=("198.51.100.9", 1234))
    async with httpx.AsyncClient(transport=other, base_url=BASE_URL) as second:
        assert (await second.get("/open/v1/dictionary")).status_code == 200
