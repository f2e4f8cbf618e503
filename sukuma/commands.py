"""The ``sukuma`` command's commands: run the service, load demo data, and operate it
(``sukuma.cli`` runs them; ``sukuma project`` alone starts without this module)."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING, Annotated

import typer
from eventsourcing.postgres import PostgresApplicationRecorder
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from projections.liveness import WorkerGaveUp
from projections.runner import Progress as ProjectorProgress
from sukuma.duplicates_cli import duplicates_cli
from sukuma.import_cli import import_cli
from sukuma.migrate_cli import migrate
from sukuma.project_cli import project
from sukuma.report_cli import report
from sukuma.service_cli import load_demo, serve
from sukuma.settings import Settings, load_settings
from sukuma.users_cli import users_cli
from sukuma.wiring import build_application, build_projector, ensure_database

if TYPE_CHECKING:
    from adapters.key_rotation import KeyReport

cli = typer.Typer(
    help="Sukuma: event-sourced case management for Operation Sukuma Sakhe war rooms.\n\n"
    "With no SUKUMA_DATABASE_URL an embedded PostgreSQL runs under SUKUMA_DATA_DIR "
    "(default ./.sukuma-data) and keeps its data across restarts.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)
cli.command()(migrate)


# Registered here, held in sukuma.service_cli: the commands that run the service.
cli.command()(serve)


@cli.command()
def demo(
    households: Annotated[int, typer.Option(min=1, help="How many households to generate")] = 500,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data")] = 7,
    if_empty: Annotated[bool, typer.Option(help="Only load when the event log is empty")] = False,
) -> None:
    """Load a realistic synthetic dataset (KZN wards, households, referrals, meetings)."""
    settings = load_settings()
    load_demo(settings, ensure_database(settings), households, seed, if_empty)


cli.command()(project)
cli.command()(report)

projections_cli = typer.Typer(help="Operate the read models.", no_args_is_help=True)
cli.add_typer(projections_cli, name="projections")
cli.add_typer(users_cli, name="users", no_args_is_help=True)
cli.add_typer(import_cli, name="import", no_args_is_help=True)
cli.add_typer(duplicates_cli, name="duplicates")


@projections_cli.command("rebuild")
def projections_rebuild(
    name: Annotated[str | None, typer.Argument(help="Projection to rebuild (default: all)")] = None,
    page_size: Annotated[int, typer.Option(min=1, help="Events per transaction")] = 20_000,
    retry_seconds: Annotated[
        float, typer.Option(min=0, help="How long to keep retrying a lost database")
    ] = 300.0,
) -> None:
    """Rebuild from the start of the log into new tables, then swap them in (API stays up).

    A lost database connection is retried (the rebuild resumes where it was) for up to
    ``--retry-seconds``; past that it exits 1 with the live view left as it was.
    """
    from projections.liveness import RetryPolicy
    from projections.rebuild import rebuild
    from projections.registry import PROJECTIONS

    settings = load_settings()
    application = build_application(settings, ensure_database(settings))
    recorder = application.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    try:
        for projection in [name] if name else list(PROJECTIONS):
            head = recorder.max_notification_id() or 0
            columns = (
                TextColumn(f"[bold]{projection}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(),
            )
            with Progress(*columns, console=console) as progress:
                task = progress.add_task(projection, total=head, rate="")

                def show(p: ProjectorProgress, task: TaskID = task) -> None:
                    rate = f"{p.processed / max(p.seconds, 1e-9):,.0f} events/s"
                    progress.update(task, completed=p.position, total=p.head, rate=rate)

                try:
                    processed = rebuild(
                        recorder,
                        application.name,
                        datastore,
                        projection,
                        page_size=page_size,
                        on_progress=show,
                        retry=RetryPolicy(give_up_seconds=retry_seconds),
                    )
                except WorkerGaveUp as exc:
                    console.print(
                        f"[red]Rebuild of {projection} stopped[/]: {exc.__cause__!r}. Its live"
                        " view is unchanged (nothing was swapped in); run the rebuild again.",
                        soft_wrap=True,
                    )
                    raise typer.Exit(1) from None
            console.print(
                f"[green]{projection} rebuilt[/] from {processed:,} events and swapped in"
            )
    finally:
        application.close()


@cli.command("scheduler")
def run_scheduler() -> None:
    """Run the early-warning scheduler: sweeps on the configured schedule (one replica acts)."""
    import asyncio

    from scheduler.main import build_sweeper, run_until

    settings = load_settings()
    application = build_application(settings, ensure_database(settings))
    sweeper = build_sweeper(settings, application)

    async def until_signalled() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_until(settings, sweeper, stop)

    console.print("scheduler running (Ctrl-C to stop)")
    try:
        asyncio.run(until_signalled())
    except WorkerGaveUp:
        raise typer.Exit(1) from None  # logged; a supervisor restarts the process
    finally:
        if sweeper.notifier is not None:
            sweeper.notifier.close()
        application.close()


keys_cli = typer.Typer(help="The master key that wraps personal data's keys.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")


def _key_pass(settings: Settings, *, rotate: bool, page_size: int) -> KeyReport:
    """One pass over the data keys with a progress bar (see adapters.key_rotation)."""
    from adapters.data_keys import KeyWrapper
    from adapters.event_store import SukumaRecorder
    from adapters.key_rotation import key_report

    application = build_application(settings, ensure_database(settings))
    try:
        recorder = application.recorder
        assert isinstance(recorder, SukumaRecorder)
        wrapper = KeyWrapper(settings.master_key.get_secret_value(), settings.previous_master_keys)
        columns = (TextColumn("[bold]data keys"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("keys", total=None)

            def show(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            return key_report(
                recorder.datastore,
                recorder.data_keys_table_name,
                wrapper,
                rotate=rotate,
                page_size=page_size,
                on_progress=show,
            )
    finally:
        application.close()


@keys_cli.command("status")
def keys_status(
    page_size: Annotated[int, typer.Option(min=1, help="Rows per transaction")] = 1000,
) -> None:
    """Count the data keys by the master key that opens them (exit 1 if any opens with none)."""
    from adapters.key_rotation import describe

    settings = load_settings()
    report = _key_pass(settings, rotate=False, page_size=page_size)
    for line in describe(report, settings.previous_master_keys):
        console.print(line)
    if report.unreadable:
        raise typer.Exit(1)


@keys_cli.command("rotate")
def keys_rotate(
    page_size: Annotated[int, typer.Option(min=1, help="Rows per transaction")] = 1000,
) -> None:
    """Rewrap every data key with the current master key; the stored events are untouched.

    With SUKUMA_DATABASE_URL: set SUKUMA_MASTER_KEY to the new key and
    SUKUMA_MASTER_KEY_PREVIOUS to the old one, restart every process, run this, then drop
    SUKUMA_MASTER_KEY_PREVIOUS and restart again. With the embedded database's generated
    keys (no SUKUMA_MASTER_KEY): stop the service; this generates the new key in the data
    directory's keys file. Interrupted, it is finished by running it again.
    """
    from adapters.key_rotation import describe
    from sukuma.key_rotation import begin_local_rotation, finish_local_rotation

    raw = Settings()
    local = raw.uses_dev_master_key and raw.database_url is None
    if local:
        begin_local_rotation(raw.data_dir)
    settings = raw.with_startup_keys()
    if not settings.previous_master_keys:
        console.print(
            "[red]Nothing to rotate from.[/] Set SUKUMA_MASTER_KEY to the new key and "
            "SUKUMA_MASTER_KEY_PREVIOUS to the current one, restart the service, then run "
            "this again."
        )
        raise typer.Exit(2)
    report = _key_pass(settings, rotate=True, page_size=page_size)
    for line in describe(report, []):
        console.print(line)
    if report.unreadable:
        console.print("[red]Some keys open with neither master key: they were left as they are.[/]")
        raise typer.Exit(1)
    if local:
        finish_local_rotation(raw.data_dir)
        console.print("[green]master key rotated[/]: the keys file holds only the new one now")
    else:
        console.print(
            "[green]master key rotated[/]: drop SUKUMA_MASTER_KEY_PREVIOUS and restart the service"
        )


rules_cli = typer.Typer(help="Early-warning rules.", no_args_is_help=True)
cli.add_typer(rules_cli, name="rules")


@rules_cli.command("run")
def rules_run(
    rule: Annotated[
        str | None, typer.Argument(help="Rule to run, e.g. EW-01 (default: all)")
    ] = None,
    catch_up: Annotated[
        bool, typer.Option(help="Bring the read models up to date before the sweep")
    ] = True,
    full: Annotated[
        bool, typer.Option(help="Compare every match with every open alert (reconcile)")
    ] = False,
) -> None:
    """Run one sweep now and print what it raised, escalated and resolved."""
    from scheduler.main import build_sweeper

    settings = load_settings()
    application = build_application(settings, ensure_database(settings))
    sweeper = build_sweeper(settings, application)
    try:
        if catch_up:
            build_projector(application).run_once()
        try:
            summary = sweeper.run([rule] if rule else [], full=full)
        except KeyError as error:
            raise typer.BadParameter(str(error.args[0]), param_hint="RULE") from None
        if summary.skipped:
            console.print("[yellow]Another scheduler is sweeping: nothing done.[/]")
            raise typer.Exit(1)
        for name in sorted({*summary.raised, *summary.escalated, *summary.resolved}):
            console.print(
                f"{name:12} raised {summary.raised[name]:5}  escalated "
                f"{summary.escalated[name]:5}  resolved {summary.resolved[name]:5}"
            )
        console.print(f"[green]sweep done[/]: {summary.total()}")
    finally:
        if sweeper.notifier is not None:
            sweeper.notifier.drain()
            sweeper.notifier.close()
        application.close()
