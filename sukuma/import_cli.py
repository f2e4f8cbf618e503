"""``sukuma import households FILE``: bring a household register (CSV or XLSX) into the log."""

from __future__ import annotations

import getpass
import os
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from api.imports.batches import ImportWorkers
from api.imports.rows import FileRefused, problems_csv
from api.imports.run import import_register
from domain.context import CommandContext
from sukuma.settings import load_settings
from sukuma.wiring import (
    build_application,
    build_import_worker,
    ensure_database,
    start_up_heap_frozen,
)

import_cli = typer.Typer(help="Import registers kept elsewhere (spreadsheets).")
console = Console(stderr=True)


@import_cli.command("households")
def import_households(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX")],
    dry_run: Annotated[bool, typer.Option(help="Check only: write nothing")] = False,
    report: Annotated[
        Path | None, typer.Option(help="Write every row's problems here (CSV)")
    ] = None,
    actor: Annotated[
        str | None, typer.Option(help="Who imports (recorded); default: import:<OS user>")
    ] = None,
) -> None:
    """Check a register against the template (docs/import/README.md) and apply its valid
    households; a re-run, or a run after an interruption, writes only what is missing."""
    settings = load_settings()
    url = ensure_database(settings)
    # One worker process per core checks, builds and seals batches while this one saves them;
    # a worker uses one connection at a time. Started (forked) before this process opens its
    # own pool, whose threads a fork must not copy half-way.
    workers = ImportWorkers(partial(build_import_worker, settings, url), os.cpu_count() or 1)
    application = build_application(settings, url)
    columns = (
        TextColumn("[bold]households"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    # The start-up heap frozen while importing, as the workers' and the API processes' are:
    # the collections then walk only what the import makes (about 12 us a household of GC
    # against 32, 3,000 households).
    try:
        with start_up_heap_frozen(), Progress(*columns, console=console) as progress:
            task = progress.add_task("import", total=None)
            ctx = CommandContext(
                actor=actor or f"import:{getpass.getuser()}", occurred_at=datetime.now(UTC)
            )
            result, _ = import_register(
                application,
                file.read_bytes(),
                file.name,
                ctx,
                dry_run=dry_run,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
                workers=workers,
            )
    except FileRefused as exc:
        console.print(f"[red]{file.name} refused[/]: {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    finally:
        application.close()
        workers.close()
    if report is not None:
        report.write_text(problems_csv(result.problems), encoding="utf-8")
    counts = ", ".join(f"{k} {v}" for k, v in result.counts().items())
    verb = "checked (dry run, nothing written)" if dry_run else "imported"
    console.print(f"[green]{file.name} {verb}[/]: {counts}", soft_wrap=True)
    if result.problems and report is None:
        console.print("problems (row, column, value, reason):")
        typer.echo(problems_csv(result.problems), nl=False)
