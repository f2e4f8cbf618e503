"""HTTP through the ASGI app against a real PostgreSQL database (one fresh database per test)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from functools import cache

import httpx
import pytest
from fastapi import FastAPI

from adapters.passwords import hash_password
from api.auth.service import Auth
from api.main import create_app
from domain.access.principal import PII_READ, Role
from domain.context import CommandContext
from domain.reference.departments import departments
from domain.reference.geography import PROVINCE_CODE, geography
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from sukuma.wiring import build_application

BASE_URL = "http://sukuma.test"
#: The password of every user the fixtures create.
TEST_PASSWORD = "test-password-123"
#: ``client``'s user: every role over the whole province and every department, with pii:read.
BROAD_SCOPES = (
    f"province:{PROVINCE_CODE}",
    PII_READ,
    *(f"department:{d.code}" for d in departments()),
)

ClientAs = Callable[..., Awaitable[httpx.AsyncClient]]


@cache
def test_password_hash() -> str:
    return hash_password(TEST_PASSWORD)


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


def add_user(
    application: Sukuma, username: str, roles: tuple[Role, ...], scopes: tuple[str, ...]
) -> None:
    ctx = CommandContext(actor="test-setup", occurred_at=datetime.now(UTC))
    application.add_user(
        username=username,
        roles=list(roles),
        scopes=list(scopes),
        password_hash=test_password_hash(),
        ctx=ctx,
    )


def bearer(api: FastAPI, application: Sukuma, username: str) -> dict[str, str]:
    """An Authorization header with a fresh access token for an existing user."""
    user = application.user_named(username)
    auth: Auth = api.state.auth
    pair = auth.tokens.issue(user.principal, user.generation)
    return {"Authorization": f"Bearer {pair.access_token}"}


class SignedIn(httpx.Auth):
    """Signs every request with a token issued just then (the app's clock may be moved on
    by days in a test, past any token's lifetime), as a client refreshing its token would."""

    def __init__(self, api: FastAPI, application: Sukuma, username: str) -> None:
        self.api, self.application, self.username = api, application, username

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(bearer(self.api, self.application, self.username))
        yield request


@pytest.fixture
async def api(settings: Settings, application: Sukuma, clock: Clock) -> AsyncIterator[FastAPI]:
    """The HTTP app with its lifespan run (it opens and closes the read pool)."""
    app = create_app(settings, application, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def anonymous(api: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client without a token."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url=BASE_URL) as http:
        yield http


@pytest.fixture
async def client(api: FastAPI, application: Sukuma) -> AsyncIterator[httpx.AsyncClient]:
    """The HTTP client of ``tester``: every role, the whole province, every department,
    ``pii:read``; authenticated with a real signed token."""
    add_user(application, "tester", tuple(Role), BROAD_SCOPES)
    transport = httpx.ASGITransport(app=api)
    auth = SignedIn(api, application, "tester")
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, auth=auth) as http:
        yield http


@pytest.fixture
async def client_as(api: FastAPI, application: Sukuma) -> AsyncIterator[ClientAs]:
    """A factory of clients for new users: ``await client_as(Role.CONVENER, "ward:X")``
    (roles: one ``Role`` or a tuple of them; ``username=`` to name the user)."""
    async with AsyncExitStack() as stack:
        made = 0

        async def make(
            roles: Role | tuple[Role, ...], *scopes: str, username: str | None = None
        ) -> httpx.AsyncClient:
            nonlocal made
            made += 1
            role_tuple = (roles,) if isinstance(roles, Role) else roles
            name = username or f"{'-'.join(role_tuple).replace('_', '-')}-{made}"
            add_user(application, name, role_tuple, scopes)
            http = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=api),
                base_url=BASE_URL,
                auth=SignedIn(api, application, name),
            )
            return await stack.enter_async_context(http)

        yield make


@pytest.fixture
def ward_id() -> str:
    return geography().wards_in("municipality", "KZN225")[0].id


@pytest.fixture
def other_ward_id() -> str:
    return geography().wards_in("municipality", "KZN225")[1].id
