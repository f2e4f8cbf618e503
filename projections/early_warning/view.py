"""What the early-warning rules read: each subject's rule clock, and two small daily series.

Tables (prefixed ``early_warning_``):

- ``clocks``: one row per (kind, subject), ``active`` while a rule's situation exists, with
  ``since`` (when its clock started: a due date passed, the last visit, the last meeting...)
  and the subject's ward/municipality/district/department. A rule is then an index range scan
  on ``(kind, since)`` that returns only its matches, whatever the number of households.
  ``position`` is the log position of the row's last change (a stopped clock stays, inactive):
  a sweep may look only at clocks changed since the last one (``scheduler.sweeper``).
- ``state``: the little each subject's clocks are computed from (JSON per kind and id).
- ``department_days``: referrals due for acknowledgement per (day, municipality, department),
  and how many were answered within the standard (EW-10).
- ``need_weeks``: new needs per (ISO week's Monday, ward, category) (the need-category spike).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

import orjson
from psycopg import Cursor
from psycopg.rows import DictRow

from projections.base import BufferedView

if TYPE_CHECKING:
    from projections.early_warning.clocks import Build

# The live tables' names, for every query outside this module (the view derives the same names
# from its projection's name and the suffixes of ``EarlyWarningView.tables``).
NAME = "early_warning"
TRACKING = f"{NAME}_tracking"
STATE = f"{NAME}_state"
CLOCKS = f"{NAME}_clocks"
DEPARTMENT_DAYS = f"{NAME}_department_days"
NEED_WEEKS = f"{NAME}_need_weeks"

CLOCK_COLUMNS = (
    "kind",
    "subject",
    "since",
    "param",
    "ward_id",
    "municipality",
    "district",
    "department",
    "facts",
    "active",
    "position",
)
StateKey = tuple[str, str]
# A stopped clock's row, the same however the log was paged (a rebuild equals a live view).
STOPPED: dict[str, Any] = {
    "since": datetime(1970, 1, 1, tzinfo=UTC),
    "param": 0,
    "ward_id": None,
    "municipality": None,
    "district": None,
    "department": None,
    "facts": {},
    "active": False,
}


@dataclass(frozen=True)
class Changes:
    """One page's changes, detached from the view's buffers and shaped as written."""

    states: list[tuple[str, str, str]]  # (kind, id, the state as JSON text)
    clocks: list[tuple[Any, ...]]  # rows in CLOCK_COLUMNS order (facts as JSON text)
    stops: list[list[Any]]  # kinds, subjects and positions of the clocks stopped
    drops: list[list[str]]  # kinds and subjects of the clocks removed
    counts: dict[str, list[tuple[Any, ...]]]  # running-total table -> (*key, delta), none 0


#: each running-total table's key columns (its primary key), in its buffer's key order
COUNT_KEYS = {
    "department_days": ("day", "district", "municipality", "department", "metric"),
    "need_weeks": ("week", "district", "municipality", "ward_id", "category"),
}


class EarlyWarningView(BufferedView):
    tables: ClassVar[tuple[str, ...]] = (
        "state",
        "clocks",
        "department_days",
        "need_weeks",
    )

    def reset(self) -> None:
        self.states: dict[StateKey, dict[str, Any]] = {}
        # a row, a running clock's {"build", "state", "position"}, or {"stop": position}
        self.clocks: dict[StateKey, dict[str, Any]] = {}
        self.position = 0  # of the event being handled
        self.department_days: Counter[tuple[Any, ...]] = Counter()
        self.need_weeks: Counter[tuple[Any, ...]] = Counter()

    def set_clock(self, key: StateKey, row: dict[str, Any] | None) -> None:
        """Start or move a clock (``row``) or stop it (``None``), at the current position."""
        current = self.clocks.get(key)
        if row is not None:
            self.clocks[key] = {**row, "active": True, "position": self.position}
        elif current is None:
            self.clocks[key] = {"stop": self.position}  # a row written by an earlier page
        elif "build" in current or current.get("active"):
            # started in this page: as if written, then stopped
            self.clocks[key] = {**STOPPED, "position": self.position}
        # else already stopped in this page: the first stop's position stands

    def run_clock(self, key: StateKey, build: Build, state: dict[str, Any]) -> bool:
        """Start or move a clock whose row ``build(key, state)`` makes at the commit: a clock's
        row is a function of its subject's state, and every change of that state asks its
        clocks again, so the state a commit sees is its last event's (built once a commit,
        not once an event). The row's position is still the last event's. True if it ran
        already at an earlier event of this window (so its state lists it as running)."""
        current = self.clocks.get(key)
        if current is not None and current.get("state") is state:
            current["position"] = self.position
            return True
        self.clocks[key] = {"build": build, "state": state, "position": self.position}
        return False

    def drop_clock(self, key: StateKey) -> None:
        """Remove a clock's row (a clock that a merge started and its undoing stopped)."""
        self.clocks[key] = {"drop": self.position}

    def stored_clocks(self, keys: Iterable[StateKey]) -> set[StateKey]:
        """Which of these clocks have a row (running or stopped) in the table."""
        wanted = list(keys)
        if not wanted:
            return set()
        query = self.sql(
            "SELECT kind, subject FROM {t_clocks} c JOIN unnest(%s::text[], %s::text[]) "
            "AS k(kind, subject) USING (kind, subject)"
        )
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(query, ([k for k, _ in wanted], [s for _, s in wanted]))
            return {(row["kind"], row["subject"]) for row in curs.fetchall()}

    def load_states(self, keys: Iterable[StateKey]) -> dict[StateKey, dict[str, Any]]:
        wanted = list(keys)
        if not wanted:
            return {}
        query = self.sql(
            "SELECT kind, id, state FROM {t_state} s JOIN unnest(%s::text[], %s::text[]) "
            "AS k(kind, id) USING (kind, id)"
        )
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(query, ([k for k, _ in wanted], [i for _, i in wanted]))
            return {(row["kind"], row["id"]): row["state"] for row in curs.fetchall()}

    def take(self) -> Changes:
        # Detached: the projection goes on changing its cached states while a page commits.
        # JSON text is both the copy and what COPY sends (orjson, in C: no deepcopy, no
        # stdlib encoding per row in the writer).
        dumps = orjson.dumps
        clocks, stops, drops = [], [], []
        for (kind, subject), row in self.clocks.items():
            if "stop" in row:
                stops.append((kind, subject, row["stop"]))
            elif "drop" in row:
                drops.append((kind, subject))
            else:
                if "build" in row:  # a running clock's row (``run_clock``), built now
                    built = row["build"]((kind, subject), row["state"])
                    row = {**built, "active": True, "position": row["position"]}
                clocks.append(
                    (
                        kind,
                        subject,
                        *(row[c] for c in CLOCK_COLUMNS[2:8]),
                        dumps(row["facts"]).decode(),
                        row["active"],
                        row["position"],
                    )
                )
        changes = Changes(
            [(kind, i, dumps(state).decode()) for (kind, i), state in self.states.items()],
            clocks,
            [list(column) for column in zip(*stops, strict=True)],
            [list(column) for column in zip(*drops, strict=True)],
            {
                table: [(*key, value) for key, value in deltas.items() if value]
                for table, deltas in (
                    ("department_days", self.department_days),
                    ("need_weeks", self.need_weeks),
                )
            },
        )
        position = self.position
        self.reset()
        self.position = position
        return changes

    def staged(self) -> int:
        return (
            len(self.states) + len(self.clocks) + len(self.department_days) + len(self.need_weeks)
        )

    def write(self, curs: Cursor[DictRow], changes: Changes) -> None:
        # A catch-up from zero commits its rows into empty tables (the whole demo log is one
        # window): COPY them straight in, with no staging, no conflicts to resolve and no
        # stored clock to stop or remove (they were half of its server's work).
        empty = self.empty(curs)
        if changes.states:
            columns = ("kind", "id", "state")
            if "state" in empty:
                self.copy(curs, "state", columns, changes.states)
            else:
                stage = self.stage(curs, "state", columns, changes.states)
                curs.execute(
                    self.sql(
                        "INSERT INTO {t_state} SELECT * FROM {stage} "
                        "ON CONFLICT (kind, id) DO UPDATE SET state = EXCLUDED.state",
                        stage=stage,
                    )
                )
        if changes.clocks:
            if "clocks" in empty:
                self.copy(curs, "clocks", CLOCK_COLUMNS, changes.clocks)
            else:
                stage = self.stage(curs, "clocks", CLOCK_COLUMNS, changes.clocks)
                sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in CLOCK_COLUMNS[2:])
                curs.execute(
                    self.sql(
                        "INSERT INTO {t_clocks} SELECT * FROM {stage} "
                        f"ON CONFLICT (kind, subject) DO UPDATE SET {sets}",
                        stage=stage,
                    )
                )
        if "clocks" not in empty:
            self._stop_and_drop(curs, changes)
        for table, rows in changes.counts.items():
            if table in empty:
                self.copy(curs, table, [*COUNT_KEYS[table], "value"], rows)
            else:
                self._count(curs, table, rows)

    def _stop_and_drop(self, curs: Cursor[DictRow], changes: Changes) -> None:
        """Stop, or remove, clocks that earlier commits wrote."""
        if changes.stops:
            curs.execute(
                self.sql(
                    "UPDATE {t_clocks} c SET since = %s, param = 0, ward_id = NULL, "
                    "municipality = NULL, district = NULL, department = NULL, facts = '{{}}', "
                    "active = false, position = s.position "
                    "FROM unnest(%s::text[], %s::text[], %s::bigint[]) "
                    "AS s(kind, subject, position) "
                    "WHERE c.active AND c.kind = s.kind AND c.subject = s.subject"
                ),
                (STOPPED["since"], *changes.stops),
            )
        if changes.drops:
            curs.execute(
                self.sql(
                    "DELETE FROM {t_clocks} c USING unnest(%s::text[], %s::text[]) "
                    "AS d(kind, subject) WHERE c.kind = d.kind AND c.subject = d.subject"
                ),
                changes.drops,
            )

    def _count(self, curs: Cursor[DictRow], table: str, rows: list[tuple[Any, ...]]) -> None:
        """Add each key's delta to its running total (every column but ``value`` is the key).

        A row exists exactly while its total is not zero, so the rows are the same however the
        log was paged: a +1 and a -1 in one page never write a row, and in two pages the second
        deletes the row it brought to zero.
        """
        if not rows:
            return
        columns = COUNT_KEYS[table]
        key = ", ".join(columns)
        stage = self.stage(curs, table, [*columns, "value"], rows)
        insert = f"INSERT INTO {{t_{table}}} SELECT * FROM {{stage}} ORDER BY {key}"
        self.add_deltas(curs, table, insert, columns, "{stage} s", stage)
