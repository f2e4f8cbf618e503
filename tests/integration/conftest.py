"""HTTP through the ASGI app against a real PostgreSQL database (one fresh database per test)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from api.main import create_app
from domain.application import Sukuma
from domain.reference.geography import geography
from sukuma.settings import Settings
from sukuma.wiring import build_application


class Clock:
    """A controllable clock: tests move time forward instead of sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def application(settings: Settings) -> Iterator[Sukuma]:
    assert settings.database_url is not None
    application = build_application(settings, settings.database_url)
    yield application
    application.close()


@pytest.fixture
async def client(
    settings: Settings, application: Sukuma, clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    """The HTTP client, with the app's lifespan run (it opens and closes the read pool)."""
    api = create_app(settings, application, clock=clock)
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://sukuma.test", headers={"X-Actor": "tester"}
        ) as http:
            yield http


@pytest.fixture
def ward_id() -> str:
    return geography().wards_in("municipality", "KZN225")[0].id


@pytest.fixture
def other_ward_id() -> str:
    return geography().wards_in("municipality", "KZN225")[1].id
