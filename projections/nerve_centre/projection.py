"""Event handlers of the nerve-centre projection: each updates case rows and area totals.

Handlers use ``occurred_at`` (when it happened in the field), never the clock, so a rebuild
yields exactly the same views. The cached rows and the settling of their totals are in
``projections.nerve_centre.rows``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod

from domain.fieldworkers.model import FieldWorker
from domain.households.model import Household
from domain.reference.geography import geography
from domain.referrals.model import Referral
from domain.vocabulary import Severity
from domain.warrooms.model import WarRoom, war_room_id
from projections.nerve_centre import contributions
from projections.nerve_centre.merges import MergedCases
from projections.nerve_centre.rows import CONTRIBUTION

REFERRAL_WINDOW_DAYS = 14  # M4: a need counts as referred when referred within 14 days
REGRESSION_WINDOW = timedelta(days=90)  # M12: reopened within 90 days of graduation


def _week(when: datetime) -> tuple[int, int]:
    iso = when.isocalendar()
    return iso.year, iso.week


@cache
def war_room_wards() -> dict[UUID, str]:
    """A war room's id derives from its ward, so the ward of any war room is a lookup."""
    return {war_room_id(ward.id): ward.id for ward in geography().wards}


def _high(severity: str) -> int:
    return 1 if Severity(severity).rank >= Severity.HIGH.rank else 0


class NerveCentreProjection(MergedCases):
    name = "nerve_centre"
    # The answers are read by the rules that scored them, not here: most of the log's bytes.
    unused_fields: ClassVar[dict[type, frozenset[str]]] = {
        Household.ProfileSubmitted: frozenset({"profile"})
    }

    # ---- handlers --------------------------------------------------------------------------

    @singledispatchmethod
    def handle(self, domain_event: Any) -> None:
        """Other events only advance the position."""

    @handle.register
    def _(self, e: Household.Registered) -> None:
        municipality, district, _ = geography().ancestors(e.ward_id)
        row: dict[str, Any] = {
            "household_id": e.originator_id,
            "ward_id": e.ward_id,
            "municipality": municipality,
            "district": district,
            "status": "registered",
            "risk_level": None,
            "risk_score": None,
            "open_needs": {},
            "open_categories": [],
            "high_needs": 0,
            "registered_at": e.occurred_at,
            "profiled_at": None,
            "last_contact_at": e.occurred_at,
            "field_worker_id": e.field_worker_id,
            "graduated_at": None,
            "merged_into": None,
        }
        self.households[e.originator_id] = row
        row[CONTRIBUTION] = contributions.NOWHERE  # a new row counted nowhere yet
        self._unsettle(row, contributions.household_short)
        self._touch(row, "households", e.originator_id)
        self._daily(row, e.occurred_at, "households_registered")

    @handle.register
    def _(self, e: Household.ProfileSubmitted) -> None:
        def change(row: dict[str, Any]) -> None:
            previous = row["profiled_at"]
            if previous is None:
                self._daily(row, e.occurred_at, "households_profiled")
            if previous is None or _week(previous) != _week(e.occurred_at):
                self._daily(row, e.occurred_at, "profiled_households")  # M1: distinct per week
            # An older profile is history: the current one (and its risk) is the latest.
            row["profiled_at"] = max(previous or e.occurred_at, e.occurred_at)
            row["last_contact_at"] = max(row["last_contact_at"], e.occurred_at)
            if row["status"] == "registered":
                row["status"] = "active"

        row = self._household(e, change)
        self._daily(row, e.occurred_at, "profiles")
        self._submission(e.field_worker_id, e.occurred_at)

    @handle.register
    def _(self, e: Household.RiskScored) -> None:
        def change(row: dict[str, Any]) -> None:
            if row["profiled_at"] is None or e.occurred_at >= row["profiled_at"]:
                row["risk_level"], row["risk_score"] = e.level, e.score

        self._household(e, change)

    @handle.register
    def _(self, e: Household.NeedIdentified) -> None:
        def change(row: dict[str, Any]) -> None:
            identified = e.occurred_at.date().isoformat()
            row["open_needs"] = {
                **row["open_needs"],
                e.need_id: [e.category, e.severity, identified],
            }
            row["open_categories"] = sorted({n[0] for n in row["open_needs"].values()})
            row["high_needs"] += _high(e.severity)

        row = self._household(e, change)
        self.follow_need(row, change)
        for metric in ("needs", f"needs:{e.category}", f"needs_severity:{e.severity}"):
            self._daily(row, e.occurred_at, metric)
        if Severity(e.severity).rank >= Severity.MEDIUM.rank:
            self._daily(row, e.occurred_at, "needs_referable")  # M4 denominator

    @handle.register
    def _(self, e: Household.NeedResolved) -> None:
        def change(row: dict[str, Any]) -> None:
            needs = dict(row["open_needs"])
            need = needs.pop(e.need_id, None)
            if need is not None:
                row["high_needs"] -= _high(need[1])
            row["open_needs"] = needs
            row["open_categories"] = sorted({n[0] for n in needs.values()})

        self.follow_need(self._household(e, change), change)

    @handle.register
    def _(self, e: Household.VisitRecorded) -> None:
        def change(row: dict[str, Any]) -> None:
            row["last_contact_at"] = max(row["last_contact_at"], e.occurred_at)

        row = self._household(e, change, totals=False)  # last contact is in no total
        self._daily(row, e.occurred_at, "visits")
        if e.field_worker_id:
            key = (e.field_worker_id, e.originator_id)
            day = e.occurred_at.date()
            self.nc.fw_visits[key] = max(self.nc.fw_visits.get(key, day), day)
        self._submission(e.field_worker_id, e.occurred_at)

    @handle.register
    def _(self, e: Household.InterventionDelivered) -> None:
        row = self._household(e, lambda row: None, totals=False)
        self._daily(row, e.occurred_at, "interventions")

    @handle.register
    def _(self, e: Household.Moved) -> None:
        municipality, district, _ = geography().ancestors(e.to_ward_id)

        def change(row: dict[str, Any]) -> None:
            row.update(ward_id=e.to_ward_id, municipality=municipality, district=district)

        self._household(e, change)  # the referrals it takes along have their own events

    @handle.register
    def _(self, e: Household.FieldWorkerAssigned | Household.FieldWorkerUnassigned) -> None:
        # The household's field worker is its caseload's (not whoever submitted for it last).
        worker = e.field_worker_id if isinstance(e, Household.FieldWorkerAssigned) else None

        def change(row: dict[str, Any]) -> None:
            row["field_worker_id"] = worker

        self._household(e, change, totals=False)

    @handle.register
    def _(self, e: Household.MergedInto | Household.MergeUndone) -> None:
        self.follow_merge(e)  # see projections.nerve_centre.merges

    @handle.register
    def _(self, e: Household.Graduated) -> None:
        def change(row: dict[str, Any]) -> None:
            row["status"], row["graduated_at"] = "graduated", e.occurred_at

        self._daily(self._household(e, change), e.occurred_at, "graduations")

    @handle.register
    def _(self, e: Household.Reopened) -> None:
        graduated_at = self.households[e.originator_id]["graduated_at"]

        def change(row: dict[str, Any]) -> None:
            row["status"] = "active"

        row = self._household(e, change)
        if graduated_at is not None and e.occurred_at - graduated_at <= REGRESSION_WINDOW:
            self._daily(row, e.occurred_at, "regressions")  # M12 regression within 90 days

    @handle.register
    def _(self, e: Referral.Made) -> None:
        municipality, district, _ = geography().ancestors(e.from_ward_id)
        row: dict[str, Any] = {
            "referral_id": e.originator_id,
            "household_id": UUID(e.household_id),
            "need_id": e.need_id,
            "category": e.category,
            "severity": e.severity,
            "ward_id": e.from_ward_id,
            "municipality": municipality,
            "district": district,
            "department": e.department,
            "status": "made",
            "escalation_level": 0,
            "made_at": e.occurred_at,
            "acknowledged_at": None,
            "delivered_at": None,
            "verified_at": None,
            "closed_at": None,
            "ack_by": e.ack_by,
            "deliver_by": e.deliver_by,
            "standard_version": e.standard_version,
            "merged_from": None,
        }
        self.referrals[e.originator_id] = row
        row[CONTRIBUTION] = contributions.NOWHERE  # a new row counted nowhere yet
        self._unsettle(row, contributions.referral_short)
        self._touch(row, "referrals", e.originator_id)
        self._daily(row, e.occurred_at, "referrals_made")
        need = self.households.get(row["household_id"], {}).get("open_needs", {}).get(e.need_id)
        if need and Severity(need[1]).rank >= Severity.MEDIUM.rank:
            identified = date.fromisoformat(need[2])
            if (e.occurred_at.date() - identified).days <= REFERRAL_WINDOW_DAYS:
                # M4 numerator, on the need's own day so it divides by that day's needs
                self._daily_on(row, identified, "needs_referred_14d")

    def _transition(self, e: Any, status: str, **stamps: Any) -> dict[str, Any]:
        def change(row: dict[str, Any]) -> None:
            row["status"] = status
            row.update(stamps)

        return self._referral(e, change)

    @handle.register
    def _(self, e: Referral.Acknowledged) -> None:
        row = self._transition(e, "acknowledged", acknowledged_at=e.occurred_at)
        self._daily(row, e.occurred_at, "acknowledged")  # M5 weekly
        if e.occurred_at.date() <= row["ack_by"]:
            self._daily(row, e.occurred_at, "acknowledged_within")

    @handle.register
    def _(self, e: Referral.Rejected) -> None:
        self._transition(e, "rejected", closed_at=e.occurred_at)

    @handle.register
    def _(self, e: Referral.Reassigned) -> None:
        self._transition(
            e,
            "made",
            department=e.to_department,
            ack_by=e.ack_by,
            deliver_by=e.deliver_by,
            standard_version=e.standard_version,
            acknowledged_at=None,
        )

    @handle.register
    def _(self, e: Referral.Rehomed | Referral.HandedOver) -> None:
        # Its household moved, or a merge (a survivor's move, the unmerge) handed it over
        municipality, district, _ = geography().ancestors(e.ward_id)

        def change(row: dict[str, Any]) -> None:
            row.update(ward_id=e.ward_id, municipality=municipality, district=district)

        self._referral(e, change)  # its open counts move to the new ward's areas

    @handle.register
    def _(self, e: Referral.Escalated | Referral.EscalatedOverdue) -> None:
        def change(row: dict[str, Any]) -> None:
            row["escalation_level"] = e.to_level

        self._referral(e, change, totals=False)  # escalation level is in no total

    @handle.register
    def _(self, e: Referral.ServiceDelivered) -> None:
        row = self._transition(e, "service_delivered", delivered_at=e.occurred_at)
        self._daily(row, e.occurred_at, "delivered")  # M6 weekly
        if e.occurred_at.date() <= row["deliver_by"]:
            self._daily(row, e.occurred_at, "delivered_within")

    @handle.register
    def _(self, e: Referral.DeliveryVerified) -> None:
        self._transition(e, "verified", verified_at=e.occurred_at)

    @handle.register
    def _(self, e: Referral.DeliveryDisputed) -> None:
        self._transition(e, "disputed")

    @handle.register
    def _(self, e: Referral.Reopened) -> None:
        self._transition(e, "acknowledged", delivered_at=None)

    @handle.register
    def _(self, e: Referral.Closed) -> None:
        row = self._transition(e, "closed", closed_at=e.occurred_at)
        self._daily(row, e.occurred_at, "referrals_completed")

    @handle.register
    def _(self, e: Referral.Cancelled) -> None:
        self._transition(e, "cancelled", closed_at=e.occurred_at)

    @handle.register
    def _(self, e: FieldWorker.Registered) -> None:
        key = str(e.originator_id)
        self.field_workers[key] = {
            "field_worker_id": key,
            "ward_ids": [],
            "active": True,
            "last_submission_at": None,
        }
        self._touch(self.field_workers[key], "field_workers", key)

    @handle.register
    def _(self, e: FieldWorker.AssignedToWard) -> None:
        worker = self.field_workers[str(e.originator_id)]
        worker["ward_ids"] = [*worker["ward_ids"], e.ward_id]
        self._touch(worker, "field_workers", str(e.originator_id))

    @handle.register
    def _(self, e: FieldWorker.Deactivated) -> None:
        worker = self.field_workers[str(e.originator_id)]
        worker["active"] = False
        self._touch(worker, "field_workers", str(e.originator_id))

    @handle.register
    def _(self, e: WarRoom.Established) -> None:
        row = self._ward_areas(e.ward_id)
        for level, code in contributions.areas(row):
            self.count("counts", (level, code, "war_rooms"), 1)

    @handle.register
    def _(self, e: WarRoom.MeetingHeld) -> None:
        ward_id = war_room_wards().get(e.originator_id)
        if ward_id is None:
            return
        row = self._ward_areas(ward_id)
        self._daily(row, e.occurred_at, "meetings")
        for department in e.departments_present:
            self._daily(row, e.occurred_at, f"attended:{department}")  # M9, M10

    @staticmethod
    def _ward_areas(ward_id: str) -> dict[str, Any]:
        municipality, district, _ = geography().ancestors(ward_id)
        return {"ward_id": ward_id, "municipality": municipality, "district": district}
