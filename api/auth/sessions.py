"""Whether a token's user may still act: active, and at the generation the token names.

Checked on every request from a small in-process cache (``SUKUMA_USER_STATE_CACHE_SECONDS``),
so a request costs no database round trip; a deactivation or password change made through
this process is seen at once (``forget``), through another replica within the cache's TTL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from domain.errors import NotFoundError
from domain.sukuma import Sukuma
from domain.users.model import User


def find_user(application: Sukuma, user_id: str) -> User | None:
    """The user as the event store has it now, or ``None`` (blocking)."""
    try:
        return application.get(User, UUID(user_id))
    except (ValueError, NotFoundError):
        return None


@dataclass(frozen=True)
class UserState:
    active: bool
    generation: int
    #: The language the user chose for the pages (``None``: not chosen).
    language: str | None = None
    #: The field-worker record the user works as (``None``: not linked).
    field_worker_id: str | None = None


class UserStates:
    def __init__(
        self,
        application: Sukuma,
        ttl_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._application = application
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, UserState | None]] = {}
        self._lock = threading.Lock()

    def cached(self, user_id: str) -> tuple[bool, UserState | None]:
        """(hit, state) without touching the database."""
        entry = self._cache.get(user_id)
        if entry is None or self._monotonic() - entry[0] > self._ttl:
            return False, None
        return True, entry[1]

    def load(self, user_id: str) -> UserState | None:
        """The user's current state from the event store (blocking: call it in a thread)."""
        user = find_user(self._application, user_id)
        state = (
            None
            if user is None
            else UserState(user.active, user.generation, user.language, user.field_worker_id)
        )
        with self._lock:
            self._cache[user_id] = (self._monotonic(), state)
        return state

    def forget(self, user_id: str) -> None:
        with self._lock:
            self._cache.pop(user_id, None)
