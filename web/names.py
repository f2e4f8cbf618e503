"""People by the name a reader may see, one at a time from the application: households' heads
as ``GET /v1/households/{id}`` shows them (a ward's report names a handful), field workers as
``GET /v1/field-workers/{id}`` does. Lists name their households by ``api.names`` (the names
view, one query a page), under the same rule as the API's lists with ``?names=true``; a
household the reader may not see named shows its reference there, never a name.
"""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

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
