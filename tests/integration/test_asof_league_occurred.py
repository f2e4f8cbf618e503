"""The league's totals by occurred day (``occurred``) answer the sum of its changes by then.

By occurred time a league group as of D is the sum of every change to it that occurred by D,
on time or late. Hypothesis draws a history of commands (as the projection property test
does; most changes late) and a runner projects it in drawn pages, the deltas each commit
hands the view kept aside: for every day that matters (each day a row is on or a change
occurred on, and the day before), the group's latest row up to the day, and the read
(``asof.totals``), equal the sum of the deltas that occurred by then; no row repeats the one
before it. (Before migration 0037 the oracle was the storage this read replaced: the
snapshot less the late snapshot plus the late day rows; 0037 dropped it.) Migration 0037,
over such a database with the league's old late storage back in place and filled, drops
it and leaves every league answer, live and as of each day on either basis, as it was. A
second property draws league deltas at random (any occurred day, either sign, over commits
in any order, so a group's later rows are rewritten and days cancel out) through the view's
own write: each row is the running sum of the deltas up to its day, and the rows are those
of one commit of them all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any
from unittest import mock

import pytest
from eventsourcing.postgres import PostgresDatastore
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from adapters.migrations import migrations
from projections.nerve_centre.history import (
    LATE_SUFFIX,
    MEMBER_ROWS_SUFFIX,
    OCCURRED,
    RUNNING,
    SNAPSHOT_SUFFIX,
    SNAPSHOTS,
    Dated,
)
from projections.nerve_centre.late_months import LATE_MONTHS_SUFFIX
from projections.nerve_centre.occurred import OCCURRED_SUFFIX
from projections.nerve_centre.queries.asof import AsOf, totals
from projections.nerve_centre.snapshots import DaySnapshots
from projections.nerve_centre.tables import NAME
from projections.nerve_centre.view import Changes, NerveCentreView
from tests.integration.helpers import table_rows
from tests.integration.test_asof_occurred_rollups import migration, nerve_view, projected
from tests.integration.test_projection_properties import Step, fresh_app, histories

pytestmark = pytest.mark.slow

Rows = dict[tuple[Any, ...], dict[date, dict[Any, int]]]  # group -> day -> members
# table -> group -> occurred day -> member -> delta: every change a projection made
Deltas = dict[str, dict[tuple[Any, ...], dict[date, Counter[Any]]]]


def _rows(curs: Any, table: str, width: int, where: str = "") -> Rows:
    curs.execute(f"SELECT * FROM {table} {where}")
    out: Rows = {}
    for row in curs.fetchall():
        values = tuple(row.values())
        members = dict(zip(row["members"], row["counts"], strict=True))
        out.setdefault(values[:width], {})[row["day"]] = members
    return out


def _latest(rows: dict[date, dict[Any, int]], day: date) -> dict[Any, int]:
    days = [d for d in rows if d <= day]
    return dict(rows[max(days)]) if days else {}


def assert_canonical(rows: Rows) -> None:
    """No group's row repeats the one before it, and none begins empty."""
    for group, days in rows.items():
        before: dict[Any, int] = {}
        for day in sorted(days):
            assert days[day] != before, (group, day)
            assert all(days[day].values()), (group, day)
            before = days[day]


@contextmanager
def kept_deltas() -> Iterator[Deltas]:
    """The league's deltas every commit of the nerve centre hands its view, by occurred day
    (taken from ``dated`` as ``take`` detaches it)."""
    kept: Deltas = {total: {} for total in RUNNING}
    take = NerveCentreView.take

    def taking(view: NerveCentreView) -> Changes:
        dated: Dated = view.dated
        for (_, occurred), tables in dated.items():
            for total in RUNNING:
                width = len(SNAPSHOTS[total].group)
                for key, value in tables.get(total, {}).items():
                    days = kept[total].setdefault(key[:width], {})
                    days.setdefault(occurred, Counter())[key[width]] += value
        return take(view)

    with mock.patch.object(NerveCentreView, "take", taking):
        yield kept


def _days(rows: dict[date, Any], occurred: dict[date, Any]) -> list[date]:
    days = {*rows, *occurred}
    return sorted(days | {d - timedelta(days=1) for d in days})


def assert_league_sums_its_deltas(datastore: PostgresDatastore, deltas: Deltas) -> int:
    """Each league group's rows by occurred day, and the read, against the sum of its deltas
    that occurred by each day that matters. Returns the days compared."""
    compared = 0
    with datastore.transaction(commit=False) as curs:
        for total in RUNNING:
            table, shape = f"{NAME}_{total}", SNAPSHOTS[total]
            width = len(shape.group)
            running = _rows(curs, table + OCCURRED_SUFFIX, width)
            assert_canonical(running)
            read = _read(table, AsOf(date.min, "occurred"))
            for group in {*running, *deltas[total]}:
                occurred = deltas[total].get(group, {})
                for day in _days(running.get(group, {}), occurred):
                    expected: Counter[Any] = Counter()
                    for when, members in occurred.items():
                        if when <= day:
                            expected.update(members)
                    wanted = {m: v for m, v in expected.items() if v}
                    assert _latest(running.get(group, {}), day) == wanted, (total, group, day)
                    curs.execute(read, {"day": day, "group": list(group)})
                    assert {r[shape.member]: r["value"] for r in curs.fetchall()} == wanted
                    compared += 1
    return compared


def _read(table: str, as_of: AsOf | None) -> str:
    """The league's read of one group (live, or as of ``%(day)s`` on ``as_of``'s basis)."""
    shape = SNAPSHOTS[table.removeprefix(f"{NAME}_")]
    columns = ", ".join((*shape.group, shape.member))
    where = " AND ".join(f"t.{c} = g.{c}" for c in shape.group)
    return (
        f"SELECT {columns}, value FROM {totals(table, as_of, '%(day)s::date', _groups(shape))} t "
        f"WHERE EXISTS (SELECT FROM ({_groups(shape)}) g WHERE {where}) ORDER BY {columns}"
    )


def _groups(shape: Any) -> str:
    """One group, bound as ``%(group)s`` (an array of its columns' values)."""
    return "SELECT " + ", ".join(
        f"(%(group)s::text[])[{i + 1}] AS {c}" for i, c in enumerate(shape.group)
    )


def drawn_projections(examples: int) -> Any:
    """A drawn history projected in drawn pages and commits (``projected``'s arguments)."""
    drawn = given(history=histories, page_size=st.integers(1, 50), commit_pages=st.integers(1, 4))
    return lambda test: settings(
        max_examples=examples,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )(drawn(test))


@drawn_projections(8)
def test_league_by_occurred_day_answers_the_sum_of_its_changes_occurred_by_then(
    database_url: str, history: list[Step], page_size: int, commit_pages: int
) -> None:
    with kept_deltas() as deltas, projected(database_url, history, page_size, commit_pages) as db:
        assert_league_sums_its_deltas(db, deltas)


def league_answers(datastore: PostgresDatastore) -> dict[tuple[Any, ...], list[Any]]:
    """Every league answer: each group's live rows, and its rows as of every day that matters
    on either basis (each day a snapshot or occurred row is on, and the day before)."""
    out: dict[tuple[Any, ...], list[Any]] = {}
    with datastore.transaction(commit=False) as curs:
        for total in RUNNING:
            table = f"{NAME}_{total}"
            width = len(SNAPSHOTS[total].group)
            snapshots = _rows(curs, table + SNAPSHOT_SUFFIX, width)
            running = _rows(curs, table + OCCURRED_SUFFIX, width)
            for group in {*snapshots, *running}:
                days = _days(snapshots.get(group, {}), running.get(group, {}))
                for as_of in (None, *(AsOf(date.min, b) for b in ("recorded", "occurred"))):
                    for day in days if as_of else [date.min]:
                        curs.execute(_read(table, as_of), {"day": day, "group": list(group)})
                        key = (total, group, as_of and as_of.basis, day)
                        out[key] = [tuple(r.values()) for r in curs.fetchall()]
    return out


# the league's storage by occurred time before 0036, dropped by 0037
OLD = [
    f"{NAME}_{total}{suffix}"
    for total in RUNNING
    for suffix in (
        MEMBER_ROWS_SUFFIX,
        LATE_SUFFIX,
        LATE_SUFFIX + SNAPSHOT_SUFFIX,
        LATE_MONTHS_SUFFIX,
    )
]


def restore_old_storage(curs: Any, deltas: Deltas) -> None:
    """The league's late storage as a database before 0037 holds it: its tables as 0011 and
    0030 made them, with rows (the late day rows, their totals, snapshots and months)."""
    curs.execute(migration("asof_area_history").sql.encode())  # CREATE ... IF NOT EXISTS
    for total in RUNNING:
        table, shape = f"{NAME}_{total}", SNAPSHOTS[total]
        group = ", ".join(shape.group)
        kind = "text" if shape.member == "metric" else "date"
        curs.execute(
            f"CREATE TABLE {table}{LATE_MONTHS_SUFFIX} ({' text, '.join(shape.group)} text, "
            f"month date, members {kind}[] NOT NULL, counts bigint[] NOT NULL, "
            f"PRIMARY KEY ({group}, month))"
        )
        for key, days in deltas[total].items():
            for day, members in days.items():
                for member, value in members.items():
                    curs.execute(
                        f"INSERT INTO {table}{MEMBER_ROWS_SUFFIX} VALUES "
                        f"({', '.join(['%s'] * (len(key) + 4))})",
                        (*key, member, OCCURRED, day, value),
                    )
        curs.execute(f"INSERT INTO {table}{LATE_SUFFIX} SELECT * FROM {table}")
        snapshots = f"{table}{SNAPSHOT_SUFFIX}"
        curs.execute(f"INSERT INTO {table}{LATE_SUFFIX}{SNAPSHOT_SUFFIX} SELECT * FROM {snapshots}")
        curs.execute(
            f"INSERT INTO {table}{LATE_MONTHS_SUFFIX} SELECT DISTINCT ON ({group}, m) {group}, "
            f"date_trunc('month', day)::date AS m, members, counts FROM {snapshots}"
        )


@drawn_projections(4)
def test_dropping_the_old_late_storage_keeps_every_league_answer(
    database_url: str, history: list[Step], page_size: int, commit_pages: int
) -> None:
    (upgrade,) = [m for m in migrations() if m.name == "league11_drop_late"]
    kept = [f"{NAME}_{t}{s}" for t in RUNNING for s in ("", SNAPSHOT_SUFFIX, OCCURRED_SUFFIX)]
    with kept_deltas() as deltas, projected(database_url, history, page_size, commit_pages) as db:
        # Given a database as it was before 0037: the league's old late storage filled
        with db.transaction(commit=True) as curs:
            restore_old_storage(curs, deltas)
        before, rows = league_answers(db), [table_rows(db, t) for t in kept]
        # When 0037 runs
        with db.transaction(commit=True) as curs:
            curs.execute(upgrade.sql.encode())
            curs.execute("SELECT count(to_regclass(t)) AS n FROM unnest(%s::text[]) t", (OLD,))
            assert curs.fetchone() == {"n": 0}
        # Then every league answer, and every row the league reads, is as it was
        assert league_answers(db) == before
        assert [table_rows(db, t) for t in kept] == rows
        assert_league_sums_its_deltas(db, deltas)


# A league delta: (department, metric, occurred day, value).
DAYS = date(2025, 9, 1), date(2026, 2, 28)
RECORDED = date(2026, 3, 2)
league_delta = st.tuples(
    st.sampled_from(["SASSA", "DSD"]),
    st.sampled_from(["received", "acknowledged", "ack_days:3"]),
    st.dates(*DAYS),
    st.integers(-3, 3).filter(bool),
)


def _changes(deltas: list[tuple[str, str, date, int]]) -> Changes:
    """A commit of nothing but league deltas, by occurred day (as ``take`` makes them)."""
    dated: dict[tuple[date, date], dict[str, dict[Any, int]]] = {}
    for department, metric, day, value in deltas:
        area = dated.setdefault((RECORDED, day), {}).setdefault("department_area", {})
        key = (department, "district", "DC22", metric)
        area[key] = area.get(key, 0) + value
    return Changes({}, {}, {}, {}, dated, {}, {}, DaySnapshots())


@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(commits=st.lists(st.lists(league_delta, min_size=1, max_size=12), min_size=1, max_size=8))
def test_rows_by_occurred_day_add_up_whatever_the_order_of_late_changes(
    database_url: str, commits: list[list[tuple[str, str, date, int]]]
) -> None:
    table = f"{NAME}_department_area{OCCURRED_SUFFIX}"
    everything = [d for deltas in commits for d in deltas]
    with fresh_app(database_url) as app:
        datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
        view, once = nerve_view(datastore), nerve_view(datastore, "rebuild_")
        for deltas in commits:
            with datastore.transaction(commit=True) as curs:
                view.write(curs, _changes(deltas))
        with datastore.transaction(commit=True) as curs:
            once.write(curs, _changes(everything))
        with datastore.transaction(commit=False) as curs:
            rows = _rows(curs, table, 3)
        assert table_rows(datastore, table) == table_rows(datastore, f"rebuild_{table}")
    assert_canonical(rows)
    for department in ("SASSA", "DSD"):
        group = (department, "district", "DC22")
        for day in sorted({d for _, _, d, _ in everything} | {DAYS[0]}):
            expected: Counter[str] = Counter()
            for dept, metric, occurred, value in everything:
                if dept == department and occurred <= day:
                    expected[metric] += value
            wanted = {m: v for m, v in expected.items() if v}
            assert _latest(rows.get(group, {}), day) == wanted, (group, day)
