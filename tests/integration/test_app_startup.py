"""The app starts the way `sukuma serve` starts it: embedded mode knows its URL only at run time."""

from __future__ import annotations

from pathlib import Path

import httpx

from api.main import create_app
from domain.access.principal import Role
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from sukuma.wiring import build_projector
from tests.integration.conftest import BROAD_SCOPES, add_user, bearer


async def test_app_starts_with_a_database_url_given_apart_from_settings(
    application: Sukuma, fresh_db_url: str, tmp_path: Path
) -> None:
    settings = Settings(_env_file=None, database_url=None, data_dir=tmp_path)  # type: ignore[call-arg]
    api = create_app(settings, application, database_url=fresh_db_url)

    add_user(application, "tester", tuple(Role), BROAD_SCOPES)
    build_projector(application).run_once()  # as serve does: views caught up before serving

    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://sukuma.test") as http:
            ready = await http.get("/readyz")
            dashboard = await http.get(
                "/v1/dashboard/province/KZN", headers=bearer(api, application, "tester")
            )

    assert ready.status_code == 200
    assert dashboard.status_code == 200
    assert dashboard.json()["households"]["total"] == 0
