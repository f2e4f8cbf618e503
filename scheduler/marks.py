"""Where each rule's last sweep left off, so the next may look only at what changed since.

A mark records the rule's version, the cutoffs it was evaluated at, the early-warning view's
position it had seen, and the log position of the last command it issued. The next sweep of a
clock rule is *incremental* (only clocks changed since that position, or crossing the cutoff
since those cutoffs) when the rule's version is unchanged, the alerts view has caught up
with those commands and the early-warning view has not gone back below the mark (``incremental``);
otherwise it is a full sweep, which is always correct. The referral
ladder keeps a mark of its own here too (``scheduler.referral_ladder``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Identifier

from domain import LOG_NAME
from projections.alerts import view as alerts
from projections.early_warning import view as early_warning
from projections.nerve_centre import tables as nerve_centre

APPLICATION = LOG_NAME


@dataclass(frozen=True)
class Mark:
    rule: str
    version: str
    cutoff: datetime
    rise_cutoff: datetime
    position: int
    commands_position: int


class Positions(NamedTuple):
    """The log position each view the sweep reads has caught up with."""

    early_warning: int
    alerts: int
    nerve_centre: int


def incremental(mark: Mark | None, version: str, cutoff: datetime, views: Positions) -> bool:
    """Whether a clock rule may sweep only what changed since its ``mark``: the rule's version
    unchanged, its cutoff not gone back, the alerts view caught up with the mark's commands,
    and the early-warning view not gone back below the mark's position (a view rebuilt from
    an earlier position may hold rows the window would skip). Otherwise a full sweep."""
    return (
        mark is not None
        and mark.version == version
        and mark.cutoff <= cutoff
        and views.alerts >= mark.commands_position
        and views.early_warning >= mark.position
    )


class SweepMarks:
    """The ``alert_sweep_marks`` table (scheduler state, not a view of the event log; created
    by adapters.migrations)."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore
        schema = datastore.schema
        self.table = Identifier(schema, "alert_sweep_marks")
        self.tracking = {
            "early_warning": Identifier(schema, early_warning.TRACKING),
            "alerts": Identifier(schema, alerts.TRACKING),
            "nerve_centre": Identifier(schema, nerve_centre.TRACKING),
        }

    def load(self) -> dict[str, Mark]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT * FROM {0}").format(self.table))
            return {row["rule"]: Mark(**row) for row in curs.fetchall()}

    def positions(self) -> Positions:
        """The positions of the early-warning, alerts and nerve-centre views."""
        query = SQL(", ").join(
            SQL(
                "(SELECT max(notification_id) FROM {0} WHERE application_name = %(app)s) AS {1}"
            ).format(table, Identifier(name))
            for name, table in self.tracking.items()
        )
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT ") + query, {"app": APPLICATION})
            row: Any = curs.fetchone()
            return Positions(**{name: int(row[name] or 0) for name in self.tracking})

    def save(self, marks: list[Mark]) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.executemany(
                SQL(
                    "INSERT INTO {0} VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (rule) DO UPDATE "
                    "SET version = EXCLUDED.version, cutoff = EXCLUDED.cutoff, "
                    "rise_cutoff = EXCLUDED.rise_cutoff, position = EXCLUDED.position, "
                    "commands_position = EXCLUDED.commands_position"
                ).format(self.table),
                [
                    (m.rule, m.version, m.cutoff, m.rise_cutoff, m.position, m.commands_position)
                    for m in marks
                ],
            )
