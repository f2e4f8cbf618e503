"""The orjson transcoder writes the library's bytes, and the library reads them back.

For each event type of each aggregate (hypothesis builds them, as ``test_event_decoding``
does), the library's mapper with ``OrjsonTranscoder`` stores exactly the bytes it stores with
its own ``JSONTranscoder``, and the library's mapper decodes them to the same event, as does
the mapper with ``OrjsonTranscoder``. Over arbitrary JSON-like values (floats, UUIDs, enums,
subclasses, non-str keys, control characters, lone surrogates, big integers), both give the
same bytes or the same error, and read the library's bytes back alike (or fail alike).
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder, Mapper, Transcoder
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from adapters.transcoder import OrjsonTranscoder, _plain
from domain.households.model import Household
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from tests.unit.test_application import ctx, referred
from tests.unit.test_event_decoding import DECIMALS, EVENT_CLASSES, KEYS, OFFSETS, events_of


def _registered(transcoder: JSONTranscoder) -> JSONTranscoder:
    """A transcoder with the application's registrations (the library's and ours)."""
    app = Sukuma(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    app.register_transcodings(transcoder)
    return transcoder


LIBRARY, ORJSON = _registered(JSONTranscoder()), _registered(OrjsonTranscoder())
LIBRARY_MAPPER, ORJSON_MAPPER = Mapper[UUID](LIBRARY), Mapper[UUID](ORJSON)


class Colour(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Tag(str):
    pass


class Status(enum.StrEnum):
    OPEN = "open"


class Odd(str, enum.Enum):  # noqa: UP042 (as the domain's may be)
    """A text enum whose text is not its value."""

    X = "x"

    def __new__(cls, value: str) -> Odd:
        member = str.__new__(cls, "text")
        member._value_ = value
        return member


LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()  # past 64 bits too: orjson refuses, the library writes them
    | st.floats()  # nan and infinities too
    | st.text()  # control characters and lone surrogates too
    | st.dates()
    | st.datetimes(timezones=OFFSETS)
    | st.datetimes()
    | st.uuids()
    | DECIMALS
    | st.sampled_from([Colour.RED, Level.HIGH, Tag("tag"), (1, "two"), Status.OPEN, Odd.X])
)
ANY = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(KEYS, inner, max_size=4)
        | st.dictionaries(st.integers() | st.booleans(), inner, max_size=2)
    ),
    max_leaves=16,
)


#: The records the aggregates keep in their states (so in their snapshots), registered.
RECORD_TYPES = sorted(ORJSON.records, key=lambda record: record.__name__)


@st.composite
def records(draw: st.DrawFn, values: st.SearchStrategy[Any] = ANY) -> Any:
    """A registered record with arbitrary values in its fields (UUIDs, enums, floats...)."""
    record = draw(st.sampled_from(RECORD_TYPES))
    fields = {f.name: draw(values) for f in dataclasses.fields(record) if f.init}
    try:
        return record(**fields)
    except Exception:  # a record that checks its fields
        assume(False)


def _outcome(transcoder: Transcoder, value: Any) -> bytes | type[BaseException]:
    try:
        return transcoder.encode(value)
    except Exception as exc:  # the same error, or the same bytes
        return type(exc)


@pytest.mark.parametrize("event_class", EVENT_CLASSES, ids=lambda cls: cls.__qualname__)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_events_stored_as_the_library_stores_them(event_class: type, data: st.DataObject) -> None:
    event = data.draw(events_of(event_class))

    stored = ORJSON_MAPPER.to_stored_event(event)

    assert stored == LIBRARY_MAPPER.to_stored_event(event)
    assert vars(LIBRARY_MAPPER.to_domain_event(stored)) == vars(event)
    assert vars(ORJSON_MAPPER.to_domain_event(stored)) == vars(event)


def _read(transcoder: Transcoder, data: bytes) -> str | type[BaseException]:
    """What a transcoder reads from bytes (its ``repr``: nan is not equal to itself)."""
    try:
        return repr(transcoder.decode(data))
    except Exception as exc:
        return type(exc)


@settings(max_examples=400, deadline=None)
@given(value=st.dictionaries(KEYS, ANY, max_size=6))
def test_any_state_same_bytes_or_same_error(value: dict[str, Any]) -> None:
    assert _outcome(ORJSON, value) == _outcome(LIBRARY, value)
    written = _outcome(LIBRARY, value)
    if isinstance(written, bytes):
        assert _read(ORJSON, written) == _read(LIBRARY, written)


@settings(max_examples=300, deadline=None)
@given(
    value=st.dictionaries(
        KEYS,
        records(ANY | records())
        | st.lists(records(), max_size=3)
        | st.dictionaries(KEYS, records(), max_size=2),
        max_size=4,
    )
)
def test_states_with_records_same_bytes_or_same_error(value: dict[str, Any]) -> None:
    assert RECORD_TYPES
    assert _outcome(ORJSON, value) == _outcome(LIBRARY, value)


def test_a_household_snapshot_state_written_with_orjson_as_the_library_writes_it() -> None:
    # Given a profiled household with needs, a referral and a visit (records, enums, dates)
    app = Sukuma(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    household_id, _, _ = referred(app)
    app.record_visit(
        household_id=household_id,
        visit_id=uuid4(),
        field_worker_id=None,
        outcome="met_household",
        days_skipped_meal_last_7=2,
        note="asked about the grant",
        ctx=ctx(),
    )
    state = Household.Snapshot.take(app.get(Household, household_id)).state

    assert ORJSON.encode(state) == LIBRARY.encode(state)
    assert not _plain_for_the_library_only(state)


def _plain_for_the_library_only(state: dict[str, Any]) -> bool:
    """Whether the library's encoder would be left to write this state (it should not)."""
    return not _plain(state, ORJSON.records)


@pytest.mark.parametrize(
    "data",
    [
        b'{"big":18446744073709551616,"neg":-9223372036854775809,"max":18446744073709551615}',
        b'{"f":[1e19,-1e300,9.3e18,1.5]}',
        b'{"nan":NaN,"inf":[Infinity,-Infinity],"huge":1e400}',
        b'{"surrogate":"\\ud800","text":"\\u00e9 \xc3\xa9"}',
        b'{"x":{"_type_":"no_such_type","_data_":1}}',
        b'{"x":{"_type_":["list"],"_data_":1},"y":{"_type_":"uuid_hex","_data_":1}}',
        b'{"on":{"_type_":"date_iso","_data_":"2026-13-01"}}',
        b'{"x":{"_type_":"uuid_hex","_data_":"00000000000000000000000000000007","z":1}}',
        b'{"deep":[{"_type_":"decimal_str","_data_":"1.10"},{"a":{"_type_":"datetime_iso",'
        b'"_data_":"2026-12-07T07:00:00.000001+02:00"}}],"dup":1,"dup":2}',
        b'{"a":1',
    ],
)
def test_edge_bytes_read_alike(data: bytes) -> None:
    assert _read(ORJSON, data) == _read(LIBRARY, data)


@pytest.mark.parametrize(
    "value",
    [
        {"at": datetime(2026, 12, 6, 9, 30, 0, 1, tzinfo=UTC), "on": date(2026, 1, 2)},
        {"text": 'ukudla \x00\x1f\x7f\b\f\n\r\t"\\ \u2028 😀', "n": 2**63 - 1},
        {"big": 2**64, "f": 1e16, "small": 1e-7, "nan": float("nan")},
        {
            "gps": [-29.853, 30.997],
            "f": [0.1, -0.0, 1e-5, 1e-4, 1e15, 5e-324, 1.7976931348623157e308],
        },
        {"inf": [float("inf"), float("-inf")], "whole": 3.0},
        {"id": UUID(int=7), "d": Decimal("1.10"), "tuple": (1, [2, {"x": None}])},
        {"enum": Colour.RED, "level": Level.HIGH, "tag": Tag("t"), 1: "int key"},
        {"surrogate": "\ud800"},
    ],
)
def test_edge_values(value: dict[str, Any]) -> None:
    assert _outcome(ORJSON, value) == _outcome(LIBRARY, value)


def test_deep_nesting_as_the_library_writes_it() -> None:
    deep: Any = "leaf"
    for _ in range(300):
        deep = [deep]

    assert _outcome(ORJSON, {"deep": deep}) == _outcome(LIBRARY, {"deep": deep})


def test_unregistered_type_refused_as_the_library_refuses() -> None:
    class Unknown:
        pass

    assert _outcome(ORJSON, {"x": Unknown()}) == _outcome(LIBRARY, {"x": Unknown()})


def test_cycle_refused_as_the_library_refuses() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)

    assert _outcome(ORJSON, {"cycle": cycle}) == _outcome(LIBRARY, {"cycle": cycle})
    assert _outcome(ORJSON, {"cycle": cycle}) is ValueError


def test_values_recurring_between_others_are_written_each_time_as_the_library_writes_them() -> None:
    """The last values transcoded are kept by identity (an event's ``occurred_at``, shared by
    a command's events): recurring, equal but not the same, or of another type, each is
    written as the library writes it."""
    shared = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    equal = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    naive = datetime(2026, 12, 7, 7, 0, 0, 5)
    events = [
        {"timestamp": datetime(2026, 12, 7, 7, 0, n, tzinfo=UTC), "occurred_at": shared}
        for n in range(5)
    ]
    events += [
        {"a": shared, "b": equal, "c": naive, "d": date(2026, 12, 7), "e": shared},
        {"l": [naive, Decimal("1.10"), naive, shared, date(2026, 12, 7)], "m": {"x": equal}},
    ]
    for event in [*events, *reversed(events)]:
        assert _outcome(ORJSON, event) == _outcome(LIBRARY, event)


def test_the_application_encodes_with_it() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    env = settings.eventsourcing_env("postgresql://u@localhost:5432/sukuma")
    app = Sukuma(env={**env, "PERSISTENCE_MODULE": "eventsourcing.popo"})

    assert isinstance(app.mapper.transcoder, OrjsonTranscoder)
    # with the application's registrations (dates are ours, not the library's)
    assert app.mapper.transcoder.encode({"on": date(2026, 1, 2)}) == LIBRARY.encode(
        {"on": date(2026, 1, 2)}
    )
