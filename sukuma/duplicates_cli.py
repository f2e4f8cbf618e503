"""``sukuma duplicates scan``: bring households recorded before the matcher into its index."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from eventsourcing.utils import get_topic
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from domain.context import CommandContext
from domain.households.model import Household
from sukuma.settings import load_settings
from sukuma.wiring import build_application, ensure_database

duplicates_cli = typer.Typer(help="Households recorded twice.", no_args_is_help=True)
console = Console()


@duplicates_cli.command("scan")
def scan(
    batch: Annotated[int, typer.Option(min=1, max=1000, help="Households per batch")] = 100,
) -> None:
    """Index every household's current profile and propose the pairs found among them (for
    households recorded before this release, or by the demo); a re-run proposes nothing new."""
    settings = load_settings()
    application = build_application(settings, ensure_database(settings))
    ctx = CommandContext(actor="system:duplicates-scan", occurred_at=datetime.now(UTC))
    topic = get_topic(Household.Registered)
    proposed = scanned = 0
    try:
        columns = (TextColumn("[bold]households"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("scan", total=None)
            start = 1
            while page := application.recorder.select_notifications(start, batch, topics=[topic]):
                ids = [n.originator_id for n in page]
                proposed += application.scan_households(ids, ctx)
                scanned += len(ids)
                progress.update(task, completed=scanned)
                start = page[-1].id + 1
        caught_up = application.catch_up_index()  # and the index's position to the head
    finally:
        application.close()
    console.print(f"households scanned: {scanned}; pairs proposed: {proposed}")
    console.print(f"index caught up with the log ({caught_up} households re-indexed)")
