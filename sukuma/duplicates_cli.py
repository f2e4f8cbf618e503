"""``sukuma duplicates scan``: bring households recorded before the matcher into its index;
``sukuma duplicates hand-over``: hand over the referrals of merges recorded before merges did."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import typer
from eventsourcing.utils import get_topic
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from domain.context import CommandContext
from domain.duplicates.model import DuplicateCandidate
from domain.households.model import Household
from domain.sukuma import Sukuma
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


def merged_pairs(application: Sukuma, batch: int) -> list[UUID]:
    """Every pair ever merged, in the order first merged (from the log's ``Merged`` events:
    merges are few; the pair's current state decides what is left to do)."""
    topic = get_topic(DuplicateCandidate.Merged)
    pairs: dict[UUID, None] = {}
    start = 1
    while page := application.recorder.select_notifications(start, batch, topics=[topic]):
        pairs.update(dict.fromkeys(UUID(str(n.originator_id)) for n in page))
        start = page[-1].id + 1
    return list(pairs)


@duplicates_cli.command("hand-over")
def hand_over(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be handed over; append nothing")
    ] = False,
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Merges read per query")] = 1000,
) -> None:
    """Hand the open referrals of merges recorded before merges handed them over (a merged,
    not unmerged, duplicate's referrals still in its ward) to the survivor's ward, as a merge
    does today; the views follow. A re-run appends nothing."""
    settings = load_settings()
    application = build_application(settings, ensure_database(settings))
    ctx = CommandContext(actor="system:duplicates-hand-over", occurred_at=datetime.now(UTC))
    listed: list[str] = []
    handed = 0
    try:
        pairs = merged_pairs(application, batch)
        columns = (TextColumn("[bold]merged pairs"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("hand-over", total=len(pairs))
            for pair in pairs:
                said = application.hand_over_old_merge(pair, ctx, record=not dry_run)
                listed += [
                    f"referral {h.referral_id}: {h.from_ward_id} -> {h.to_ward_id} "
                    f"(survivor {h.survivor_id})"
                    for h in said
                ]
                handed += len(said)
                progress.advance(task)
    finally:
        application.close()
    for line in listed:  # one a line, whole: for a reader, or grep
        console.print(line, soft_wrap=True, highlight=False)
    done = "to hand over (dry run, nothing appended)" if dry_run else "handed over"
    console.print(f"merged pairs: {len(pairs)}; referrals {done}: {handed}")
