"""Applying a checked register: valid households in batches, then a record of the run."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from api.imports.rows import Register, RowProblem, read_register
from domain.context import CommandContext, Written
from domain.imports.application import ImportedHousehold
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


def _apply(
    app: Sukuma,
    households: Sequence[ImportedHousehold],
    ctx: CommandContext,
    on_progress: Progress | None,
) -> int:
    """Save the households a batch at a time, each batch built while the one before is being
    saved (on one writer thread: the database's work overlaps the next batch's building).
    A batch is reported to ``on_progress`` once saved; an error (or an interruption) stops
    before the next batch is saved, so a run resumes from whole batches."""
    applied, done = 0, 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer") as writer:
        saving: Future[list[UUID]] | None = None
        for start in range(0, len(households), BATCH_HOUSEHOLDS):
            batch = households[start : start + BATCH_HOUSEHOLDS]
            built = app.build_import(batch, ctx)
            if saving is not None:
                applied += len(saving.result())
                if on_progress is not None:
                    on_progress(done, len(households))
            saving = writer.submit(app.save_import, built, ctx)
            done = start + len(batch)
        if saving is not None:
            applied += len(saving.result())
            if on_progress is not None:
                on_progress(done, len(households))
    return applied


def import_register(
    app: Sukuma,
    data: bytes,
    filename: str,
    ctx: CommandContext,
    *,
    dry_run: bool = False,
    on_progress: Progress | None = None,
    on_report: Callable[[ImportReport], None] | None = None,
) -> tuple[ImportReport, Written]:
    """Check the file and, unless ``dry_run``, apply its valid households and record the run
    (``on_report`` sees the report just before it is recorded).

    Idempotent per household (ids derive from the household key and the ward): run again,
    or after an interruption, it writes only the households not yet in the log, and a run
    that writes none is not recorded again.
    """
    sha256, register = check_register(data, ctx.occurred_at)
    if ctx.expected_version is not None:
        app.check_import_version(sha256, ctx.expected_version)
    households = register.households
    applied = 0 if dry_run else _apply(app, households, ctx, on_progress)
    report = ImportReport(
        sha256=sha256,
        dry_run=dry_run,
        rows=register.rows,
        households=len(households),
        invalid_households=register.invalid_households,
        applied=applied,
        already_present=0 if dry_run else len(households) - applied,
        problems=register.problems,
    )
    if on_report is not None:
        on_report(report)
    if dry_run:
        return report, app.import_written(sha256)
    written = app.record_import(
        sha256=sha256,
        filename=filename,
        counts=report.counts(),
        wards=sorted(register.wards),
        ctx=ctx,
    )
    return report, written
