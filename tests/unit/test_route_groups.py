"""Route groups change how fast a request finds its route, never which route it finds: the app
built with them answers, documents and names its routes exactly as the app whose routers are
included straight in (main's way before), and a request skips a router not its own."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts
from pydantic import SecretStr
from starlette.routing import Match, Mount

from api import route_groups
from api.main import create_app
from api.route_groups import RouteGroup, head
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from tests.conftest import TEST_MASTER_KEY, TEST_SECRET_KEY
from web import install

ROOM = "00000000-0000-0000-0000-000000000000"
#: Requests answered before any database read: pages (a redirect to sign-in), API reads
#: (401), 404s, 405s and their Allow, slash redirects, mounts, a root path.
REQUESTS = [
    ("GET", "/"),
    ("GET", f"/war-rooms/{ROOM}"),
    ("GET", f"/war-rooms/{ROOM}/"),
    ("GET", f"/v1/war-rooms/{ROOM}"),
    ("GET", "/v1/war-rooms/"),
    ("DELETE", "/v1/war-rooms"),
    ("OPTIONS", "/v1/referrals"),
    ("PUT", "/board"),
    ("POST", "/healthz"),
    ("GET", "/board/"),
    ("GET", "//board"),
    ("GET", "/v1"),
    ("GET", "/v1/"),
    ("GET", "/v1/nowhere"),
    ("GET", "/nowhere"),
    ("GET", "/v1/me/"),
    ("GET", "/v1/alerts.csv"),
    ("GET", "/v1/indicators/ward/x.csv"),
    ("GET", "/v1/referrals/not-a-uuid"),
    ("GET", "/households/not-a-uuid"),
    ("GET", "/openrosa/formList"),
    ("HEAD", "/openrosa/submission"),
    ("GET", "/v1/reports/ward/ward/x"),
    ("GET", "/reports/ward/ward/x"),
    ("GET", "/assets/nothing.css"),
    ("GET", "/redoc"),
    ("GET", "/metrics/"),
]


def _app(popo_app: Sukuma, tmp_path: Path) -> FastAPI:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url="postgresql://nobody@localhost/never-opened",
        data_dir=tmp_path,
        secret_key=SecretStr(TEST_SECRET_KEY),
        master_key=SecretStr(TEST_MASTER_KEY),
    )
    return install(create_app(settings, popo_app))


def _included_straight(app: FastAPI, router: APIRouter, **kwargs: Any) -> None:
    app.include_router(router, **kwargs)


async def _answers(app: FastAPI, root_path: str = "") -> dict[str, tuple[Any, ...]]:
    out = {}
    transport = httpx.ASGITransport(app=app, root_path=root_path)
    async with httpx.AsyncClient(transport=transport, base_url="http://w") as http:
        for method, path in REQUESTS:
            answer = await http.request(method, root_path + path)
            headers = answer.headers
            out[f"{method} {path}"] = (
                answer.status_code,
                headers.get("location"),
                headers.get("allow"),
                headers.get("www-authenticate"),
                answer.content if b"csrf" not in answer.content else "a page with a form",
            )
    return out


def _names(app: FastAPI) -> dict[str, str]:
    """Every route's URL by its name (``url_path_for``, as templates and redirects use it)."""
    out = {}
    for context in iter_route_contexts(app.routes):
        if context.name is not None and context.path is not None:
            params = {p: "x" for p in re.findall(r"\{(\w+)", context.path)}
            if isinstance(context.original_route, Mount):
                params["path"] = "x"  # a mount's file
            out[f"{context.name} {sorted(params)}"] = str(app.url_path_for(context.name, **params))
    return out


async def test_the_grouped_app_is_the_app_with_its_routers_included_straight_in(
    popo_app: Sukuma, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    grouped = _app(popo_app, tmp_path)
    monkeypatch.setattr(route_groups, "include", _included_straight)
    straight = _app(popo_app, tmp_path)

    # The OpenAPI document byte for byte, the routes' names, and every answer.
    assert grouped.openapi() == straight.openapi()
    assert repr(grouped.openapi()) == repr(straight.openapi())
    assert _names(grouped) == _names(straight)
    assert len(_names(grouped)) > 150
    for root_path in ("", "/base"):
        assert await _answers(grouped, root_path) == await _answers(straight, root_path)


def test_a_route_head_is_the_literal_start_every_matching_path_has() -> None:
    assert head("/war-rooms/{room_id}") == ("war-rooms",)
    assert head("/v1/war-rooms/{room_id}/agenda") == ("v1", "war-rooms")
    assert head("/v1/alerts.csv") == ("v1", "alerts.csv")
    assert head("/key/{token}/openrosa/formList") == ("key",)
    assert head("/") == ("",)
    assert head("/{anything}") == ()


def _scope(path: str, root_path: str = "") -> dict[str, Any]:
    return {"type": "http", "method": "GET", "path": path, "root_path": root_path}


async def test_a_group_skips_a_path_none_of_its_routes_can_match() -> None:
    rooms = APIRouter()
    rooms.add_api_route("/war-rooms/{room_id}", lambda room_id: room_id)
    group = RouteGroup(rooms, "/v1")
    for path in ("/war-rooms/x", "/v1/referrals/x", "/v1", "/v1/war-rooms"):
        assert group.matches(_scope(path)) == (Match.NONE, {}), path
    assert group.matches(_scope("/base/war-rooms/x", "/base")) == (Match.NONE, {})

    # In an app, its own paths still reach it; one whose first segment is a parameter may
    # match any path, so its group always tries it.
    anywhere = APIRouter()
    anywhere.add_api_route("/{page}", lambda page: page)
    app = FastAPI()
    route_groups.include(app, rooms, prefix="/v1")
    route_groups.include(app, anywhere)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://w") as http:
        assert (await http.get("/v1/war-rooms/x")).json() == "x"
        assert (await http.get("/board")).json() == "board"
        assert (await http.get("/v1/war-rooms/x/y")).status_code == 404
