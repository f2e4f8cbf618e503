"""Event handlers of the names projection: where households are, their consent, their head's
sealed name, and which referrals share personal data."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from psycopg.types.json import Jsonb

from domain.households.model import Household
from domain.referrals.model import Referral
from projections.base import BufferedProjection
from projections.names.view import PARTS, NamesView


def _sealed(value: Any) -> Jsonb | None:
    return None if value is None else Jsonb(value)


def head_of(profile: dict[str, Any] | None) -> tuple[Any, Jsonb | None, Jsonb | None]:
    """The head's member id and its name's parts as the event holds them (sealed)."""
    members = (profile or {}).get("members") or []
    head = next((m for m in members if isinstance(m, dict) and m.get("relation") == "head"), {})
    first, surname = (_sealed(head.get(part)) for part in PARTS)
    return head.get("member_id"), first, surname


class NamesProjection(BufferedProjection):
    name = "names"

    #: Nothing of these is read here: left undecoded by the batching runner.
    unused_fields: ClassVar[dict[type, frozenset[str]]] = {
        Household.ProfileSubmitted: frozenset({"facts", "field_worker_id"}),
        Household.ProfileMerged: frozenset({"facts", "field_worker_id", "stamps", "changed"}),
    }

    def __init__(self, view: NamesView) -> None:
        super().__init__(view)
        self.nv: NamesView = view

    @singledispatchmethod
    def handle(self, domain_event: Any) -> None:
        """Other events only advance the position."""

    @handle.register
    def _(self, e: Household.Registered) -> None:
        self.nv.changes.append(("registered", (e.originator_id, e.ward_id)))

    @handle.register
    def _(self, e: Household.Moved) -> None:
        self.nv.changes.append(("moved", (e.to_ward_id, e.originator_id)))

    @handle.register
    def _(self, e: Household.ProfileSubmitted) -> None:
        consent = bool((e.profile.get("consent") or {}).get("given"))
        at, row = e.occurred_at, head_of(e.profile)
        self.nv.changes.append(("profiled", (at, *row, consent, e.originator_id, at)))

    @handle.register
    def _(self, e: Household.ProfileMerged) -> None:
        self.nv.changes.append(("merged", (e.occurred_at, *head_of(e.profile), e.originator_id)))

    @handle.register
    def _(self, e: Household.ProfileConflictResolved) -> None:
        steps = e.path.split(".")
        # Only a member's name can change the head's: a profile has exactly one head before
        # and after a resolution, which sets one field, so no relation resolved moves it.
        if len(steps) == 3 and steps[0] == "members" and steps[2] in PARTS:
            row = (Jsonb(e.value), e.originator_id, steps[1])  # the head's, if steps[1] is
            self.nv.changes.append((f"resolved_{steps[2]}", row))

    @handle.register
    def _(self, e: Household.ConsentGiven) -> None:
        self.nv.changes.append(("consent", ("given", e.originator_id)))

    @handle.register
    def _(self, e: Household.ConsentWithdrawn) -> None:
        self.nv.changes.append(("consent", ("withdrawn", e.originator_id)))

    @handle.register
    def _(self, e: Household.PersonalDataErased) -> None:
        self.nv.changes.append(("erased", (e.originator_id,)))

    @handle.register
    def _(self, e: Referral.Made) -> None:
        if e.personal_data_shared:
            self.nv.changes.append(("shared", (e.originator_id, UUID(e.household_id))))
