"""The ``sukuma`` command: run the service, load demo data, and operate it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from sukuma.database import ensure_database
from sukuma.settings import Settings
from sukuma.wiring import build_api, build_application

cli = typer.Typer(
    help="Sukuma: event-sourced case management for Operation Sukuma Sakhe war rooms.\n\n"
    "With no SUKUMA_DATABASE_URL an embedded PostgreSQL runs under SUKUMA_DATA_DIR "
    "(default ./.sukuma-data) and keeps its data across restarts.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)


def load_demo(
    settings: Settings, database_url: str, households: int, seed: int, if_empty: bool
) -> None:
    from sukuma.demo import generate, is_empty

    application = build_application(settings, database_url)
    try:
        if if_empty and not is_empty(application):
            console.print("[yellow]The event log already has data: demo not loaded.[/]")
            return
        columns = (
            TextColumn("[bold]demo households"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("demo", total=households)
            summary = generate(
                application,
                households,
                seed,
                now=datetime.now(UTC),
                on_progress=lambda done: progress.update(task, completed=done),
            )
        console.print(f"[green]Demo loaded[/]: {summary}")
    finally:
        application.close()


@cli.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind (default from settings)")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings)")] = None,
    demo: Annotated[bool, typer.Option(help="Load demo data first if the log is empty")] = False,
    demo_households: Annotated[int, typer.Option(help="Households for --demo")] = 500,
) -> None:
    """Run the HTTP API (and, in single-node mode, everything it needs)."""
    import uvicorn

    settings = Settings()
    database_url = ensure_database(settings)
    if demo:
        load_demo(settings, database_url, demo_households, seed=7, if_empty=True)
    api, application = build_api(settings, database_url)
    bind_host, bind_port = host or settings.host, port or settings.port
    console.print(f"Sukuma API on http://{bind_host}:{bind_port}  (docs: /docs)")
    try:
        uvicorn.run(api, host=bind_host, port=bind_port, log_level=settings.log_level.lower())
    finally:
        application.close()


@cli.command()
def demo(
    households: Annotated[int, typer.Option(min=1, help="How many households to generate")] = 500,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data")] = 7,
    if_empty: Annotated[bool, typer.Option(help="Only load when the event log is empty")] = False,
) -> None:
    """Load a realistic synthetic dataset (KZN wards, households, referrals, meetings)."""
    settings = Settings()
    load_demo(settings, ensure_database(settings), households, seed, if_empty)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    cli()


if __name__ == "__main__":
    main()
