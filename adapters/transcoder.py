"""The event store's transcoder: the library's ``JSONTranscoder``, writing the same bytes with
orjson when it can tell they would be the same.

The library's transcoder encodes with the stdlib's ``json`` (compact separators, UTF-8 kept)
and calls back into Python for every UUID, datetime and date (``{"_type_": ..., "_data_":
...}``): about 100 us of an imported household's six events, against about 25 us for
orjson. orjson writes the same bytes for str, int, bool, None, dicts and lists, and hands
datetimes, dates and Decimals to ``default`` (``OPT_PASSTHROUGH_DATETIME``), which writes
them as the library does (its registered transcodings). What it would write otherwise is
left to the library: a UUID (orjson spells it as text), a float orjson spells otherwise
than ``repr`` (some exponents, nan), an enum or a subclass of a built-in type (orjson writes
their values; the library raises or calls the transcoding). An event holding any of these,
or anything orjson refuses (a non-str key, an integer past 64 bits, a lone surrogate), or
nested deeper than 250, is encoded by the library's own ``encode``. Decoding is the
library's, unchanged.

``tests/unit/test_transcoder.py`` checks the bytes against the library's over generated
events.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import orjson
from eventsourcing.persistence import JSONTranscoder

#: Leaves orjson writes as the stdlib does (exact types: a subclass is not one of them), or
#: hands to ``default`` (``OPT_PASSTHROUGH_DATETIME``; Decimal it never knows).
_SAME: Final = frozenset({str, int, bool, type(None), datetime, date, Decimal})
_OPTIONS: Final = orjson.OPT_PASSTHROUGH_DATETIME
#: Deeper than this, the library encodes the event (orjson refuses past 254; a cycle ends).
_MAX_DEPTH: Final = 250


def _plain(value: Any, depth: int = 0) -> bool:
    """Whether orjson would write ``value`` (dicts, lists and tuples walked) as the library
    does: every leaf of a type in ``_SAME``, or a float both spell alike."""
    kind = type(value)
    if kind is dict:
        items = value.values()
    elif kind is list or kind is tuple:
        items = value
    elif kind is float:  # the stdlib writes ``repr``; orjson differs for some exponents, nan
        return orjson.dumps(value) == float.__repr__(value).encode()
    else:
        return kind in _SAME
    if depth > _MAX_DEPTH:
        return False
    for item in items:
        kind = type(item)
        if kind is str or kind is int or kind is bool or item is None:
            continue  # the leaves of an event, mostly: checked here, not in a call each
        if not _plain(item, depth + 1):
            return False
    return True


#: No value yet (``OrjsonTranscoder``'s two recent ones, at first).
_NOTHING: Final = object()


class OrjsonTranscoder(JSONTranscoder):
    """``JSONTranscoder`` (same registrations, same bytes, same decoding), faster to encode."""

    #: The last two values transcoded, by identity, and what they were written as: a
    #: command's (or an import's) events share one ``occurred_at`` object between their own
    #: timestamps, and ``isoformat`` with orjson's call back cost about 2.5 us each (an
    #: imported household's six events: 12 datetimes, 6 of them the same).
    _recent: tuple[tuple[object, dict[str, Any]], ...] = ((_NOTHING, {}), (_NOTHING, {}))

    def encode(self, obj: Any) -> bytes:
        if _plain(obj):
            try:
                return orjson.dumps(obj, default=self._transcoded, option=_OPTIONS)
            except orjson.JSONEncodeError:
                pass  # the library's encoder raises its own error, or writes what orjson won't
        return super().encode(obj)

    def _transcoded(self, obj: Any) -> dict[str, Any]:
        """A registered type as the library writes it; raises for any other (orjson then
        raises ``JSONEncodeError``, and the library's encoder its own error). The values
        handed here (datetimes, dates, Decimals) are immutable: the same object, the same
        writing."""
        recent = self._recent  # one read: another thread may replace it meanwhile
        for seen, written in recent:
            if seen is obj:
                if recent[0][0] is not obj:
                    self._recent = ((obj, written), recent[0])  # kept while it recurs
                return written
        transcoding = self.types[type(obj)]
        written = {"_type_": transcoding.name, "_data_": transcoding.encode(obj)}
        self._recent = ((obj, written), recent[0])
        return written
