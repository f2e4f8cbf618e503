"""Server time of every list page of the web workspace at province scale, against the API's
matching reads in the same run.

    python -m bench.web [--households 3000000] [--repeat 100] [--only PATH]
                        [--keep | --database-url URL]

One database is filled in SQL, in minutes at 3 million households (a few per part printed):

- as ``bench.queries`` fills today's nerve-centre tables (its ``fill`` without the histories
  that only reads as of a past day take): the households, half as many referrals, the
  roll-ups derived from them, a year of daily flows for every area, and M9's figures by
  ward and week (``ward_weeks``) from the wards' daily rows;
- the early-warning tables and every current match's open alert, as ``bench.rules`` fills
  them (about 1.1 million open alerts at 3 million households), and the alert queue's counts
  by group as the alerts projection keeps them;
- one war room per ward (12 members, 4 of them department seats; a year of weekly meetings;
  150 action items, a third open);
- the names view: every household's head named, sealed and its data key wrapped as the event
  store does (``bench._names``), half the referrals sharing personal data.

The density is the same at every size (a ward's households and referrals grow with the
count; its war room and daily flows do not). The app is the one ``sukuma serve`` serves (API
and pages), called in process through its ASGI interface, so what is timed is the server's
work for one request: each page as a signed-in user, and the API request(s) that read the
same data (summed when a page shows what several API reads return), alternately. A named list
(a reader with ``pii:read``) is paired with the API's same list with ``?names=true`` (the same
names, logged alike), and also timed against that list without names: both ratios printed.

Targets: every page's p95 <= 100 ms, and <= 1.5x the p95 of its API reads.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import httpx
import psycopg
from fastapi import FastAPI

from adapters.database import create_database, drop_database
from adapters.migrations import migrate
from adapters.passwords import hash_password
from api.main import create_app
from bench._names import fill_names
from bench._server import server
from bench.queries import TODAY, fill
from bench.rules import fill_early_warning
from domain.access.principal import Role
from domain.context import CommandContext
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from projections.alerts.view import ALERTS, GROUPS
from projections.war_rooms.view import ROOMS
from sukuma.settings import Settings
from sukuma.wiring import build_application, freeze_start_up_heap
from web import install

PASSWORD = "bench-web-password"
NOW = datetime.combine(TODAY, datetime.min.time(), UTC) + timedelta(hours=10)
CSRF = re.compile(r'name="csrf" value="([^"]+)"')

# One war room per ward, as a year of the programme leaves it: 12 members (4 department seats),
# 52 weekly meetings, 150 action items (a third open, due over the last and next months).
WAR_ROOMS = f"""INSERT INTO {ROOMS} SELECT
    md5(w.ward || 'wr')::uuid, w.ward, w.muni, w.dist, 'War room ' || w.ward, 7,
    %(today)s - 400, %(today)s - 3, 52,
    (SELECT jsonb_agg(jsonb_build_object('member_id', md5(w.ward || 'm' || k)::uuid,
        'name', 'Member ' || k,
        'seat', CASE WHEN k = 1 THEN 'convener' WHEN k <= 5 THEN 'department'
                     ELSE 'field_worker' END,
        'department', CASE WHEN k BETWEEN 2 AND 5
                           THEN (ARRAY['SASSA','DHA','DSD','DOH'])[k - 1] END,
        'active', true, 'joined_on', %(today)s - 400, 'left_on', NULL))
        FROM generate_series(1, 12) k),
    (SELECT jsonb_agg(jsonb_build_object('meeting_id', md5(w.ward || 'mt' || k)::uuid,
        'held_on', %(today)s - 3 - 7 * k,
        'attendee_member_ids', (SELECT jsonb_agg(md5(w.ward || 'm' || a)::uuid)
                                FROM generate_series(1, 4 + k %% 4) a),
        'departments_present', (SELECT jsonb_agg(d) FROM unnest((ARRAY['SASSA','DHA','DSD','DOH'])
                                [1:3 + k %% 2]) d),
        'households_discussed', '[]'::jsonb, 'notes', 'Weekly meeting'))
        FROM generate_series(0, 51) k),
    (SELECT jsonb_agg(jsonb_build_object('item_id', md5(w.ward || 'ai' || k)::uuid,
        'text', 'Follow up ' || k, 'owner_member_id', md5(w.ward || 'm' || (1 + k %% 12))::uuid,
        'due_on', %(today)s - 120 + k, 'meeting_id', NULL,
        'status', CASE WHEN k %% 3 = 0 THEN 'open' ELSE 'done' END,
        'agreed_on', %(today)s - 130 + k,
        'done_on', CASE WHEN k %% 3 = 0 THEN NULL ELSE %(today)s - 125 + k END))
        FROM generate_series(1, 150) k),
    1, 0
    FROM unnest(%(wards)s::text[], %(munis)s::text[], %(dists)s::text[]) AS w(ward, muni, dist)"""
# The alert queue's counts, as the alerts projection would have kept them for these alerts.
ALERT_GROUPS = f"""INSERT INTO {GROUPS} SELECT rule, level, coalesce(ward_id, ''),
    coalesce(municipality, ''), coalesce(district, ''), coalesce(department, ''), count(*),
    count(*) FILTER (WHERE status = 'open'), min(raised_at), min(level_since)
    FROM {ALERTS} WHERE status <> 'resolved' GROUP BY 1, 2, 3, 4, 5, 6"""


def fill_web(url: str) -> tuple[int, int]:
    """War rooms and the alert queue's counts; returns (war rooms, open alerts)."""
    wards = geography().wards
    params = {
        "wards": [w.id for w in wards],
        "munis": [w.municipality_code for w in wards],
        "dists": [w.district_code for w in wards],
        "today": TODAY,
    }
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(WAR_ROOMS, params)
        conn.execute(ALERT_GROUPS)
        # the other tables were vacuumed by the fills before
        conn.execute(f"VACUUM ANALYZE {ROOMS}, {GROUPS}, {ALERTS}")
        rooms = conn.execute(f"SELECT count(*) FROM {ROOMS}").fetchone()
        alerts = conn.execute(
            f"SELECT count(*) FROM {ALERTS} WHERE status <> 'resolved'"
        ).fetchone()
    return int(rooms[0]) if rooms else 0, int(alerts[0]) if alerts else 0


def fill_all(url: str, households: int) -> tuple[int, int, dict[str, float]]:
    """Every table the pages read; returns (war rooms, open alerts, seconds a part)."""
    parts: dict[str, float] = {}
    started = time.perf_counter()
    fill(url, households, histories=False)
    parts["nerve centre"] = time.perf_counter() - started
    fill_early_warning(url, households)
    parts["early warning"] = time.perf_counter() - started - sum(parts.values())
    rooms, alerts = fill_web(url)
    parts["war rooms and queue"] = time.perf_counter() - started - sum(parts.values())
    master_key = Settings(database_url=url, data_dir=Path(tempfile.mkdtemp())).master_key
    fill_names(url, master_key.get_secret_value())
    parts["names"] = time.perf_counter() - started - sum(parts.values())
    return rooms, alerts, parts


def users(app: Sukuma, ward: str, municipality: str) -> None:
    ctx = CommandContext(actor="bench", occurred_at=datetime.now(UTC))
    digest = hash_password(PASSWORD)
    known = {u.username for u in app.users()}  # a database filled by an earlier run has them
    for name, role, scopes in (
        ("convener", Role.CONVENER, [f"ward:{ward}"]),
        ("officer", Role.DEPARTMENT_OFFICER, [f"municipality:{municipality}", "department:SASSA"]),
        ("analyst", Role.ANALYST, [f"province:{geography().province.code}"]),
        # Readers of names (pii:read): lists name households from the names view.
        ("convener_pii", Role.CONVENER, [f"ward:{ward}", "pii:read"]),
        (
            "officer_pii",
            Role.DEPARTMENT_OFFICER,
            [f"municipality:{municipality}", "department:SASSA", "pii:read"],
        ),
        ("analyst_pii", Role.ANALYST, [f"province:{geography().province.code}", "pii:read"]),
    ):
        if name not in known:
            app.add_user(username=name, roles=[role], scopes=scopes, password_hash=digest, ctx=ctx)


class Pair(NamedTuple):
    """A page, who reads it, the API reads of the same data and, for a named list, the same
    API reads without names (the comparator before the API could name: a second ratio)."""

    who: str
    page: str
    reads: list[str]
    unnamed: tuple[str, ...] = ()


def pairs(ward: str, municipality: str, district: str) -> list[Pair]:
    """Every page timed, with its API reads."""
    room = uuid.UUID(hashlib.md5(f"{ward}wr".encode()).hexdigest())
    area = f"district={district}"
    group = f"rule=EW-01&level=1&{area}"
    board = "/v1/referrals?limit=200"
    households = f"/v1/households?ward={ward}&limit=100"
    inbox = f"/v1/referrals?municipality={municipality}&limit=200"
    return [
        # Named lists: the province's 200 most overdue referrals (every household the
        # analyst's to see by name), a ward's households, an officer's inbox (named through
        # the referrals sharing personal data: half of them).
        # Each against the API's same list with ?names=true (the same names, logged alike),
        # and without it.
        Pair("analyst_pii", "/board", [f"{board}&names=true"], (board,)),
        Pair("convener_pii", "/households", [f"{households}&names=true"], (households,)),
        Pair("officer_pii", "/inbox", [f"{inbox}&names=true"], (inbox,)),
        Pair("convener", "/board", [f"/v1/referrals?ward={ward}&limit=200"]),
        Pair("convener", "/households", [households]),
        Pair("officer", "/inbox", [inbox]),
        Pair(
            "analyst",
            f"/nerve-centre/district/{district}",
            [
                f"/v1/dashboard/district/{district}",
                f"/v1/indicators/district/{district}",
                f"/v1/trends?level=district&code={district}&weeks=12",
                f"/v1/needs/heatmap?{area}",
                f"/v1/departments/performance?{area}",
            ],
        ),
        Pair("analyst", "/alerts", ["/v1/alerts/groups?by=district&limit=100"]),
        Pair("analyst", f"/alerts?{area}", [f"/v1/alerts/groups?by=municipality&{area}&limit=100"]),
        Pair("analyst", f"/alerts/group?{group}", [f"/v1/alerts?status=open&{group}&limit=50"]),
        Pair("convener", "/war-rooms", ["/v1/war-rooms"]),
        Pair("convener", f"/war-rooms/{room}", [f"/v1/war-rooms/{room}"]),
        Pair(
            "convener",
            f"/war-rooms/{room}/agenda",
            [
                f"/v1/war-rooms/{room}",
                f"/v1/referrals?ward={ward}&overdue=true&limit=50",
                f"/v1/alerts?status=open&ward={ward}&limit=50",
            ],
        ),
    ]


@contextmanager
def served(settings: Settings, url: str) -> Iterator[tuple[FastAPI, Sukuma]]:
    application = build_application(settings, url)
    try:
        api = install(create_app(settings, application, clock=lambda: NOW))
        # As the API's entry points do: unfrozen, a full collection walked this process's
        # heap (the fill's too) every few dozen requests, a 150-200 ms stall on the page or
        # the API read it happened to land in.
        freeze_start_up_heap()
        yield api, application
    finally:
        application.close()


async def sessions(api: FastAPI) -> dict[str, tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Per user: (a browser signed in to the pages, an API client with a bearer token)."""
    out = {}
    for name in {pair.who for pair in pairs("", "", "")}:
        browser = httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://w")
        form = await browser.get("/sign-in")
        token = CSRF.search(form.text)
        assert token is not None
        signed = await browser.post(
            "/sign-in", data={"csrf": token.group(1), "username": name, "password": PASSWORD}
        )
        assert signed.status_code == 303, signed.text[:300]
        answer = await browser.post("/v1/auth/token", data={"username": name, "password": PASSWORD})
        assert answer.status_code == 200, answer.text[:300]
        bearer = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=api), base_url="http://w", headers=bearer
        )
        out[name] = (browser, client)
    return out


async def _timed(http: httpx.AsyncClient, paths: Sequence[str]) -> float:
    started = time.perf_counter()
    for path in paths:
        answer = await http.get(path)
        if answer.status_code != 200:
            raise AssertionError(f"{path}: {answer.status_code} {answer.text[:300]}")
    return (time.perf_counter() - started) * 1000


#: Per page: its times, its API reads' times and (a named list's) the unnamed API reads' (ms).
Timings = dict[str, tuple[list[float], list[float], list[float]]]


async def timings(api: FastAPI, checks: list[Pair], repeat: int) -> Timings:
    """Each page and its API reads (and unnamed reads, if any), alternately after the same
    warm-up (ms)."""
    out: Timings = {}
    async with api.router.lifespan_context(api):
        clients = await sessions(api)
        try:
            for who, page, reads, unnamed in checks:
                browser, client = clients[who]
                for _ in range(5):
                    await _timed(browser, [page])
                    await _timed(client, reads)
                    await _timed(client, unnamed)
                pages: list[float] = []
                apis: list[float] = []
                plain: list[float] = []
                for _ in range(repeat):
                    pages.append(await _timed(browser, [page]))
                    apis.append(await _timed(client, reads))
                    if unnamed:
                        plain.append(await _timed(client, unnamed))
                out[f"{page} (pii:read)" if who.endswith("_pii") else page] = (pages, apis, plain)
        finally:
            for browser, client in clients.values():
                await browser.aclose()
                await client.aclose()
    return out


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[18]


def measure(url: str, only: str, repeat: int) -> Timings:
    """Sign the users in (created if missing) and time the pages whose path has ``only``."""
    settings = Settings(database_url=url, data_dir=Path(tempfile.mkdtemp()))
    ward = geography().wards_in("municipality", "KZN225")[3]
    checks = [
        c for c in pairs(ward.id, ward.municipality_code, ward.district_code) if only in c.page
    ]
    with served(settings, url) as (api, application):
        users(application, ward.id, ward.municipality_code)
        return asyncio.run(timings(api, checks, repeat))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=3_000_000)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--only", default="", help="only the pages whose path contains this")
    parser.add_argument(
        "--database-url",
        help="a database an earlier run filled (--keep): no new fill; migrated first, so a "
        "release's new indexes are built on the filled tables",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the filled database on BENCH_DATABASE_URL's server and print its URL",
    )
    args = parser.parse_args()
    if args.keep and not os.environ.get("BENCH_DATABASE_URL"):
        parser.error("--keep needs BENCH_DATABASE_URL: the embedded server is deleted after")

    if args.database_url:
        migrate(args.database_url, "public")
        results = measure(args.database_url, args.only, args.repeat)
    else:
        with server(Path(tempfile.mkdtemp(prefix="sukuma-bench-"))) as admin:
            name = f"bench_web_{uuid.uuid4().hex[:6]}"
            url = create_database(admin, name)
            migrate(url, "public")
            rooms, alerts, parts = fill_all(url, args.households)
            print(
                f"filled {args.households:,} households, {args.households // 2:,} referrals, "
                f"{alerts:,} open alerts and {rooms:,} war rooms in {sum(parts.values()):.0f} s "
                f"({', '.join(f'{part} {seconds:.0f} s' for part, seconds in parts.items())})"
            )
            results = measure(url, args.only, args.repeat)
            if args.keep:
                print(f"kept: --database-url '{url}'")
            else:
                drop_database(admin, name)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load}; {args.repeat} requests of each")
    # A named list against its API list with ?names=true, and (unnamed) against the same list
    # without names: the comparator before the API could name its rows.
    print(
        f"{'page':48} {'p50':>6} {'p95':>7} {'API p95':>8} {'ratio':>6} {'unnamed':>8} {'ratio':>6}"
    )
    slowest, worst = 0.0, 0.0
    for page, (pages, apis, plain) in results.items():
        p95, api_p95 = _p95(pages), _p95(apis)
        slowest, worst = max(slowest, p95), max(worst, p95 / api_p95)
        versus = f" {_p95(plain):8.1f} {p95 / _p95(plain):6.2f}" if plain else ""
        print(
            f"{page[:48]:48} {statistics.median(pages):6.1f} {p95:7.1f} {api_p95:8.1f} "
            f"{p95 / api_p95:6.2f}{versus}"
        )
    print(f"slowest page p95: {slowest:.1f} ms (target <= 100)")
    print(f"worst ratio page p95 / API p95: {worst:.2f} (target <= 1.5; named lists: named API)")


if __name__ == "__main__":
    main()
