"""Event handlers of the nerve-centre projection: each updates case rows and area totals.

Handlers use ``occurred_at`` (when it happened in the field), never the clock, so a rebuild
yields exactly the same views. Rows touched by a page stay cached across pages (this process
is the only writer of these tables); a page's unknown rows are loaded in one query first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod

from domain.fieldworkers.model import FieldWorker
from domain.households.model import Household
from domain.reference.geography import geography
from domain.referrals.model import Referral
from domain.vocabulary import Severity
from domain.warrooms.model import WarRoom, war_room_id
from projections.base import BufferedProjection
from projections.nerve_centre import contributions
from projections.nerve_centre.view import NerveCentreView

CACHE_LIMIT = 200_000  # rows kept between pages; beyond it the cache starts afresh
CONTRIBUTION = "_contribution"  # a cached row's totals, kept beside its columns
Contribution = Callable[[dict[str, Any]], Counter[contributions.Key]]
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


class NerveCentreProjection(BufferedProjection):
    name = "nerve_centre"

    def __init__(self, view: NerveCentreView) -> None:
        super().__init__(view)
        self.nc: NerveCentreView = view
        self.households: dict[UUID, dict[str, Any]] = {}
        self.referrals: dict[UUID, dict[str, Any]] = {}
        self.field_workers: dict[str, dict[str, Any]] = {}
        # Rows whose totals may have moved this page, by id(row): settled once at the page's end
        self.unsettled: dict[int, tuple[dict[str, Any], Contribution]] = {}

    # ---- cache -----------------------------------------------------------------------------

    def prefetch(self, events: Sequence[Any]) -> None:
        wanted: dict[type, set[Any]] = {Household: set(), Referral: set(), FieldWorker: set()}
        for event in events:
            owner = type(event).__qualname__.split(".")[0]
            if owner == "Household" and event.originator_version > 1:
                wanted[Household].add(event.originator_id)
            elif owner == "Referral" and event.originator_version > 1:
                wanted[Referral].add(event.originator_id)
            elif owner == "Referral":
                wanted[Household].add(UUID(event.household_id))  # its need's identified day
            elif owner == "FieldWorker" and event.originator_version > 1:
                wanted[FieldWorker].add(str(event.originator_id))
            if getattr(event, "field_worker_id", None):
                wanted[FieldWorker].add(event.field_worker_id)
        self.households.update(self.nc.load_households(wanted[Household] - self.households.keys()))
        self.referrals.update(self.nc.load_referrals(wanted[Referral] - self.referrals.keys()))
        self.field_workers.update(
            self.nc.load_field_workers(wanted[FieldWorker] - self.field_workers.keys())
        )

    def forget(self) -> None:
        self.households.clear()
        self.referrals.clear()
        self.field_workers.clear()
        self.unsettled.clear()

    def cache_full(self) -> bool:
        return len(self.households) + len(self.referrals) > CACHE_LIMIT

    # ---- applying a change to a row and its contributions -------------------------------------

    def _totals(self) -> dict[str, Counter[Any]]:
        """The view's running totals by the table names contributions use."""
        view = self.nc
        return {
            "counts": view.counts,
            "due": view.due,
            "made": view.made,
            "ward_needs": view.ward_needs,
            "dept": view.departments,
            "dept_due": view.department_due,
        }

    def _household(
        self, event: Any, change: Callable[[dict[str, Any]], None], *, totals: bool = True
    ) -> dict[str, Any]:
        return self._change("households", contributions.household, event, change, totals)

    def _referral(
        self, event: Any, change: Callable[[dict[str, Any]], None], *, totals: bool = True
    ) -> dict[str, Any]:
        return self._change("referrals", contributions.referral, event, change, totals)

    def _change(
        self,
        table: str,
        contribution: Contribution,
        event: Any,
        change: Callable[[dict[str, Any]], None],
        totals: bool,
    ) -> dict[str, Any]:
        """Change a case row; its totals are settled once the page's events are all handled.

        ``totals=False`` when the event moves no field that any total counts.
        """
        row: dict[str, Any] = getattr(self, table)[event.originator_id]
        if totals:
            self._unsettle(row, contribution)
        change(row)
        self._touch(row, table, event.originator_id)
        return row

    def _unsettle(self, row: dict[str, Any], contribution: Contribution) -> None:
        # A row keeps its settled contribution beside its columns (a row just loaded from the
        # table computes it here, before its first change).
        if CONTRIBUTION not in row:
            row[CONTRIBUTION] = contribution(row)
        self.unsettled[id(row)] = (row, contribution)

    def settle(self) -> None:
        """Add to the totals what each row changed this page makes of difference.

        Totals are a function of the rows, so the sum of per-event differences telescopes to
        (contribution at the page's end - contribution at its start): computed once per row
        per page, not once per event (a page holds ~10 events per case).
        """
        totals = self._totals()
        for row, contribution in self.unsettled.values():
            after, before = contribution(row), row[CONTRIBUTION]
            row[CONTRIBUTION] = after
            # after - before, added key by key (no Counter arithmetic: it is Python per key)
            for (table, key), value in after.items():
                value -= before.get((table, key), 0)
                if value:
                    total = totals[table]
                    total[key] = total.get(key, 0) + value
            for (table, key), value in before.items():
                if value and (table, key) not in after:
                    total = totals[table]
                    total[key] = total.get(key, 0) - value
        self.unsettled.clear()

    def _touch(self, row: dict[str, Any], table: str, key: Any) -> None:
        row["position"] = self.position
        getattr(self.nc, table)[key] = row

    def _daily(self, row: dict[str, Any], when: datetime, metric: str) -> None:
        # Counted once per ward here; the view spreads a page's ward totals to every level.
        daily = self.nc.ward_daily
        key = row["ward_id"], row["municipality"], row["district"], metric, when.date()
        daily[key] = daily.get(key, 0) + 1  # not +=: Counter's __missing__ is Python

    def _submission(self, field_worker_id: str | None, when: datetime) -> None:
        if not field_worker_id or field_worker_id not in self.field_workers:
            return
        worker = self.field_workers[field_worker_id]
        last = worker["last_submission_at"]
        worker["last_submission_at"] = when if last is None else max(last, when)
        self._touch(worker, "field_workers", field_worker_id)

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
        }
        self.households[e.originator_id] = row
        row[CONTRIBUTION] = Counter()  # a new row counted nowhere yet
        self._unsettle(row, contributions.household)
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
            row["profiled_at"] = e.occurred_at
            row["last_contact_at"] = max(row["last_contact_at"], e.occurred_at)
            if row["status"] == "registered":
                row["status"] = "active"
            if e.field_worker_id:
                row["field_worker_id"] = e.field_worker_id

        row = self._household(e, change)
        self._daily(row, e.occurred_at, "profiles")
        self._submission(e.field_worker_id, e.occurred_at)

    @handle.register
    def _(self, e: Household.RiskScored) -> None:
        def change(row: dict[str, Any]) -> None:
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

        self._household(e, change)

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

        self._household(e, change)

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
        }
        self.referrals[e.originator_id] = row
        row[CONTRIBUTION] = Counter()  # a new row counted nowhere yet
        self._unsettle(row, contributions.referral)
        self._touch(row, "referrals", e.originator_id)
        self._daily(row, e.occurred_at, "referrals_made")
        need = self.households.get(row["household_id"], {}).get("open_needs", {}).get(e.need_id)
        if need and Severity(need[1]).rank >= Severity.MEDIUM.rank:
            identified = date.fromisoformat(need[2])
            if (e.occurred_at.date() - identified).days <= REFERRAL_WINDOW_DAYS:
                # M4 numerator, on the need's own day so it divides by that day's needs
                for level, code in contributions.areas(row):
                    self.nc.daily[level, code, "needs_referred_14d", identified] += 1

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
    def _(self, e: Referral.Escalated) -> None:
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
            self.nc.counts[level, code, "war_rooms"] += 1

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
