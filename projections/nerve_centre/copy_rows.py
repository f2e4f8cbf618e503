"""The nerve centre's case rows as COPY takes them: each row's values in its table's columns'
order, taken in C (a catch-up copies rows millions of times)."""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

import orjson

from projections.nerve_centre.tables import ROW_COLUMNS


def row_values(columns: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A case row's values in its columns' order, for COPY: taken in C (``itemgetter``), not
    column by column in Python (a catch-up copies rows millions of times), and a jsonb
    column's dict as JSON text (orjson, in C; COPY parses it)."""
    get = itemgetter(*columns)
    json = [i for i, column in enumerate(columns) if column in JSON_COLUMNS]
    if not json:
        return get

    def values(row: dict[str, Any]) -> tuple[Any, ...]:
        out = list(get(row))
        for i in json:
            out[i] = orjson.dumps(out[i]).decode()
        return tuple(out)

    return values


JSON_COLUMNS = frozenset({"open_needs"})  # the case rows' jsonb columns
ROW_VALUES = {table: row_values(columns) for table, columns in ROW_COLUMNS.items()}
