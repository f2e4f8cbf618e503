"""The orjson transcoder writes the library's bytes, and the library reads them back.

For each event type of each aggregate (hypothesis builds them, as ``test_event_decoding``
does), the library's mapper with ``OrjsonTranscoder`` stores exactly the bytes it stores with
its own ``JSONTranscoder``, and the library's mapper decodes them to the same event, as does
the mapper with ``OrjsonTranscoder``. Over arbitrary JSON-like values (floats, UUIDs, enums,
subclasses, non-str keys, control characters, lone surrogates, big integers), both give the
same bytes or the same error, and read the library's bytes back alike (or fail alike).
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import JSONTranscoder, Mapper, Transcoder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.transcoder import OrjsonTranscoder
from domain.sukuma import Sukuma
from sukuma.settings import Settings
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
    | st.sampled_from([Colour.RED, Level.HIGH, Tag("tag"), (1, "two")])
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


def test_the_application_encodes_with_it() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    env = settings.eventsourcing_env("postgresql://u@localhost:5432/sukuma")
    app = Sukuma(env={**env, "PERSISTENCE_MODULE": "eventsourcing.popo"})

    assert isinstance(app.mapper.transcoder, OrjsonTranscoder)
    # with the application's registrations (dates are ours, not the library's)
    assert app.mapper.transcoder.encode({"on": date(2026, 1, 2)}) == LIBRARY.encode(
        {"on": date(2026, 1, 2)}
    )
