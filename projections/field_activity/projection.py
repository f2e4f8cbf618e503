"""Event handlers of the field-activity projection: field workers' changes, submissions and
visits, each with the day it occurred and the day it was recorded (the event's timestamp).

What counts is what the nerve-centre projection counts for M11 and the field workers'
activity: a profile or a visit is a submission of the field worker it names, and a visit
marks its household visited by that worker on the day it occurred.
"""

from __future__ import annotations

from typing import Any, ClassVar

from eventsourcing.dispatch import singledispatchmethod

from domain.fieldworkers.model import FieldWorker
from domain.households.model import Household
from projections.base import BufferedProjection
from projections.field_activity.view import FieldActivityView


class FieldActivityProjection(BufferedProjection):
    name = "field_activity"
    unused_fields: ClassVar[dict[type, frozenset[str]]] = {
        Household.ProfileSubmitted: frozenset({"profile"})
    }

    def __init__(self, view: FieldActivityView) -> None:
        super().__init__(view)
        self.fv: FieldActivityView = view

    def _worker(self, e: Any, change: str, ward_id: str | None = None) -> None:
        self.fv.workers.append(
            (
                str(e.originator_id),
                e.originator_version,
                change,
                ward_id,
                e.occurred_at.date(),
                e.timestamp.date(),
            )
        )

    def _submission(self, e: Any) -> None:
        if not e.field_worker_id:
            return
        key = e.field_worker_id, e.occurred_at.date(), e.timestamp.date()
        last = self.fv.submissions.get(key)
        self.fv.submissions[key] = e.occurred_at if last is None else max(last, e.occurred_at)

    @singledispatchmethod
    def handle(self, domain_event: Any) -> None:
        """Other events only advance the position."""

    @handle.register
    def _(self, e: FieldWorker.Registered) -> None:
        self._worker(e, "registered")

    @handle.register
    def _(self, e: FieldWorker.AssignedToWard) -> None:
        self._worker(e, "assigned", e.ward_id)

    @handle.register
    def _(self, e: FieldWorker.Deactivated) -> None:
        self._worker(e, "deactivated")

    @handle.register
    def _(self, e: Household.ProfileSubmitted) -> None:
        self._submission(e)

    @handle.register
    def _(self, e: Household.VisitRecorded) -> None:
        self._submission(e)
        if e.field_worker_id:
            day = e.occurred_at.date()
            self.fv.visits.add((e.field_worker_id, e.originator_id, day, e.timestamp.date()))
