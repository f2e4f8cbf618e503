"""Offline sync: a batch of commands captured on a phone, their outcomes, and the changes feed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.common import Input
from api.schemas.households import HouseholdRead
from api.schemas.referrals import ReferralRead

#: Most items one batch may carry (documented in the README; more answers 422).
MAX_BATCH_ITEMS = 200
#: Most changes one page of the changes feed returns.
MAX_CHANGES_PAGE = 200

CommandId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00]*$"),
    Field(description="The client's id for this command (a UUID is best): its idempotency key"),
]
Outcome = Literal["applied", "duplicate", "conflict", "rejected", "forbidden"]


class SyncItem(Input):
    """One command as the phone captured it. ``body`` is the body of the matching /v1 route
    (validated per item, so one bad item never refuses the batch)."""

    model_config = ConfigDict(extra="forbid")

    command_id: CommandId
    type: str = Field(description="The command, e.g. household.visit (see the README's table)")
    target: UUID | None = Field(
        default=None,
        description="The household or referral the command acts on; for household.register "
        "and referral.make, the new aggregate's client-chosen id (optional)",
    )
    params: dict[str, UUID] = Field(
        default_factory=dict,
        description="The route's other path parameters (household.need.resolve: need_id)",
    )
    expected_version: int | None = Field(
        default=None, ge=0, le=2**63 - 1, description="As If-Match: a stale version is a conflict"
    )
    occurred_at: AwareDatetime | None = Field(
        default=None, description="When it happened in the field (the body's occurred_at)"
    )
    body: dict[str, Any] = Field(default_factory=dict)


class SyncBatch(Input):
    model_config = ConfigDict(extra="forbid")

    items: list[SyncItem] = Field(
        min_length=1,
        max_length=MAX_BATCH_ITEMS,
        description=f"Run in order, at most {MAX_BATCH_ITEMS}",
    )


class SyncResult(BaseModel):
    """One item's outcome: ``applied`` and ``duplicate`` carry the write's answer (id, version,
    position and the ids the route answers); ``conflict`` the rule (``stale-version`` for a
    stale expected version); ``rejected`` the field errors; ``forbidden`` a detail that never
    says whether the object exists."""

    index: int
    command_id: str
    outcome: Outcome
    id: str | None = None
    version: int | None = None
    position: int | None = None
    ids: dict[str, str] = Field(
        default_factory=dict, description="New ids the command answered, e.g. need_id"
    )
    rule: str | None = None
    current_version: int | None = None
    detail: str | None = None
    errors: list[dict[str, Any]] | None = None


class SyncResults(BaseModel):
    results: list[SyncResult]
    position: int | None = Field(
        description="The last log position written (or replayed) by this batch: pass it as "
        "?min_position= to read your writes"
    )


class VisitDueRead(BaseModel):
    """A high-risk household's next visit: due within EW-06's threshold (30 days by default)
    of ``last_visit_at`` (the rule alerts past it); ``active`` false once the household is no
    longer high-risk and active."""

    active: bool
    risk_level: str | None
    last_visit_at: datetime | None = Field(description="Null: never visited")


class RemovedRead(BaseModel):
    """A household or referral the caller's offline copy must drop: it left the caller's
    sight (moved to a ward outside it, reassigned to another department, handed to another
    ward by a merge of duplicate households or its undoing: ``merged``), was erased, or the
    caller lost the role or scope it saw it by (``access``)."""

    of: Literal["household", "referral"]
    reason: Literal["moved", "reassigned", "merged", "erased", "access"]


class ChangeRead(BaseModel):
    """A household or referral that changed (its current state as the caller may see it), a
    household's visit that became due or stopped being due (``id``: the household's), or a
    household or referral to drop (``removed``)."""

    kind: Literal["household", "referral", "visit_due", "removed"]
    id: str
    position: int = Field(description="Log position of the row's last change")
    household: HouseholdRead | None = None
    referral: ReferralRead | None = None
    visit_due: VisitDueRead | None = None
    removed: RemovedRead | None = None


class ChangesRead(BaseModel):
    changes: list[ChangeRead]
    next_since: int = Field(description="Pass as ?since= for the next page (or the next sync)")
    more: bool = Field(description="True when another page is ready now")
