"""The event store's pooled connections, checked before use only when one may have died unseen.

eventsourcing's ``POSTGRES_PRE_PING`` checks every connection the pool hands out (a round trip
each): two per command, one for the load and one for the append. A connection used a moment
ago is alive unless the server went away since; once one is found broken, every connection is
checked again for a while, and the try that met it is retried by eventsourcing (0.2 s later).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from time import monotonic
from typing import Any
from weakref import WeakKeyDictionary

from eventsourcing.postgres import ConnectionPool, PostgresDatastore
from psycopg import Connection

#: A connection idle this long (seconds) is checked before use: a restart meanwhile is likely
#: enough, and one round trip per second or more of quiet costs nothing.
IDLE_SECONDS = 1.0
#: After a connection was found broken, every connection is checked for this long (seconds).
ALERT_SECONDS = 30.0
#: psycopg_pool's statistics that count connections found broken (by a check or a use).
BROKEN_STATS = ("connections_lost", "returns_bad")


class StaleConnectionCheck:
    """psycopg_pool's ``check`` callback: the pool's own ``check_connection`` (an empty
    statement) for a connection not used for ``idle_seconds``, or for any connection within
    ``alert_seconds`` of the pool's counting one broken."""

    def __init__(
        self,
        stats: Callable[[], Mapping[str, int]],
        *,
        idle_seconds: float = IDLE_SECONDS,
        alert_seconds: float = ALERT_SECONDS,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self.stats, self.clock = stats, clock
        self.idle_seconds, self.alert_seconds = idle_seconds, alert_seconds
        #: Checks made (round trips spent), for the tests and the curious.
        self.pings = 0
        self._taken: WeakKeyDictionary[Connection[Any], float] = WeakKeyDictionary()
        self._broken = 0
        self._alert_until = float("-inf")
        self._lock = threading.Lock()

    def __call__(self, conn: Connection[Any]) -> None:
        now = self.clock()
        counts = self.stats()
        broken = sum(counts.get(name, 0) for name in BROKEN_STATS)
        with self._lock:
            if broken != self._broken:
                self._broken, self._alert_until = broken, now + self.alert_seconds
            last = self._taken.get(conn)
            self._taken[conn] = now
            stale = last is None or now - last >= self.idle_seconds or now < self._alert_until
            if stale:
                self.pings += 1
        if stale:
            ConnectionPool.check_connection(conn)


def check_when_stale(
    datastore: PostgresDatastore, clock: Callable[[], float] = monotonic
) -> StaleConnectionCheck:
    """Give ``datastore`` a pool like its own whose connections are checked only when stale.

    The pool's ``check`` is fixed when it is made, so the pool is made again from the
    library's pool's public settings (its connections, opened for the type adapters, close).
    """
    old = datastore.pool
    check = StaleConnectionCheck(lambda: pool.get_stats(), clock=clock)
    pool: ConnectionPool[Any] = ConnectionPool(
        old.conninfo,
        connection_class=old.connection_class,
        kwargs=old.kwargs,
        min_size=old.min_size,
        max_size=old.max_size,
        open=False,
        configure=datastore.after_connect_func(),
        check=check,
        timeout=old.timeout,
        max_waiting=old.max_waiting,
        max_lifetime=old.max_lifetime,
        max_idle=old.max_idle,
        reconnect_timeout=old.reconnect_timeout,
        num_workers=old.num_workers,
        get_password_func=old.get_password_func,
    )
    datastore.pool = pool
    old.close()
    return check


def tune_event_store_pool(
    datastore: PostgresDatastore, *, timeout: float, reconnect_timeout: float
) -> None:
    """The event store's pool as every process of the service uses it (the application's,
    and a projector's, which opens the log without the application)."""
    # Connections checked before use only when one may have died unseen (idle, or soon
    # after one was found broken), not on every command's load and append.
    check_when_stale(datastore)
    # The library tries each read and append 10 times (0.2 s apart), each waiting this
    # long for a connection, and reads POSTGRES_CONNECT_TIMEOUT as whole seconds: a
    # fraction of a second per try is what answers an outage with a 503 in seconds.
    datastore.pool.timeout = timeout
    # The pool retries a lost connection with a doubling delay for 5 minutes by default:
    # after a long outage its next try may be a minute away while the database is back.
    # Given up sooner, the next request that waits for a connection starts a fresh try.
    datastore.pool.reconnect_timeout = reconnect_timeout
