"""Fast reading of the event log for projections: one SQL page, orjson, no per-row objects.

The library's mapper decodes with the stdlib ``json`` module and an object hook for every
dict (about 19k events/s here). Catch-up needs more, so this reads raw rows and decodes the
same stored format (the JSON transcoder's ``{"_type_": ..., "_data_": ...}`` tags) with orjson,
then builds the same domain event objects the mapper would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import resolve_topic, retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

_DECODERS: dict[str, Callable[[Any], Any]] = {
    "datetime_iso": datetime.fromisoformat,
    "date_iso": date.fromisoformat,
    "uuid_hex": UUID,
    "decimal_str": Decimal,
}


def _untag(value: Any) -> Any:
    """``value`` with each tagged dict in it decoded, innermost first. Containers are changed
    in place (orjson's own, shared with nothing) and only they are walked into: a leaf costs
    a type check, not a call (a household profile's walk, names' every one)."""
    if isinstance(value, dict):
        if "_type_" in value and "_data_" in value and len(value) == 2:
            return _DECODERS[value["_type_"]](_untag(value["_data_"]))
        for key, item in value.items():
            if isinstance(item, _CONTAINERS):
                value[key] = _untag(item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, _CONTAINERS):
                value[index] = _untag(item)
    return value


_CONTAINERS = (dict, list)


def uuid_text(value: UUID) -> str:
    """``str(value)``, a quarter of the time: orjson writes a UUID in C, in the same canonical
    form (the stdlib's ``__str__`` is Python, and a busy projector keys rows by ids' text)."""
    return orjson.dumps(value)[1:-1].decode()


def uuid_texts(values: Sequence[UUID]) -> list[str]:
    """``uuid_text`` of each, in one orjson call: a page's ids without a Python call an id
    (a UUID's text holds no quote, so the JSON array splits exactly at ``","``)."""
    if not values:
        return []
    return orjson.dumps(values)[2:-2].decode().split('","')


@cache
def _event_class(topic: str) -> type:
    cls: type = resolve_topic(topic)
    return cls


# Per topic, the top-level fields seen tagged so far: only those are looked at again.
_TAGGED: dict[str, set[str]] = {}


@dataclass(frozen=True)
class Cut:
    """Where a stored event's unused fields are left unparsed: from the first of them (in the
    order the mapper writes an event's fields, its class's) to the next field used (or the
    end). A household profile is about 6 KB, a third of the log's bytes, and most of its
    event's parse (19 us whole against 5 cut), which every projection of profile events but
    names only dropped.

    Exact: ``"key":`` outside a string is a key (inside one, a quote is escaped), and the
    bytes before it closed by ``}`` (or from the next key, opened by ``{``) parse only if that
    key is the event's own, not a nested value's; the parts must hold every field used, so
    what lies between holds unused fields alone (the mapper writes the class's fields and
    nothing else). Anything else (a nested key met first, an older shape without its
    ``class_version``, fields in another order) is parsed whole."""

    field: bytes  # b'"profile":'
    after: bytes | None  # b',"field_worker_id":', or None when the unused run ends the event
    used: frozenset[str]  # the fields stored that a projection reads (class_version too)

    @staticmethod
    def of(cls: type, unused: frozenset[str], free_form: bool = True) -> Cut | None:
        """The cut of ``cls``'s events leaving out ``unused``, from the first of them that is
        free-form (``Any`` in its type: a profile; the others are short, and a cut starting
        at one cost names more than it saved) or, not ``free_form``, the first of them."""
        declared = fields(cls) if unused and is_dataclass(cls) else ()
        stored = [f.name for f in declared if f.name not in ("originator_id", "originator_version")]
        if getattr(cls, "class_version", 1) > 1:
            stored.append("class_version")  # the mapper writes it last
        large = {f.name for f in declared if not free_form or "Any" in str(f.type)}
        first = next((i for i, n in enumerate(stored) if n in unused and n in large), None)
        if first is None:
            return None
        after = next((n for n in stored[first:] if n not in unused), None)
        return Cut(
            orjson.dumps(stored[first]) + b":",
            None if after is None else b"," + orjson.dumps(after) + b":",
            frozenset(n for n in stored if n not in unused),
        )

    def parse(self, state: bytes) -> tuple[dict[str, Any], int] | None:
        """The stored fields but the cut ones, and how many tags they hold; None if the cut
        is not exact for these bytes."""
        start = state.find(self.field)
        if start < 1 or state[start - 1] != 44:  # b","
            return None
        end = len(state) - 1 if self.after is None else state.rfind(self.after)
        if end <= start:
            return None
        head, tail = state[: start - 1], state[end + 1 :]
        try:
            found = orjson.loads(head + b"}")
            if tail != b"}":
                found.update(orjson.loads(b"{" + tail))
        except orjson.JSONDecodeError:
            return None
        if not self.used <= found.keys():
            return None
        return found, head.count(b'"_type_"') + tail.count(b'"_type_"')


#: Below this size a stored event is parsed whole: a cut would save less than it costs.
CUT_BYTES = 1024


def decode(
    topic: str,
    originator_id: UUID,
    originator_version: int,
    state: bytes,
    unused: frozenset[str] = frozenset(),
    cut: Cut | None = None,
) -> Any:
    """The domain event for one stored event (same result as the library's mapper).

    ``unused``: fields left out (nobody reads them), before their contents are decoded;
    ``cut`` (``Cut.of`` the class and ``unused``): where they are left unparsed.
    """
    return TopicDecoder(topic, unused, cut).event(originator_id, originator_version, state)


class TopicDecoder:
    """How one topic's stored events are decoded for a reader: its event class, its fields
    left out and their cut, looked up once a topic rather than once an event (with the
    event's dict no longer copied: 0.3-0.5 us of ``decode``'s 5 an event, decode21)."""

    __slots__ = ("cls", "cut", "known", "unused", "version")

    def __init__(self, topic: str, unused: frozenset[str] = frozenset(), cut: Cut | None = None):
        self.cls = _event_class(topic)
        self.version: int = getattr(self.cls, "class_version", 1)
        self.unused = tuple(unused)
        self.cut = cut
        # The topic's top-level fields seen tagged so far (shared by every reader).
        self.known = _TAGGED.setdefault(topic, set())

    def event(self, originator_id: UUID, originator_version: int, state: bytes) -> Any:
        cut = self.cut
        parsed = cut.parse(state) if cut is not None and len(state) >= CUT_BYTES else None
        if parsed is None:
            fields, tags = orjson.loads(state), -1
        else:
            fields, tags = parsed
        stored_version = fields.pop("class_version", 1)
        if stored_version < self.version:
            fields = _upcast(self.cls, stored_version, fields)  # an event of an older shape: rare
        for key in self.unused:
            fields.pop(key, None)
        tagged = 0
        for key in self.known:
            value = fields.get(key)
            if type(value) is dict and "_type_" in value and len(value) == 2:
                fields[key] = _DECODERS[value["_type_"]](value["_data_"])
                tagged += 1
        if tags < 0:
            tags = state.count(b'"_type_"')
        if tags > tagged:  # a field tagged for the first time, or nested tags
            for key, value in fields.items():
                if isinstance(value, _CONTAINERS):
                    if type(value) is dict and "_type_" in value and len(value) == 2:
                        self.known.add(key)
                    fields[key] = _untag(value)
        fields["originator_id"] = originator_id
        fields["originator_version"] = originator_version
        event: Any = object.__new__(self.cls)
        # The parsed dict becomes the event's own, as the library's mapper does (no copy).
        object.__setattr__(event, "__dict__", fields)
        return event


def _upcast(cls: type, version: int, fields: dict[str, Any]) -> dict[str, Any]:
    """The event's fields in its class's current shape, by its ``upcast_vX_vY`` steps (as the
    library's mapper does), given every field decoded as the mapper would give it."""
    state = {key: _untag(value) for key, value in fields.items()}
    while version < getattr(cls, "class_version", 1):
        getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
    return state


@dataclass
class Page:
    """A page of the log: the events some projection uses, decoded, and where the page ends."""

    events: list[tuple[Any, int]]  # (domain event, its position), in log order
    last: int  # the page's last position, used or not
    size: int  # positions the page spans (its events, but for a rolled-back append's gap)


class EventLogReader:
    """Reads pages of the application's notification log after a given position.

    A page is a range of positions (``after`` to ``after + limit``, or the head). Events of a
    topic for which ``wanted`` is false are neither decoded nor sent once their topic is
    known: the server leaves them out, so a projection that uses a few event types (alerts,
    war rooms, names) receives a few rows a page, not every event's; given ``modules``, a
    topic of any other module is unwanted without its module being imported. Fields ``unused`` names
    for an event class are left out of its events: dropped as soon as parsed, so a large one
    (a household profile) is never walked nor kept with a page.
    """

    def __init__(
        self,
        recorder: PostgresApplicationRecorder,
        application_name: str,
        wanted: Callable[[type], bool] = lambda event_class: True,
        unused: Callable[[type], frozenset[str]] = lambda event_class: frozenset(),
        modules: frozenset[str] | None = None,
    ) -> None:
        self.recorder = recorder
        self.application_name = application_name
        self._decoders: dict[str, TopicDecoder | None] = {}  # None: a topic unwanted
        self._unwanted: list[str] = []  # topics known unwanted: their rows are not sent
        self._wants = wanted
        self._unused_of = unused
        self._modules = modules
        table = Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
        # A page ends at the head visible when it is read: positions become visible in order
        # (the store appends under a table lock), so none up to it can appear later.
        self.sql_page = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {0}.{1} WHERE notification_id > %s AND notification_id <= %s "
            "AND topic <> ALL(%s) ORDER BY notification_id"
        ).format(*table)
        self.sql_head = SQL("SELECT max(notification_id) FROM {0}.{1}").format(*table)

    def wanted(self, topic: str) -> bool:
        return self.decoder(topic) is not None

    def decoder(self, topic: str) -> TopicDecoder | None:
        """How this reader decodes ``topic``'s events; None if it is unwanted."""
        if topic in self._decoders:
            return self._decoders[topic]
        decoder = None
        # A topic of a module not imported is unwanted: importing it was most of a start-up.
        if self._modules is None or topic.partition(":")[0] in self._modules:
            cls = _event_class(topic)
            if self._wants(cls):
                unused = self._unused_of(cls)
                decoder = TopicDecoder(topic, unused, Cut.of(cls, unused))
        if decoder is None:
            self._unwanted.append(topic)
        self._decoders[topic] = decoder
        return decoder

    # A moment's wait for a pooled connection (the pool's timeout is a fraction of a second,
    # for the API's 503s) is tried again, as the library's own reads are; a database that
    # stays away still fails fast, for the runner's retry policy to handle.
    @retry((InterfaceError, OperationalError), max_attempts=3, wait=0.2)
    def page(self, after: int, limit: int) -> Page:
        """The events of positions ``after + 1`` to ``after + limit`` (or the head)."""
        with self.recorder.datastore.get_connection() as conn:
            # Binary: bytea and uuid arrive as they are stored, with no hex text to parse.
            with conn.cursor(row_factory=tuple_row, binary=True) as curs:
                curs.execute(self.sql_head)
                head = curs.fetchone()
                last = min(after + limit, int(head[0])) if head and head[0] is not None else 0
                if last <= after:  # nothing after ``after``
                    return Page([], after, 0)
                params = (after, last, list(self._unwanted))
                curs.execute(self.sql_page, params, prepare=True)
                rows: Sequence[tuple[int, UUID, int, str, bytes]] = curs.fetchall()
        decoders, decoder_of = self._decoders, self.decoder
        events = [
            (decoder.event(oid, version, state), nid)
            for nid, oid, version, topic, state in rows
            if (decoder := decoders.get(topic) or decoder_of(topic)) is not None
        ]
        return Page(events, last, last - after)

    @retry((InterfaceError, OperationalError), max_attempts=3, wait=0.2)
    def head(self) -> int:
        with self.recorder.datastore.get_connection() as conn:
            with conn.cursor(row_factory=tuple_row) as curs:
                curs.execute(self.sql_head)
                row = curs.fetchone()
        return int(row[0]) if row and row[0] is not None else 0
