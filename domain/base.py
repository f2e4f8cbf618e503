"""The base of every Sukuma aggregate: each event says when it happened and who acted."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate


class SukumaAggregate(Aggregate):
    """Events carry ``occurred_at`` (in the field) beside the library's ``timestamp`` (recorded)."""

    class Event(Aggregate.Event):
        occurred_at: datetime
        actor: str

    class Created(Event, Aggregate.Created):
        pass
