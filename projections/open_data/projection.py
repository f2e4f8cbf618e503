"""Event handlers of the open-data projection: each countable event becomes one fact row.

A fact keeps the ward and month where and when it happened (``occurred_at``, never the clock),
so a household moving later never moves its past facts, and a rebuild yields the same rows.
A merge of duplicate households writes no fact: it marks the duplicate's row, and a release
counts the duplicate's facts for its survivor (``release.Publisher``). Where a referral is
followed up (the ward its later facts count in) is its own events': ``Rehomed`` (its
household moved) and ``HandedOver`` (a merge, a move of the survivor, the unmerge).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod

from domain.households.model import Household
from domain.referrals.model import Referral
from domain.warrooms.model import WarRoom
from projections.base import BufferedProjection
from projections.decoding import uuid_text
from projections.nerve_centre.projection import war_room_wards
from projections.open_data.view import OpenDataView

CACHE_LIMIT = 100_000


def month_of(moment: datetime | date) -> date:
    return date(moment.year, moment.month, 1)


class OpenDataProjection(BufferedProjection):
    name = "open_data"
    # A profile counts once, by when and for whom: its answers (most of the log's bytes) are
    # never decoded here.
    unused_fields: ClassVar[dict[type, frozenset[str]]] = {
        Household.ProfileSubmitted: frozenset({"profile", "facts", "field_worker_id"})
    }

    def __init__(self, view: OpenDataView) -> None:
        super().__init__(view)
        self.ov: OpenDataView = view
        self.households: dict[UUID, dict[str, Any]] = {}
        self.referrals: dict[UUID, dict[str, Any]] = {}

    def prefetch(self, events: Sequence[Any]) -> None:
        later = [e for e in events if getattr(e, "originator_version", 1) > 1]
        households = {e.originator_id for e in later if isinstance(e, Household.Event)}
        referrals = {e.originator_id for e in later if isinstance(e, Referral.Event)}
        households -= self.households.keys()
        referrals -= self.referrals.keys()
        if households or referrals:
            # One made in this page has no stored row yet (its rows come from its own events,
            # none before its first): a catch-up's page asked for thousands in vain.
            made = {e.originator_id for e in events if getattr(e, "originator_version", 1) == 1}
            households -= made
            referrals -= made
        self.households.update(self.ov.load("households", "household_id", households))
        self.referrals.update(self.ov.load("referrals", "referral_id", referrals))

    def forget(self) -> None:
        self.households.clear()
        self.referrals.clear()

    def cache_full(self) -> bool:
        return len(self.households) + len(self.referrals) > CACHE_LIMIT

    # A fact's id holds its event's id as text: ``uuid_text``, not the UUID's own ``__str__``
    # (Python, a call a fact).
    def _fact(
        self,
        fact_id: str,
        measure: str,
        dim: str,
        household_id: UUID | None,
        ward_id: str,
        moment: datetime | date,
        days: int | None = None,
        standard_days: int | None = None,
        rating: int | None = None,
    ) -> None:
        row = (
            fact_id, measure, dim, household_id, ward_id, month_of(moment),
            days, standard_days, rating,
        )  # fmt: skip
        self.ov.changes.append(("fact", row))

    def _household(self, household_id: UUID, row: dict[str, Any]) -> None:
        self.households[household_id] = row
        self.ov.changes.append(
            ("household", (household_id, row["ward_id"], row["profiled"], row.get("merged_into")))
        )

    def _cached_household(self, household_id: UUID) -> dict[str, Any] | None:
        if household_id not in self.households:
            self.households.update(self.ov.load("households", "household_id", [household_id]))
        return self.households.get(household_id)

    @singledispatchmethod
    def handle(self, domain_event: Any) -> None:
        """Other events only advance the position."""

    @handle.register
    def _(self, e: Household.Registered) -> None:
        self._household(e.originator_id, {"ward_id": e.ward_id, "profiled": False})

    @handle.register
    def _(self, e: Household.Moved) -> None:
        row = self.households.get(e.originator_id)
        if row is not None:  # (the referrals it takes along have their own events)
            self._household(e.originator_id, {**row, "ward_id": e.to_ward_id})

    @handle.register
    def _(self, e: Household.ProfileSubmitted) -> None:
        row = self.households.get(e.originator_id)
        if row is None or row["profiled"]:
            return  # only a household's first profile counts: households, not profiles
        self._household(e.originator_id, {**row, "profiled": True})
        ward = row["ward_id"]
        self._fact(f"profiled:{uuid_text(e.originator_id)}", "households_profiled", "",
                   e.originator_id, ward, e.occurred_at)  # fmt: skip

    @handle.register
    def _(self, e: Household.NeedIdentified) -> None:
        row = self.households.get(e.originator_id)
        if row is not None:
            self._fact(f"need:{uuid_text(e.originator_id)}:{e.need_id}", "needs", e.category,
                       e.originator_id, row["ward_id"], e.occurred_at)  # fmt: skip

    @handle.register
    def _(self, e: Household.MergedInto | Household.MergeUndone) -> None:
        into = isinstance(e, Household.MergedInto)
        # (the merge's events are no ``Household.Event``: not prefetched)
        duplicate = self._cached_household(e.originator_id)
        if duplicate is None:
            return  # registered before a gap in the log (never in a whole log)
        survivor = UUID(e.survivor_id) if into else None
        self._household(e.originator_id, {**duplicate, "merged_into": survivor})

    @handle.register
    def _(self, e: Referral.Made) -> None:
        row: dict[str, Any] = {
            "household_id": UUID(e.household_id),
            "ward_id": e.from_ward_id,
            "department": e.department,
            "made_on": e.occurred_at.date(),
            "deliver_by": e.deliver_by,
            "merged_from": None,
        }
        self._referral(e.originator_id, row)
        self._fact(f"made:{uuid_text(e.originator_id)}", "referrals_made", e.department,
                   row["household_id"], e.from_ward_id, e.occurred_at)  # fmt: skip

    @handle.register
    def _(self, e: Referral.Reassigned) -> None:
        row = self.referrals.get(e.originator_id)
        if row is not None:
            self._referral(
                e.originator_id, {**row, "department": e.to_department, "deliver_by": e.deliver_by}
            )

    @handle.register
    def _(self, e: Referral.Rehomed) -> None:
        row = self.referrals.get(e.originator_id)
        if row is not None:  # followed up in its household's new ward from now on
            self._referral(e.originator_id, {**row, "ward_id": e.ward_id})

    @handle.register
    def _(self, e: Referral.HandedOver) -> None:
        # Followed up in its survivor's ward from now on (``merged_from``: its own household,
        # while another holds it), or in its own household's again (the unmerge)
        row = self.referrals.get(e.originator_id)
        if row is not None:
            held = UUID(e.household_id) != row["household_id"]
            moved = {"ward_id": e.ward_id, "merged_from": row["household_id"] if held else None}
            self._referral(e.originator_id, {**row, **moved})

    @handle.register
    def _(self, e: Referral.ServiceDelivered) -> None:
        row = self.referrals.get(e.originator_id)
        if row is None:
            return
        made_on = row["made_on"]
        self._fact(
            f"delivered:{uuid_text(e.originator_id)}", "referrals_delivered", row["department"],
            row["household_id"], row["ward_id"], e.occurred_at,
            days=(e.occurred_at.date() - made_on).days,
            standard_days=(row["deliver_by"] - made_on).days,
        )  # fmt: skip

    @handle.register
    def _(self, e: Referral.FeedbackGiven) -> None:
        row = self.referrals.get(e.originator_id)
        if row is None:
            return
        where = (row["department"], row["household_id"], row["ward_id"], e.occurred_at)
        if e.rating is not None:
            self._fact(f"rating:{uuid_text(e.originator_id)}", "ratings", *where, rating=e.rating)
        if not e.received:
            self._fact(f"not-received:{uuid_text(e.originator_id)}", "not_received", *where)

    @handle.register
    def _(self, e: WarRoom.MeetingHeld) -> None:
        ward_id = war_room_wards().get(e.originator_id)
        if ward_id is not None:
            self._fact(f"meeting:{uuid_text(e.originator_id)}:{e.meeting_id}", "meetings", "", None,
                       ward_id, e.held_on)  # fmt: skip

    def _referral(self, referral_id: UUID, row: dict[str, Any]) -> None:
        self.referrals[referral_id] = row
        self.ov.changes.append(
            ("referral", (referral_id, row["household_id"], row["ward_id"], row["department"],
                          row["made_on"], row["deliver_by"], row.get("merged_from")))
        )  # fmt: skip
