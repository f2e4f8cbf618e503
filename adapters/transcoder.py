"""The event store's transcoder: the library's ``JSONTranscoder``, writing the same bytes with
orjson when it can tell they would be the same, and reading them with orjson.

The library's transcoder encodes with the stdlib's ``json`` (compact separators, UTF-8 kept)
and calls back into Python for every UUID, datetime and date (``{"_type_": ..., "_data_":
...}``): about 100 us of an imported household's six events, against about 25 us for
orjson. orjson writes the same bytes for str, int, bool, None, dicts and lists, and hands
datetimes, dates and Decimals to ``default`` (``OPT_PASSTHROUGH_DATETIME``), which writes
them as the library does (its registered transcodings). What it would write otherwise is
left to the library: a UUID (orjson spells it as text), a float orjson spells otherwise
than ``repr`` (some exponents, nan), an enum or a subclass of a built-in type (orjson writes
their values; the library raises or calls the transcoding), but for a text enum (a status:
``str`` and ``Enum``) whose text is its value. A registered dataclass (a record in an
aggregate's state, so in its snapshot: a visit, a need) orjson hands to ``default`` too
(``OPT_PASSTHROUGH_DATACLASS``), when its transcoding's encoding is written alike in turn
(about 24 against 59 us for a household's state of 15 events). An event holding anything
else, or anything orjson refuses (a non-str key, an integer past 64 bits, a lone
surrogate), or nested deeper than 250, is encoded by the library's own ``encode``.

Decoding: the library's decoder calls back into Python for every dict of a stored event or
snapshot (its object hook), several times slower than orjson's parse plus one walk that
replaces each tagged dict (``{"_type_": name, "_data_": ...}``) by its transcoding's
decoding, innermost first, as the hook does. orjson reads what the library wrote alike,
except an integer past 64 bits (orjson makes it a float: any float of that size sends the
bytes to the library's decoder), ``NaN`` and infinities, and a lone surrogate (orjson
refuses: the library's decoder reads them), and a tag of no registered transcoding (the
library's decoder raises its own error).

``tests/unit/test_transcoder.py`` checks the bytes and the decoding against the library's
over generated events and values.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import orjson
from eventsourcing.persistence import JSONTranscoder, Transcoding

#: Leaves orjson writes as the stdlib does (exact types: a subclass is not one of them), or
#: hands to ``default`` (``OPT_PASSTHROUGH_DATETIME``; Decimal it never knows).
_SAME: Final = frozenset({str, int, bool, type(None), datetime, date, Decimal})
_OPTIONS: Final = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
#: Deeper than this, the library encodes the event (orjson refuses past 254; a cycle ends).
_MAX_DEPTH: Final = 250
#: A float this large may be an integer orjson read past 64 bits (the library keeps it int).
_BIG: Final = 2.0**63
#: What a decoding walk looks into: containers, and floats (for ``_BIG``).
_WALKED: Final = frozenset({dict, list, float})


class _LibraryDecodes(Exception):
    """Bytes orjson does not read as the library's decoder does (see the module's doc)."""


def _plain(value: Any, records: Mapping[type, Transcoding], depth: int = 0) -> bool:
    """Whether orjson would write ``value`` (dicts, lists and tuples walked) as the library
    does: every leaf of a type in ``_SAME``, a float both spell alike, or a dataclass of
    ``records`` whose transcoding's encoding is plain in turn."""
    kind = type(value)
    if kind is dict:
        items = value.values()
    elif kind is list or kind is tuple:
        items = value
    elif kind is float:  # the stdlib writes ``repr``; orjson differs for some exponents, nan
        return orjson.dumps(value) == float.__repr__(value).encode()
    elif kind in records:
        return depth <= _MAX_DEPTH and _plain(records[kind].encode(value), records, depth + 1)
    elif kind in _SAME:
        return True
    else:  # a text enum (a status): the library writes its text, orjson its value
        return (
            isinstance(value, enum.Enum)
            and isinstance(value, str)
            and type(value.value) is str
            and str.__str__(value) == value.value
        )
    if depth > _MAX_DEPTH:
        return False
    for item in items:
        kind = type(item)
        if kind is str or kind is int or kind is bool or item is None:
            continue  # the leaves of an event, mostly: checked here, not in a call each
        if kind is dict and len(item) == 1 and type(next(iter(item.values()))) is str:
            continue  # a sealed field (``{"_pii_": text}``): some 20 in an imported household
        if not _plain(item, records, depth + 1):
            return False
    return True


#: No value yet (``OrjsonTranscoder``'s two recent ones, at first).
_NOTHING: Final = object()


class OrjsonTranscoder(JSONTranscoder):
    """``JSONTranscoder`` (same registrations, same bytes, same decoding), faster to encode."""

    #: The last two values transcoded, by identity, and what they were written as: a
    #: command's (or an import's) events share one ``occurred_at`` object between their own
    #: timestamps, and ``isoformat`` with orjson's call back cost about 2.5 us each (an
    #: imported household's six events: 12 datetimes, 6 of them the same). Records (mutable
    #: dataclasses) are not kept.
    _recent: tuple[tuple[object, dict[str, Any]], ...] = ((_NOTHING, {}), (_NOTHING, {}))

    def __init__(self) -> None:
        super().__init__()
        #: The registered dataclasses' transcodings (orjson passes them to ``default``).
        self.records: dict[type, Transcoding] = {}

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        if dataclasses.is_dataclass(transcoding.type):
            self.records[transcoding.type] = transcoding

    def encode(self, obj: Any) -> bytes:
        if _plain(obj, self.records):
            try:
                return orjson.dumps(obj, default=self._transcoded, option=_OPTIONS)
            except orjson.JSONEncodeError:
                pass  # the library's encoder raises its own error, or writes what orjson won't
        return super().encode(obj)

    def _transcoded(self, obj: Any) -> dict[str, Any]:
        """A registered type as the library writes it; raises for any other (orjson then
        raises ``JSONEncodeError``, and the library's encoder its own error). The values
        handed here other than records (datetimes, dates, Decimals) are immutable: the same
        object, the same writing."""
        recent = self._recent  # one read: another thread may replace it meanwhile
        for seen, written in recent:
            if seen is obj:
                if recent[0][0] is not obj:
                    self._recent = ((obj, written), recent[0])  # kept while it recurs
                return written
        transcoding = self.types[type(obj)]
        written = {"_type_": transcoding.name, "_data_": transcoding.encode(obj)}
        if type(obj) not in self.records:
            self._recent = ((obj, written), recent[0])
        return written

    def decode(self, data: bytes) -> Any:
        try:
            return self._untagged(orjson.loads(data))
        except (orjson.JSONDecodeError, _LibraryDecodes):
            return super().decode(data)

    def _untagged(self, value: Any) -> Any:
        """``value`` (from orjson) as the library's decoder gives it: each tagged dict
        replaced by its transcoding's decoding, innermost first; containers changed in place
        (they are orjson's own)."""
        kind = type(value)
        if kind is dict:
            if len(value) == 2 and "_type_" in value and "_data_" in value:
                name = value["_type_"]
                transcoding = self.names.get(name) if type(name) is str else None
                if transcoding is None:
                    raise _LibraryDecodes  # which raises its own error
                return transcoding.decode(self._untagged(value["_data_"]))
            for key, item in value.items():
                if type(item) in _WALKED:
                    value[key] = self._untagged(item)
        elif kind is list:
            for index, item in enumerate(value):
                if type(item) in _WALKED:
                    value[index] = self._untagged(item)
        elif kind is float and not -_BIG < value < _BIG:
            raise _LibraryDecodes
        return value
