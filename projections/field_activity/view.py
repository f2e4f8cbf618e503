"""The field workers' activity as it was: each worker's changes, submissions and visits kept
with the day each happened (``occurred_on``) and the day it was recorded (``recorded_on``).

The nerve-centre view keeps each worker's latest state (its wards, whether active, its last
submission) and the last day it visited each household: what is true now. M11 and the field
workers' activity as of a day need them as they were; these tables are append-only logs from
which they are read back on either basis (``queries``):

- ``workers``: each registration, ward assignment and deactivation (one row an event);
- ``submissions``: a worker's latest submission (a profile or a visit) per occurred and
  recorded day;
- ``visits``: each household a worker visited, per occurred and recorded day.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

from psycopg import Cursor
from psycopg.rows import DictRow

from projections.base import BufferedView

NAME = "field_activity"
TRACKING = f"{NAME}_tracking"
WORKERS = f"{NAME}_workers"
SUBMISSIONS = f"{NAME}_submissions"
VISITS = f"{NAME}_visits"

WORKER_COLUMNS = ("field_worker_id", "version", "change", "ward_id", "occurred_on", "recorded_on")
SUBMISSION_COLUMNS = ("field_worker_id", "occurred_on", "recorded_on", "last_at")
VISIT_COLUMNS = ("field_worker_id", "household_id", "occurred_on", "recorded_on")

#: (worker, occurred day, recorded day)
Days = tuple[str, date, date]
Visit = tuple[str, UUID, date, date]
#: rows of workers, submissions and visits, as written
Changes = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[Visit]]


def _visit_order(visit: Visit) -> tuple[str, int, date, date]:
    worker, household, occurred, recorded = visit
    return worker, household.int, occurred, recorded


class FieldActivityView(BufferedView):
    tables: ClassVar[tuple[str, ...]] = ("workers", "submissions", "visits")

    def reset(self) -> None:
        self.workers: list[tuple[Any, ...]] = []
        self.submissions: dict[Days, datetime] = {}
        self.visits: set[Visit] = set()

    def take(self) -> Changes:
        changes = (
            self.workers,
            [(*days, last) for days, last in self.submissions.items()],
            # in key order: the index is written page after page (a UUID orders as its
            # ``int``, compared in C: its own ``__eq__`` and ``__lt__`` are Python)
            sorted(self.visits, key=_visit_order),
        )
        self.reset()
        return changes

    def staged(self) -> int:
        return len(self.workers) + len(self.submissions) + len(self.visits)

    def write(self, curs: Cursor[DictRow], changes: Changes) -> None:
        workers, submissions, visits = changes
        if workers:
            self._insert(curs, "workers", WORKER_COLUMNS, workers, "DO NOTHING")
        if submissions:
            latest = (
                "(field_worker_id, occurred_on, recorded_on) DO UPDATE "
                "SET last_at = greatest({t_submissions}.last_at, EXCLUDED.last_at)"
            )
            self._insert(curs, "submissions", SUBMISSION_COLUMNS, submissions, latest)
        if visits:
            self._insert(curs, "visits", VISIT_COLUMNS, visits, "DO NOTHING")

    def _insert(
        self,
        curs: Cursor[DictRow],
        table: str,
        columns: tuple[str, ...],
        rows: list[tuple[Any, ...]],
        on_conflict: str,
    ) -> None:
        stage = self.stage(curs, table, columns, rows, binary=True)
        cols = ", ".join(columns)
        curs.execute(
            self.sql(
                f"INSERT INTO {{t_{table}}} ({cols}) SELECT {cols} FROM {{stage}} "
                f"ON CONFLICT {on_conflict}",
                stage=stage,
            )
        )
