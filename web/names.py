"""People in lists by the name a reader may see. Households: the head's name for a reader with the
right to personal data (``pii:read``), shaped and logged by ``api.personal`` as the API's
household read is; everyone else (and a household whose names are erased or withheld) sees
its reference, never a name. Field workers: their names to whoever may read the field
worker, as ``GET /v1/field-workers/{id}`` shows them."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

from fastapi.concurrency import run_in_threadpool

from api.personal import household_read
from domain.access.principal import Principal
from domain.errors import NotFoundError
from domain.fieldworkers.model import FieldWorker
from domain.households.model import Household
from domain.personal_data import ERASED, WITHHELD
from domain.sukuma import Sukuma


def household_names(
    app: Sukuma, principal: Principal, ids: Collection[UUID], endpoint: str
) -> dict[UUID, str]:
    """The head's name of each household the reader may see it of (blocking: each is loaded
    and shaped by ``api.personal``, which logs the names it shows under ``endpoint``)."""
    names = {}
    for household_id in sorted(ids):
        try:
            household = app.read(Household, household_id, principal)
        except NotFoundError:
            continue
        profile = household_read(app, principal, household, endpoint).profile or {}
        head = next((m for m in profile.get("members", []) if m.get("relation") == "head"), None)
        parts = [head.get(k) for k in ("first_name", "surname")] if head else []
        if parts and all(p and p not in (WITHHELD, ERASED) for p in parts):
            names[household_id] = " ".join(str(p) for p in parts)
    return names


def field_worker_names(app: Sukuma, principal: Principal, worker_ids: list[str]) -> dict[str, str]:
    """Each field worker's name, where the reader may read the field worker (blocking: each
    is loaded from the event store; a ward has a handful)."""
    names = {}
    for worker_id in worker_ids:
        try:
            names[worker_id] = app.read(FieldWorker, UUID(worker_id), principal).name
        except (NotFoundError, ValueError):
            continue
    return names


async def named(
    app: Sukuma, principal: Principal, rows: list[dict[str, Any]], endpoint: str
) -> list[dict[str, Any]]:
    """``rows`` with ``household_name`` where the reader may see it (no look-up at all for a
    reader without the right to personal data: a name would be withheld anyway)."""
    if not principal.may_read_pii or not rows:
        return rows
    ids = {UUID(str(r["household_id"])) for r in rows if r.get("household_id")}
    names = await run_in_threadpool(household_names, app, principal, ids, endpoint)
    return [
        {**r, "household_name": names.get(UUID(str(r["household_id"])))}
        if r.get("household_id")
        else r
        for r in rows
    ]
