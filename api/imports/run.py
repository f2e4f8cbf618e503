"""Applying a checked register: valid households in batches, then a record of the run."""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from api.imports.batches import ImportWorkers, Prepared, preparing
from api.imports.rows import Group, Register, RowProblem, group_rows, read_register, read_rows
from domain.context import CommandContext, Written
from domain.sukuma import Sukuma

#: Households per save (one transaction; their data keys in one insert before it): each is
#: ~6 events (registration, profile, risk, needs), ~6 KB sealed: 80 keep one insert under the
#: ~0.5 MB past which psycopg's pipeline (the library's own insert) stalls on a unix socket.
BATCH_HOUSEHOLDS = 80

Progress = Callable[[int, int], None]  # (households done, households in the file)


@dataclass(frozen=True)
class ImportReport:
    """What one run of a file did (a dry run: what a real run would apply)."""

    sha256: str
    dry_run: bool
    rows: int
    households: int  # valid households in the file
    invalid_households: int
    applied: int  # written by this run
    already_present: int  # left as they were (an earlier run, or an interrupted one)
    problems: list[RowProblem]

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "households": self.households,
            "invalid_households": self.invalid_households,
            "applied": self.applied,
            "already_present": self.already_present,
            "problems": len(self.problems),
        }


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_register(data: bytes, today: datetime) -> tuple[str, Register]:
    """The file's sha256 and its checked contents (raises ``FileRefused``)."""
    return file_sha256(data), read_register(data, today.date())


@dataclass
class _Outcome:
    """What a run found and did, summed over its batches (not the households themselves)."""

    households: int = 0  # valid
    invalid_households: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    wards: set[str] = field(default_factory=set)
    applied: int = 0

    def add(self, batch: Prepared) -> None:
        self.households += batch.valid
        self.invalid_households += batch.invalid
        self.problems += batch.problems
        self.wards |= batch.wards


def _apply(
    app: Sukuma,
    groups: list[Group],
    ctx: CommandContext,
    dry_run: bool,
    on_progress: Progress | None,
    workers: ImportWorkers | None,
) -> _Outcome:
    """Check the households a batch at a time and, unless ``dry_run``, save each batch's new
    ones in the file's order while the next batches are prepared (``preparing``). A batch is
    reported to ``on_progress`` once saved; an error (or an interruption) stops before the
    next batch is saved, so a run resumes from whole batches."""
    outcome, done = _Outcome(), 0
    batches = iter(
        [
            groups[start : start + BATCH_HOUSEHOLDS]
            for start in range(0, len(groups), BATCH_HOUSEHOLDS)
        ]
    )
    with preparing(app, workers) as (submit, prepare, ahead):
        pending = deque(submit(prepare, b, ctx, dry_run) for b in islice(batches, ahead))
        while pending:
            prepared = pending.popleft().result()
            pending.extend(submit(prepare, b, ctx, dry_run) for b in islice(batches, 1))
            outcome.add(prepared)
            if prepared.sealed is not None:
                outcome.applied += len(app.save_sealed(prepared.sealed, ctx))
            done += prepared.households
            if on_progress is not None:
                on_progress(done, len(groups))
    return outcome


def import_register(
    app: Sukuma,
    data: bytes,
    filename: str,
    ctx: CommandContext,
    *,
    dry_run: bool = False,
    on_progress: Progress | None = None,
    on_report: Callable[[ImportReport], None] | None = None,
    workers: ImportWorkers | None = None,
) -> tuple[ImportReport, Written]:
    """Check the file and, unless ``dry_run``, apply its valid households and record the run
    (``on_report`` sees the report just before it is recorded). ``workers``: prepare the
    batches in worker processes (the CLI's), else on one thread of this process.

    Idempotent per household (ids derive from the household key and the ward): run again,
    or after an interruption, it writes only the households not yet in the log, and a run
    that writes none is not recorded again.
    """
    sha256 = file_sha256(data)
    rows = read_rows(data)
    if ctx.expected_version is not None:
        app.check_import_version(sha256, ctx.expected_version)
    groups, ungrouped = group_rows(rows)
    outcome = _apply(app, groups, ctx, dry_run, on_progress, workers)
    report = ImportReport(
        sha256=sha256,
        dry_run=dry_run,
        rows=len(rows),
        households=outcome.households,
        invalid_households=outcome.invalid_households,
        applied=outcome.applied,
        already_present=0 if dry_run else outcome.households - outcome.applied,
        problems=sorted([*ungrouped, *outcome.problems], key=lambda p: (p.row, p.column)),
    )
    if on_report is not None:
        on_report(report)
    if dry_run:
        return report, app.import_written(sha256)
    written = app.record_import(
        sha256=sha256,
        filename=filename,
        counts=report.counts(),
        wards=sorted(outcome.wards),
        ctx=ctx,
    )
    return report, written
