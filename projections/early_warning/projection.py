"""Event handlers of the early-warning projection: keep each subject's state and rule clocks.

Like the nerve centre, handlers use ``occurred_at`` and never the clock, so a rebuild yields the
same tables. The cached states and the writing of clocks are in
``projections.early_warning.states``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from eventsourcing.dispatch import singledispatchmethod

from domain.fieldworkers.model import FieldWorker
from domain.households.model import Household
from domain.reference.geography import geography
from domain.referrals.model import Referral
from domain.warrooms.model import WarRoom
from projections.early_warning import clocks
from projections.early_warning.clocks import iso as _iso
from projections.early_warning.clocks import later as _later
from projections.early_warning.merges import MergedStates
from projections.nerve_centre.indicators import week_start

REGRESSION_WINDOW = timedelta(days=90)  # EW-11: a new high need within 90 days of graduating
#: ``clocks.REFERRAL_CLOCKS``' kinds in its order: a referral's keys made with no loop
_UNACKNOWLEDGED, _UNDELIVERED, _UNVERIFIED = clocks.REFERRAL_CLOCKS.values()


def _areas(ward_id: str) -> dict[str, str]:
    municipality, district, _ = geography().ancestors(ward_id)
    return {"ward_id": ward_id, "municipality": municipality, "district": district}


class EarlyWarningProjection(MergedStates):
    name = "early_warning"
    # The answers are read by the rules that scored them, not here: most of the log's bytes.
    unused_fields: ClassVar[dict[type, frozenset[str]]] = {
        Household.ProfileSubmitted: frozenset({"profile"})
    }

    # ---- households ------------------------------------------------------------------------

    def _household(self, e: Any, change: Any) -> dict[str, Any] | None:
        # (most of the log's events: ``_state`` and ``_put`` inlined, h being the cached one)
        key = self.subject
        h = self.cache.get(("household", key))
        if h is None:
            return None
        change(h)
        when = e.occurred_at
        self.ew.states["household", key] = h
        self.household_clocks(key, h, when)  # see projections.early_warning.merges
        if "merged_into" in h:
            self.follow_duplicate(key, h, when)
        return h

    @singledispatchmethod
    def handle(self, domain_event: Any) -> None:
        """Other events only advance the position."""

    @handle.register
    def _(self, e: Household.Registered) -> None:
        key = self.subject
        self.cache["household", key] = {
            **_areas(e.ward_id),
            "status": "registered",
            "risk_level": None,
            "child_headed": False,
            "needs": {},
            "last_visit_at": None,
            "last_intervention_at": None,
            "child_since": None,
            "graduated_at": None,
            "regressed": {},
            "field_worker_id": e.field_worker_id,  # its caseload's (EW-06 names it)
        }
        self._household(e, lambda h: None)
        self._caseload(e.field_worker_id, +1, None)  # registering it was work: no restart

    @handle.register
    def _(self, e: Household.ProfileSubmitted) -> None:
        def change(h: dict[str, Any]) -> None:
            if h["status"] == "registered":
                h["status"] = "active"

        self._household(e, change)
        self._submission(e.field_worker_id, e.occurred_at)

    @handle.register
    def _(self, e: Household.RiskScored) -> None:
        def change(h: dict[str, Any]) -> None:
            held = h.get("risk_at")  # an older profile's risk is history, not the current one
            if held is None or e.occurred_at >= datetime.fromisoformat(held):
                h["risk_level"], h["child_headed"] = e.level, "child_headed" in e.flags
                h["risk_at"] = _iso(e.occurred_at)

        self._household(e, change)

    @handle.register
    def _(self, e: Household.NeedIdentified) -> None:
        def change(h: dict[str, Any]) -> None:
            h["needs"] = {**h["needs"], e.need_id: [e.category, e.severity]}
            graduated = clocks.at(h["graduated_at"])
            high = e.severity in clocks.HIGH_OR_MORE
            if graduated and high and e.occurred_at - graduated <= REGRESSION_WINDOW:
                h["regressed"] = {**h["regressed"], e.need_id: False}

        h = self._household(e, change)
        if h is not None:
            week = week_start(e.occurred_at.date())
            self.ew.need_weeks[
                week, h["district"], h["municipality"], h["ward_id"], e.category
            ] += 1

    @handle.register
    def _(self, e: Household.NeedResolved) -> None:
        def change(h: dict[str, Any]) -> None:
            h["needs"] = {k: v for k, v in h["needs"].items() if k != e.need_id}
            h["regressed"] = {k: v for k, v in h["regressed"].items() if k != e.need_id}

        self._household(e, change)
        self.ew.set_clock(("need_rejected", f"{e.originator_id}:{e.need_id}"), None)

    @handle.register
    def _(self, e: Household.NeedReferred) -> None:
        def change(h: dict[str, Any]) -> None:
            if e.need_id in h["regressed"]:
                h["regressed"] = {**h["regressed"], e.need_id: True}

        self._household(e, change)

    @handle.register
    def _(self, e: Household.VisitRecorded) -> None:
        def change(h: dict[str, Any]) -> None:
            h["last_visit_at"] = _later(h["last_visit_at"], e.occurred_at)

        self._household(e, change)
        self._submission(e.field_worker_id, e.occurred_at)

    @handle.register
    def _(self, e: Household.InterventionDelivered) -> None:
        def change(h: dict[str, Any]) -> None:
            h["last_intervention_at"] = _later(h["last_intervention_at"], e.occurred_at)

        self._household(e, change)

    @handle.register
    def _(self, e: Household.Moved) -> None:
        # (its referrals, and those its merged duplicates handed it, have their own events)
        self._household(e, lambda h: h.update(_areas(e.to_ward_id)))

    @handle.register
    def _(self, e: Household.FieldWorkerAssigned) -> None:
        self._household(e, lambda h: h.update(field_worker_id=e.field_worker_id))
        self._caseload(e.previous_field_worker_id, -1, None)
        self._caseload(e.field_worker_id, +1, e.occurred_at)

    @handle.register
    def _(self, e: Household.FieldWorkerUnassigned) -> None:
        self._household(e, lambda h: h.update(field_worker_id=None))
        self._caseload(e.field_worker_id, -1, None)

    @handle.register
    def _(self, e: Household.MergedInto | Household.MergeUndone) -> None:
        self.follow_merge(e)

    @handle.register
    def _(self, e: Household.Graduated) -> None:
        def change(h: dict[str, Any]) -> None:
            h.update(status="graduated", graduated_at=_iso(e.occurred_at), regressed={})

        self._household(e, change)

    @handle.register
    def _(self, e: Household.Reopened) -> None:
        self._household(e, lambda h: h.update(status="active"))

    # ---- referrals -------------------------------------------------------------------------

    def _referral(self, e: Any, **changes: Any) -> dict[str, Any] | None:
        key = self.subject
        r = self.cache.get(("referral", key))  # (``_state``, ``_put`` inlined as households')
        if r is None:
            return None
        r.update(changes)
        self.ew.states["referral", key] = r
        runs = clocks.referral_runs(r)
        if not self._idle(r, runs):
            keys = [(_UNACKNOWLEDGED, key), (_UNDELIVERED, key), (_UNVERIFIED, key)]
            self._clocks(r, keys, runs, clocks.referral_row)
        return r

    def _answered(self, e: Any, status: str) -> dict[str, Any] | None:
        r = self._state("referral")
        if r is None:
            return None
        if not r["answered"] and e.occurred_at.date().isoformat() <= r["ack_by"]:
            self.due(r, -1)
            r["answered_within"] = True
            self.due(r, +1)
        r["answered"] = True
        return self._referral(e, status=status)

    @handle.register
    def _(self, e: Referral.Made) -> None:
        key = self.subject
        r = {
            **_areas(e.from_ward_id),
            "referral_id": key,
            "household_id": e.household_id,
            "need_id": e.need_id,
            "category": e.category,
            "severity": e.severity,
            "department": e.department,
            "status": "made",
            "made_at": _iso(e.occurred_at),
            "ack_by": e.ack_by.isoformat(),
            "deliver_by": e.deliver_by.isoformat(),
            "delivered_at": None,
            "answered": False,
            "answered_within": False,
        }
        self.cache["referral", key] = r
        self.due(r, +1)
        self._referral(e)
        self.ew.set_clock(("need_rejected", f"{e.household_id}:{e.need_id}"), None)

    @handle.register
    def _(self, e: Referral.Acknowledged) -> None:
        self._answered(e, "acknowledged")

    @handle.register
    def _(self, e: Referral.Rejected) -> None:
        r = self._answered(e, "rejected")
        if r is not None:
            key = ("need_rejected", f"{r['household_id']}:{r['need_id']}")
            self.ew.set_clock(
                key,
                clocks.clock(
                    r,
                    e.occurred_at,
                    department=r["department"],
                    referral_id=r["referral_id"],
                    household_id=r["household_id"],
                    need_id=r["need_id"],
                    category=r["category"],
                    reason=e.reason,
                ),
            )

    @handle.register
    def _(self, e: Referral.Reassigned) -> None:
        r = self._state("referral")
        if r is None:
            return
        self.due(r, -1)
        r.update(
            department=e.to_department,
            ack_by=e.ack_by.isoformat(),
            deliver_by=e.deliver_by.isoformat(),
            answered=False,
            answered_within=False,
        )
        self.due(r, +1)
        self._referral(e, status="made")

    @handle.register
    def _(self, e: Referral.Rehomed | Referral.HandedOver) -> None:
        # Its household moved, or a merge (a survivor's move, the unmerge) handed it over
        r = self._state("referral")
        if r is None:
            return
        self.due(r, -1)  # EW-10 counts it in its new municipality
        r.update(_areas(e.ward_id))
        self.due(r, +1)
        self._referral(e)

    @handle.register
    def _(self, e: Referral.ServiceDelivered) -> None:
        self._referral(e, status="service_delivered", delivered_at=_iso(e.occurred_at))

    @handle.register
    def _(self, e: Referral.DeliveryVerified) -> None:
        self._referral(e, status="verified")

    @handle.register
    def _(self, e: Referral.DeliveryDisputed) -> None:
        self._referral(e, status="disputed")

    @handle.register
    def _(self, e: Referral.Reopened) -> None:
        self._referral(e, status="acknowledged", delivered_at=None)

    @handle.register
    def _(self, e: Referral.Closed) -> None:
        self._referral(e, status="closed")

    @handle.register
    def _(self, e: Referral.Cancelled) -> None:
        self._referral(e, status="cancelled")

    # ---- field workers ---------------------------------------------------------------------

    @handle.register
    def _(self, e: FieldWorker.Registered) -> None:
        key = self.subject
        self.cache["field_worker", key] = {
            "active": True,
            "wards": [],
            "assigned_at": None,
            "last_submission_at": None,
            "caseload": 0,
            "ward_id": None,
            "municipality": None,
            "district": None,
        }
        self._field_worker(key, lambda w: None)

    @handle.register
    def _(self, e: FieldWorker.AssignedToWard) -> None:
        def change(w: dict[str, Any]) -> None:
            w.update(
                _areas(e.ward_id), wards=[*w["wards"], e.ward_id], assigned_at=_iso(e.occurred_at)
            )

        self._field_worker(self.subject, change)

    @handle.register
    def _(self, e: FieldWorker.Deactivated) -> None:
        self._field_worker(self.subject, lambda w: w.update(active=False))

    # ---- war rooms -------------------------------------------------------------------------

    def _war_room(self, e: Any, change: Any) -> None:
        w = self._state("war_room")
        if w is None:
            return
        change(w)
        key = self.subject
        self._put("war_room", key, w)
        keys, runs = clocks.war_room_runs(key, w)
        self._clocks(w, keys, runs, clocks.war_room_row)

    @handle.register
    def _(self, e: WarRoom.Established) -> None:
        self.cache["war_room", self.subject] = {
            **_areas(e.ward_id),
            "cadence_days": e.meeting_cadence_days,
            "established_at": _iso(e.occurred_at),
            "last_meeting_at": None,
            "members": {},
            "absences": {},
        }
        self._war_room(e, lambda w: None)

    @handle.register
    def _(self, e: WarRoom.MemberJoined) -> None:
        def change(w: dict[str, Any]) -> None:
            if e.department:
                w["members"] = {**w["members"], e.member_id: e.department}
                w["absences"] = {e.department: [0, None], **w["absences"]}

        self._war_room(e, change)

    @handle.register
    def _(self, e: WarRoom.MemberLeft) -> None:
        def change(w: dict[str, Any]) -> None:
            department = w["members"].get(e.member_id)
            w["members"] = {k: v for k, v in w["members"].items() if k != e.member_id}
            if department and department not in w["members"].values():
                w["absences"] = {**w["absences"], department: [0, None]}  # no longer seated

        self._war_room(e, change)

    @handle.register
    def _(self, e: WarRoom.MeetingHeld) -> None:
        def change(w: dict[str, Any]) -> None:
            w["last_meeting_at"] = _later(w["last_meeting_at"], e.occurred_at)
            absences = dict(w["absences"])
            for department in set(w["members"].values()):
                if department in e.departments_present:
                    absences[department] = [0, None]
                else:
                    count, first = absences.get(department, [0, None])
                    absences[department] = [count + 1, first or _iso(e.occurred_at)]
            w["absences"] = absences

        self._war_room(e, change)
