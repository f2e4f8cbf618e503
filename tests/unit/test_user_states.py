"""The per-request user check: cached for a short TTL, then re-read from the event store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from api.auth.sessions import UserState, UserStates
from domain.access.principal import Role
from domain.context import CommandContext
from domain.sukuma import Sukuma
from domain.users.model import user_id

CTX = CommandContext(actor="system", occurred_at=datetime(2025, 6, 1, tzinfo=UTC))


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sukuma]:
    for key in ("PERSISTENCE_MODULE", "SUKUMA_PERSISTENCE_MODULE"):
        monkeypatch.delenv(key, raising=False)
    application = Sukuma()
    yield application
    application.close()


def test_a_deactivation_elsewhere_is_seen_once_the_cached_state_expires(app: Sukuma) -> None:
    app.add_user(username="thandi", roles=[Role.CONVENER], scopes=[], password_hash="hash", ctx=CTX)
    now = [100.0]
    states = UserStates(app, ttl_seconds=10, monotonic=lambda: now[0])
    uid = str(user_id("thandi"))

    assert states.cached(uid) == (False, None)
    assert states.load(uid) == UserState(active=True, generation=0)
    app.deactivate_user("thandi", "left", CTX)  # e.g. by the CLI, another process
    now[0] += 9
    assert states.cached(uid) == (True, UserState(active=True, generation=0))
    now[0] += 2
    assert states.cached(uid) == (False, None)
    assert states.load(uid) == UserState(active=False, generation=1)


def test_an_unknown_or_malformed_user_id_has_no_state(app: Sukuma) -> None:
    states = UserStates(app, ttl_seconds=10)
    assert states.load(str(user_id("nobody"))) is None
    assert states.load("not-a-uuid") is None
    assert states.cached("not-a-uuid") == (True, None)
