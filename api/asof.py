"""``?as_of=YYYY-MM-DD&basis=recorded|occurred`` on every area view: one dependency."""

from __future__ import annotations

from datetime import UTC, date
from typing import Annotated

from fastapi import Depends, Query
from fastapi.exceptions import RequestValidationError

from api.deps import Clock
from projections.nerve_centre.queries.asof import AsOf, Basis


async def as_of_param(
    clock: Clock,
    as_of: Annotated[
        date | None,
        Query(
            description="The figures as known at the end of this day (UTC); absent: as known now"
        ),
    ] = None,
    basis: Annotated[
        Basis,
        Query(
            description="With as_of: `recorded` counts what the log held by then (a report "
            "made that day, reproduced exactly); `occurred` what had happened by then in the "
            "field, late submissions included, as known now"
        ),
    ] = "recorded",
) -> AsOf | None:
    if as_of is None:
        return None
    if as_of > clock().astimezone(UTC).date():
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("query", "as_of"),
                    "msg": "as_of is in the future",
                    "input": as_of.isoformat(),
                }
            ]
        )
    return AsOf(as_of, basis)


AsOfQuery = Annotated[AsOf | None, Depends(as_of_param)]


async def recorded_as_of(as_of: AsOfQuery) -> date | None:
    """A case export's ``as_of``: the rows as the log held them at the end of the day. Case
    rows keep their earlier versions by recorded day only, so ``basis=occurred`` is refused."""
    if as_of is None:
        return None
    if as_of.basis != "recorded":
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("query", "basis"),
                    "msg": "case exports are as of a day by recorded time only",
                    "input": as_of.basis,
                }
            ]
        )
    return as_of.day


RecordedAsOf = Annotated[date | None, Depends(recorded_as_of)]
