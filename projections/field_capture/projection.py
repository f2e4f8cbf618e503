"""Event handlers of the field-capture projection (see ``view``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod

from domain.errors import NotFoundError
from domain.households.model import Household
from domain.reference.geography import geography
from domain.referrals.model import Referral
from domain.referrals.moves import MOVED
from domain.submissions.model import Attachments, Quarantine
from domain.users.model import User
from projections.base import BufferedProjection
from projections.field_capture.view import FieldCaptureView


def _place(ward_id: str) -> tuple[str, str | None, str | None]:
    """A ward and the areas above it (none for a ward a refused form named wrongly)."""
    try:
        municipality, district, _ = geography().ancestors(ward_id)
    except NotFoundError:
        return ward_id, None, None
    return ward_id, municipality, district


class FieldCaptureProjection(BufferedProjection):
    name = "field_capture"

    def __init__(self, view: FieldCaptureView) -> None:
        super().__init__(view)
        self.fv: FieldCaptureView = view

    def _row(self, kind: str, *params: Any) -> None:
        self.fv.changes.append((kind, params))

    @singledispatchmethod
    def handle(self, domain_event: Any) -> None:
        """Other events only advance the position."""

    # ---- where households and referrals are, and when they leave ---------------------------

    @handle.register
    def _(self, e: Household.Registered) -> None:
        self._row("household", e.originator_id, *_place(e.ward_id))

    @handle.register
    def _(self, e: Household.Moved) -> None:
        self._row("household_moved", e.originator_id, self.position, *_place(e.from_ward_id))
        # (its referrals, and those its merged duplicates handed it, have their own events)
        self._row("household", e.originator_id, *_place(e.to_ward_id))

    @handle.register
    def _(self, e: Household.PersonalDataErased) -> None:
        self._row("household_erased", self.position, e.originator_id)
        referrals = [UUID(r) for r in e.referral_ids]
        self._row("referral_left", self.position, "erased", referrals)
        self._row("attachments_erased", e.originator_id)

    @handle.register
    def _(self, e: Referral.Made) -> None:
        self._row(
            "referral", e.originator_id, *_place(e.from_ward_id), e.department, UUID(e.household_id)
        )

    @handle.register
    def _(self, e: Referral.Closed | Referral.Rejected | Referral.Cancelled) -> None:
        self._row("referral_ended", e.originator_id)  # a merge or a move leaves it where it is

    @handle.register
    def _(self, e: Referral.Rehomed) -> None:
        self._row("referral_left", self.position, "moved", [e.originator_id])
        self._row("referral_moved", *_place(e.ward_id), e.originator_id)

    @handle.register
    def _(self, e: Referral.HandedOver) -> None:
        # A merge's handover: the feed tells the ward it leaves (if any) why, ``merged`` (the
        # merge or the unmerge) or ``moved`` (a move of the survivor holding it)
        place, reason = _place(e.ward_id), "moved" if e.reason == MOVED else "merged"
        holder = UUID(e.household_id)
        self._row("handed", e.originator_id, self.position, reason, e.ward_id, *place, holder,
                  e.originator_id)  # fmt: skip

    @handle.register
    def _(self, e: Referral.Reassigned) -> None:
        self._row("referral_left", self.position, "reassigned", [e.originator_id])
        self._row("reassigned", e.to_department, e.originator_id)

    # ---- what a user no longer sees --------------------------------------------------------

    @handle.register
    def _(self, e: User.RoleRevoked) -> None:
        self._row("access_lost", e.originator_id, self.position, e.originator_version - 1)

    @handle.register
    def _(self, e: User.ScopeRemoved) -> None:
        self._row("access_lost", e.originator_id, self.position, e.originator_version - 1)

    # ---- kept submissions and stored files -------------------------------------------------

    @handle.register
    def _(self, e: Quarantine.Quarantined) -> None:
        self._row(
            "quarantined",
            e.originator_id,
            self.position,
            e.originator_version,
            e.instance_id,
            e.form_id,
            e.submitted_by,
            e.household_id,
            list(e.wards),
            e.field,
            e.reason,
            e.occurred_at,
        )
        for ward_id in e.wards:
            self._row("quarantine_place", e.originator_id, *_place(ward_id), self.position)

    @handle.register
    def _(self, e: Quarantine.Corrected) -> None:
        self._row("quarantine_version", e.originator_version, e.originator_id)

    @handle.register
    def _(self, e: Quarantine.Reapplied) -> None:
        version = e.originator_version
        self._row("quarantine_ended", version, "reapplied", e.household_id, e.originator_id)
        self._row("quarantine_place_ended", "reapplied", e.originator_id)

    @handle.register
    def _(self, e: Quarantine.Discarded) -> None:
        self._row("quarantine_ended", e.originator_version, "discarded", None, e.originator_id)
        self._row("quarantine_place_ended", "discarded", e.originator_id)

    @handle.register
    def _(self, e: Attachments.Stored) -> None:
        names = [str(f["name"]) for f in e.files]
        self._row(
            "attachments",
            e.originator_id,
            UUID(e.household_id),
            e.instance_id,
            names,
            e.occurred_at,
            self.position,
        )
