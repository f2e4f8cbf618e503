"""A register's cells as the API's bodies hold them: each column's value read from its text
(isiZulu or English, yes/no, whole numbers) and put at its place in the registration and
profile bodies (the template's paths, ``api/imports/template.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final

from api.imports.template import (
    BOOLEAN_COLUMNS,
    HOUSEHOLD_COLUMNS,
    INTEGER_COLUMNS,
    ISIZULU,
    MEMBER_COLUMNS,
    NO,
    YES,
)

# Cells kept as written; every other column holds a closed value (case and spaces ignored).
TEXT_COLUMNS = frozenset(
    {"household_key", "ward_id", "village", "first_name", "surname", "id_number", "phone"}
)
GRANTS_COLUMN: Final = "grants_receiving"
#: Read as a closed value is, but never through its cache: personal (POPIA), and nearly every
#: member's differs (each was a miss that pushed a yes or a room count out of the cache).
DATE_COLUMN: Final = "date_of_birth"

# How a column's cell is read (``Place.kind``).
_TEXT, _CLOSED, _GRANTS, _DATE = 0, 1, 2, 3


def value(column: str, raw: str) -> tuple[Any, str | None]:
    """The cell as the API's body holds it, or the reason it cannot be."""
    if raw == "":
        return None, None
    if column in TEXT_COLUMNS:
        # As given, and never through the cache below: names, ID numbers and phones would
        # stay in a long-lived process's memory (the upload endpoint's) after the import.
        return raw, None
    if column == GRANTS_COLUMN:
        return _grants(raw), None
    if column == DATE_COLUMN:
        return _word(raw), None
    return closed_value(column, raw)


def _word(raw: str) -> str:
    """A closed value's word as written in the API's bodies (no isiZulu word for it)."""
    return raw.strip().lower().replace(" ", "_")


def _grants(raw: str) -> list[dict[str, str]]:
    """A list of its own each time (bodies are not shared)."""
    return [
        {"grant_type": g.strip().replace(" ", "_"), "status": "receiving"}
        for g in raw.strip().lower().split(";")
        if g.strip()
    ]


@lru_cache(maxsize=4096)
def closed_value(column: str, raw: str) -> tuple[Any, str | None]:
    """``value`` of a closed column (no personal data): immutable, and a register holds few
    distinct values per closed column (yes/no, a dwelling type, a room count), so each is
    worked out once a process rather than for each of a household's ~30 closed cells."""
    word = raw.strip().lower()
    if column in BOOLEAN_COLUMNS:
        if word in YES:
            return True, None
        if word in NO:
            return False, None
        return None, "must be yes or no (yebo or cha)"
    if column in INTEGER_COLUMNS:
        try:
            return int(word), None
        except ValueError:
            return None, "must be a whole number"
    return ISIZULU.get(column, {}).get(word, word.replace(" ", "_")), None


#: A column with a place in the profile's body: its name, how its cell is read, the dicts on
#: the way (from the profile, or from a member) and its key in the last.
Place = tuple[str, int, tuple[str, ...], str]


def _kind(column: str) -> int:
    if column in TEXT_COLUMNS:
        return _TEXT
    return {GRANTS_COLUMN: _GRANTS, DATE_COLUMN: _DATE}.get(column, _CLOSED)


def _places(columns: Mapping[str, str]) -> tuple[Place, ...]:
    """The columns' places, worked out once (not once a cell)."""
    return tuple(
        (
            column,
            _kind(column),
            tuple(parts[:-1]),
            parts[-1],
        )
        for column, path in columns.items()
        if path and not path.startswith("register.")
        for parts in [path.split(".")]
    )


HOUSEHOLD_PLACES: Final = _places(HOUSEHOLD_COLUMNS)
MEMBER_PLACES: Final = _places(MEMBER_COLUMNS)


def fill(
    body: dict[str, Any], cells: Mapping[str, str], places: tuple[Place, ...]
) -> list[tuple[str, str]]:
    """Put a row's cells at their places in ``body`` as ``value`` reads them (an empty cell
    puts nothing); returns the columns whose cell cannot be read, and why."""
    unread = []
    for column, kind, parents, last in places:
        raw = cells.get(column)
        if not raw:
            continue
        if kind == _CLOSED:
            read, reason = closed_value(column, raw)
            if reason:
                unread.append((column, reason))
                continue
        elif kind == _TEXT:
            read = raw
        elif kind == _DATE:
            read = _word(raw)
        else:
            read = _grants(raw)
        target = body
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = read
    return unread


def placed(body: Mapping[str, Any], column: str, places: tuple[Place, ...]) -> Any:
    """The value ``fill`` put in ``body`` for ``column`` (None if it put none)."""
    for name, _, parents, last in places:
        if name == column:
            for part in parents:
                body = body.get(part, {})
            return body.get(last)
    raise KeyError(column)
