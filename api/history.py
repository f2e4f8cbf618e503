"""The audit trail of one aggregate, optionally as it was recorded at a past moment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel

from api.schemas.common import EventRead, HistoryRead
from domain.access.principal import Principal
from domain.base import SukumaAggregate
from domain.sukuma import Sukuma

A = TypeVar("A", bound=SukumaAggregate)


def history_of(
    app: Sukuma,
    cls: type[A],
    aggregate_id: UUID,
    as_of: datetime | None,
    present: Callable[[A], BaseModel],
    principal: Principal,
) -> HistoryRead:
    events, state = app.history(cls, aggregate_id, as_of, principal=principal)
    return HistoryRead(
        id=str(aggregate_id),
        as_of=as_of,
        events=[EventRead.of(e) for e in events],
        state=None if state is None else jsonable_encoder(present(state)),
    )
