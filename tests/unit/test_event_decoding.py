"""The projections' fast decoder reads every event exactly as the library's mapper does.

For each event type of each aggregate, hypothesis builds events from strategies for their
fields' types, the application's mapper (``PersonalDataMapper``, personal fields sealed as
in production) stores them, and ``projections.decoding.decode`` must give the same event as
``mapper.to_domain_event`` without keys (as a projection reads: sealed fields stay sealed).
No database: the application runs on in-memory persistence.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from functools import cache
from typing import Any
from unittest import mock
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Every aggregate class, found rather than listed, so a new one is covered too.
import domain.sukuma  # noqa: F401  (imports every aggregate's module)
from domain.alerts.model import Alert
from domain.base import SukumaAggregate
from domain.households.model import Household
from domain.sukuma import Sukuma
from projections import decoding
from projections.decoding import Cut, TopicDecoder, decode, uuid_text
from sukuma.settings import MAPPER_TOPIC
from tests.factories import make_member, make_profile


def _aggregates(cls: type[SukumaAggregate]) -> Iterator[type[SukumaAggregate]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _aggregates(sub)


EVENT_CLASSES = sorted(
    {
        event_class
        for aggregate in _aggregates(SukumaAggregate)
        for owner in aggregate.__mro__  # an aggregate's mixins may declare events too
        if owner not in SukumaAggregate.__mro__
        for event_class in vars(owner).values()
        if isinstance(event_class, type) and issubclass(event_class, SukumaAggregate.Event)
    },
    key=lambda cls: cls.__qualname__,
)

OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))])
DATETIMES = st.datetimes(timezones=OFFSETS)
INTS = st.integers(min_value=-(2**63), max_value=2**63 - 1)
FLOATS = st.floats(allow_nan=False, allow_infinity=False)
DECIMALS = st.decimals(allow_nan=False, allow_infinity=False)
# Events' own field names, and text holding them as stored (quoted, escaped, with the comma
# and colon around a key): the decoder's cut finds a field by its key's bytes.
FIELD_NAMES = sorted({"profile", "field_worker_id", "facts", "class_version", "changed", "stamps"})
TRICKY = st.sampled_from(FIELD_NAMES).flatmap(
    lambda name: st.sampled_from(
        [name, f'"{name}":', f',"{name}":', f'x"{name}', f"{name}\\", f'"{name}":{{"a":1}}}}']
    )
)
# Keys the transcoders give a meaning (a tag, a sealed field) are never a field's own.
TEXT = TRICKY | st.text()
KEYS = TEXT.filter(lambda key: key not in {"_type_", "_data_", "_pii_"})
# A free-form field (a profile, graduation evidence): JSON with dates, times, ids, decimals.
LEAVES = (
    st.none() | st.booleans() | INTS | FLOATS | TEXT | st.dates() | DATETIMES | st.uuids()
) | DECIMALS
ANY = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)
SIMPLE: dict[Any, st.SearchStrategy[Any]] = {
    str: TEXT,
    int: INTS,
    bool: st.booleans(),
    float: FLOATS,
    datetime: DATETIMES,
    date: st.dates(),
    UUID: st.uuids(),
    Decimal: DECIMALS,
    Any: ANY,
    type(None): st.none(),
}


def strategy_for(hint: Any) -> st.SearchStrategy[Any]:
    """Values of a field's declared type."""
    if hint in SIMPLE:
        return SIMPLE[hint]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(strategy_for(arg) for arg in args))
    if origin is list:
        return st.lists(strategy_for(args[0]), max_size=4)
    if origin is dict:
        return st.dictionaries(KEYS, strategy_for(args[1]), max_size=4)
    if isinstance(hint, typing.TypeVar):  # the aggregate's id type
        return st.uuids()
    raise AssertionError(f"no strategy for {hint!r}: add one")


#: Text fields that must hold an id of another aggregate (the mapper finds its data key by it).
ID_FIELDS = {"household_id": st.uuids().map(str)}


@cache
def events_of(cls: type) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)
    fields = {
        f.name: ID_FIELDS[f.name] if f.name in ID_FIELDS else strategy_for(hints[f.name])
        for f in dataclasses.fields(cls)
        if f.init
    }
    fields["originator_id"] = st.uuids()
    fields["originator_version"] = st.integers(min_value=1, max_value=2**31)
    return st.builds(cls, **fields)


class FixedKeys:
    """A data-key store stand-in: one key for every aggregate (the mapper only seals with it)."""

    def key_or_create(self, aggregate_id: UUID, household_id: UUID | None) -> bytes:
        return b"k" * 32


def _application() -> Sukuma:
    return Sukuma(env={"PERSISTENCE_MODULE": "eventsourcing.popo", "MAPPER_TOPIC": MAPPER_TOPIC})


WRITER, READER = _application(), _application()
WRITER.mapper.keys = FixedKeys()  # type: ignore[attr-defined]


def test_every_aggregate_and_event_type_is_covered() -> None:
    owners = {cls.__qualname__.split(".")[0] for cls in EVENT_CLASSES}
    assert {"Household", "Referral", "WarRoom", "Alert", "FieldWorker", "User"} <= owners
    assert len(EVENT_CLASSES) >= 50


@pytest.mark.parametrize("event_class", EVENT_CLASSES, ids=lambda cls: cls.__qualname__)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_decoder_reads_what_the_mapper_reads(event_class: type, data: st.DataObject) -> None:
    event = data.draw(events_of(event_class))
    stored = WRITER.mapper.to_stored_event(event)

    expected = READER.mapper.to_domain_event(stored)
    decoded = decode(stored.topic, stored.originator_id, stored.originator_version, stored.state)

    assert type(decoded) is type(expected)
    assert vars(decoded) == vars(expected)


@pytest.mark.parametrize("event_class", EVENT_CLASSES, ids=lambda cls: cls.__qualname__)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fields_left_unparsed_leave_the_rest_as_the_mapper_reads_it(
    event_class: type, data: st.DataObject
) -> None:
    # Given an event stored, and some of its fields no projection reads
    event = data.draw(events_of(event_class))
    stored = WRITER.mapper.to_stored_event(event)
    names = [f.name for f in dataclasses.fields(event_class)][2:]  # not the originator's
    unused = frozenset(data.draw(st.lists(st.sampled_from(names), min_size=1)))
    expected = vars(READER.mapper.to_domain_event(stored))
    # When it is decoded leaving them out, cut from the bytes whatever their size
    cut = Cut.of(event_class, unused, free_form=data.draw(st.booleans()))
    with mock.patch.object(decoding, "CUT_BYTES", 0):
        decoded = decode(stored.topic, stored.originator_id, stored.originator_version,
                         stored.state, unused, cut)  # fmt: skip
    # Then the event is the mapper's without them, cut or parsed whole
    assert vars(decoded) == {k: v for k, v in expected.items() if k not in unused}


def test_a_profile_is_cut_from_its_event_and_the_rest_is_the_mappers() -> None:
    at = {"occurred_at": datetime(2026, 1, 2, tzinfo=UTC), "actor": "fw"}
    profile = dict(make_profile(members=[make_member()]))
    profile["notes"] = {"profile": ',"field_worker_id":"x","facts":{}}', "facts": {"a": 1}}
    event = Household.ProfileSubmitted(
        originator_id=uuid4(), originator_version=2, timestamp=at["occurred_at"],
        profile=profile, field_worker_id="fw", facts={"members": 1}, **at,
    )  # fmt: skip
    stored = WRITER.mapper.to_stored_event(event)
    cut = Cut.of(Household.ProfileSubmitted, frozenset({"profile"}))
    assert cut is not None and cut.parse(stored.state) is not None  # cut, not parsed whole
    decoded = decode(stored.topic, stored.originator_id, stored.originator_version,
                     stored.state, frozenset({"profile"}), cut)  # fmt: skip
    expected = vars(READER.mapper.to_domain_event(stored))
    assert vars(decoded) == {k: v for k, v in expected.items() if k != "profile"}


def _first_shapes() -> list[tuple[type, dict[str, Any]]]:
    """Events as version 1 of their class stored them (before special categories were sealed)."""
    at = {"occurred_at": datetime(2026, 1, 2, tzinfo=UTC), "actor": "fw"}
    sick = make_member(health={"tb_symptom_screen_positive": True})
    profile = dict(make_profile(members=[sick], social_ills={"crime_victim": True}))
    return [
        (Household.ProfileSubmitted, {"profile": profile, "field_worker_id": None, **at}),
        (
            Household.RiskScored,
            {
                "score": 20,
                "level": "low",
                "reasons": ["TB symptom screen positive (+15)", "victim of crime (+5)"],
                "flags": [],
                "rule_version": "risk-v1",
                **at,
            },
        ),
        (Alert.Acknowledged, {"note": "calling the clinic", **at}),
    ]


@pytest.mark.parametrize(
    ("event_class", "state"), _first_shapes(), ids=lambda v: getattr(v, "__qualname__", "")
)
def test_fast_decoder_upcasts_the_first_shape_as_the_mapper_does(
    event_class: type, state: dict[str, Any]
) -> None:
    stored = StoredEvent(
        originator_id=uuid4(),
        originator_version=2,
        topic=get_topic(event_class),
        state=READER.mapper.transcoder.encode({**state, "timestamp": state["occurred_at"]}),
    )

    expected = READER.mapper.to_domain_event(stored)
    decoded = decode(stored.topic, stored.originator_id, stored.originator_version, stored.state)

    assert vars(decoded) == vars(expected)
    upcasts: dict[type, tuple[str, Any]] = {
        Household.ProfileSubmitted: (
            "facts",
            {
                "members": 1,
                "members_with_health_need": 1,
                "members_with_disability": 0,
                "social_concerns": 1,
            },
        ),
        Household.RiskScored: (
            "reasons",
            ["a member has a health need (+15)", "a safety concern in the household (+5)"],
        ),
        Alert.Acknowledged: ("household_id", None),
    }
    field, value = upcasts[event_class]
    assert vars(decoded)[field] == value


@given(st.uuids())
def test_an_ids_text_is_the_stdlibs(value: UUID) -> None:
    # States and clocks are keyed by ids' text: one spelling, whichever wrote the row.
    assert uuid_text(value) == str(value)


@pytest.mark.parametrize("event_class", EVENT_CLASSES, ids=lambda cls: cls.__qualname__)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_one_topic_decoder_reads_every_event_of_its_topic_as_the_mapper_does(
    event_class: type, data: st.DataObject
) -> None:
    # A reader keeps one decoder a topic for every page: what it learnt of earlier events
    # (the fields seen tagged) must not change how a later one reads.
    events = data.draw(st.lists(events_of(event_class), min_size=2, max_size=5))
    decoder = TopicDecoder(get_topic(event_class))
    for event in events:
        stored = WRITER.mapper.to_stored_event(event)
        decoded = decoder.event(stored.originator_id, stored.originator_version, stored.state)
        assert type(decoded) is event_class
        assert vars(decoded) == vars(READER.mapper.to_domain_event(stored))
