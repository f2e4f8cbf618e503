"""Replacing the master key: every live data key rewrapped, page by page, resumably.

Only the wrapping changes: the data keys themselves, and so every stored event, stay as they
are, and rotating takes seconds for a whole province. A page of rows is one transaction, and
each row is rewritten only if it still holds what was read (an erasure committing meanwhile
wins: its tombstone is not overwritten). Rows already wrapped by the current key are left, so
an interrupted rotation is finished by running it again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Identifier

from adapters.data_keys import KeyWrapper

#: Rows per transaction.
PAGE_SIZE = 1000


@dataclass
class KeyReport:
    """What a pass over the data keys found (and, rotating, rewrapped)."""

    total: int = 0
    current: int = 0  # wrapped by the current master key (after a rotation: all readable ones)
    rewrapped: int = 0  # were wrapped by a previous key, now by the current one
    previous: int = 0  # wrapped by a previous key and left so (a status check)
    erased: int = 0  # tombstones of erased households
    #: Rows no configured master key opens: a wrong key, or tampering.
    unreadable: list[UUID] = field(default_factory=list)


Progress = Callable[[int, int], None]  # (rows done, rows in all)


def key_report(
    datastore: PostgresDatastore,
    table: str,
    wrapper: KeyWrapper,
    *,
    rotate: bool,
    page_size: int = PAGE_SIZE,
    on_progress: Progress | None = None,
) -> KeyReport:
    """Check every data key against the master keys; with ``rotate``, rewrap the old ones."""
    t = Identifier(datastore.schema), Identifier(table)
    count = SQL("SELECT count(*) AS n FROM {0}.{1}").format(*t)
    page = SQL(
        "SELECT aggregate_id, wrapped_key FROM {0}.{1} WHERE aggregate_id > %s "
        "ORDER BY aggregate_id LIMIT %s"
    ).format(*t)
    # One statement per page; a row is rewritten only if it still holds what was read.
    update = SQL(
        "UPDATE {0}.{1} AS k SET wrapped_key = u.new FROM unnest(%s::uuid[], %s::bytea[], "
        "%s::bytea[]) AS u(id, new, old) WHERE k.aggregate_id = u.id AND k.wrapped_key = u.old"
    ).format(*t)
    report = KeyReport()
    with datastore.transaction(commit=False) as curs:
        curs.execute(count)
        row = curs.fetchone()
        assert row is not None
        report.total = int(row["n"])
    after = UUID(int=0)
    while True:
        with datastore.transaction(commit=rotate) as curs:
            curs.execute(page, (after, page_size))
            rows: list[dict[str, Any]] = list(curs.fetchall())
            rewraps = [r for row in rows if (r := _check(row, wrapper, report, rotate))]
            if rewraps:
                curs.execute(update, [list(column) for column in zip(*rewraps, strict=True)])
                report.rewrapped += curs.rowcount
                report.current += curs.rowcount
                report.erased += len(rewraps) - curs.rowcount  # erased meanwhile
        if not rows:
            break
        after = rows[-1]["aggregate_id"]
        if on_progress is not None:
            done = report.current + report.previous + report.erased + len(report.unreadable)
            on_progress(done, max(report.total, done))
    return report


def _check(
    row: dict[str, Any], wrapper: KeyWrapper, report: KeyReport, rotate: bool
) -> tuple[UUID, bytes, bytes] | None:
    """Count the row; if rotating and a previous key wraps it: (id, new wrap, old wrap)."""
    aggregate_id: UUID = row["aggregate_id"]
    wrapped = row["wrapped_key"]
    if wrapped is None:
        report.erased += 1
        return None
    try:
        key, opened_by = wrapper.unwrap(aggregate_id, wrapped)
    except InvalidTag:
        report.unreadable.append(aggregate_id)
        return None
    if opened_by == 0:
        report.current += 1
        return None
    if not rotate:
        report.previous += 1
        return None
    return aggregate_id, wrapper.wrap(aggregate_id, key), bytes(wrapped)


def describe(report: KeyReport, previous: Sequence[str]) -> list[str]:
    """The report in plain lines, for the CLI."""
    lines = [
        f"data keys: {report.total:,}",
        f"  wrapped by the current master key: {report.current:,}"
        + (f" ({report.rewrapped:,} rewrapped now)" if report.rewrapped else ""),
    ]
    if previous:
        lines.append(f"  wrapped by the previous master key: {report.previous:,}")
    lines.append(f"  erased (tombstones): {report.erased:,}")
    if report.unreadable:
        shown = ", ".join(str(i) for i in report.unreadable[:5])
        lines.append(f"  opened by no configured master key: {len(report.unreadable):,} ({shown})")
    return lines
