"""The command that runs the service: ``sukuma serve`` (the API, and in single-node mode the
projector and scheduler too; ``sukuma project``, projectors on their own, is
``sukuma.project_cli``)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from adapters.database import forget_dead_processes
from sukuma.settings import Settings, load_settings
from sukuma.wiring import (
    ASGI_FACTORY,
    build_api,
    build_application,
    build_projector,
    ensure_database,
)

if TYPE_CHECKING:
    from fastapi import FastAPI

    from domain.sukuma import Sukuma

console = Console(stderr=True)


def load_demo(
    settings: Settings, database_url: str, households: int, seed: int, if_empty: bool
) -> None:
    from sukuma.demo import CaseDataExists, generate, is_empty
    from sukuma.demo.users import DEMO_PASSWORD, add_demo_users

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
        try:
            with Progress(*columns, console=console) as progress:
                task = progress.add_task("demo", total=households)
                summary = generate(
                    application,
                    households,
                    seed,
                    now=datetime.now(UTC),
                    on_progress=lambda done: progress.update(task, completed=done),
                )
        except CaseDataExists as exc:  # refused before writing anything
            console.print(f"[red]Demo not loaded[/]: {exc}", soft_wrap=True)
            raise typer.Exit(1) from None
        console.print(f"[green]Demo loaded[/]: {summary}")
        for user in add_demo_users(application, datetime.now(UTC)):
            scopes = "".join(f", {scope}" for scope in user.scopes)
            console.print(
                f"demo user [bold]{user.username}[/] ({user.role}{scopes}), "
                f"password {DEMO_PASSWORD!r} (demo only)"
            )
    finally:
        application.close()


def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind (default from settings)")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings)")] = None,
    demo: Annotated[bool, typer.Option(help="Load demo data first if the log is empty")] = False,
    demo_households: Annotated[int, typer.Option(help="Households for --demo")] = 500,
    projector: Annotated[
        bool, typer.Option(help="Run the projector in this process (single-node mode)")
    ] = True,
    scheduler: Annotated[
        bool, typer.Option(help="Run the early-warning scheduler in this process")
    ] = True,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="API worker processes (default from SUKUMA_API_WORKERS, 1)"),
    ] = None,
) -> None:
    """Run the HTTP API; in single-node mode also the projector and scheduler, in threads.

    With several workers, gunicorn runs the API in that many uvicorn workers (and replaces
    one that dies); this process keeps the projector, the scheduler and the embedded
    PostgreSQL, which the workers join.
    """
    import uvicorn

    settings = load_settings()
    database_url = ensure_database(settings)
    if demo:
        load_demo(settings, database_url, demo_households, seed=7, if_empty=True)
    workers = workers or settings.api_workers
    bind_host, bind_port = host or settings.host, port or settings.port
    log_level = settings.log_level.lower()
    api: FastAPI | None = None  # with several workers, each builds its own
    application: Sukuma | None = None  # what the projector and scheduler threads write through
    if workers == 1:
        api, application = build_api(settings, database_url)
    elif projector or scheduler:
        application = build_application(settings, database_url)
    console.print(
        f"Sukuma API on http://{bind_host}:{bind_port}  (docs: /docs; {workers} worker(s))"
    )
    try:
        with _single_node(
            settings, application, projector=projector, scheduler=scheduler
        ) as gave_up:

            def on_sigterm(signum: int, _frame: FrameType | None) -> None:
                # uvicorn re-raises the SIGTERM it shut down on: leave through the cleanup,
                # with 1 if a background worker gave up (a supervisor restarts on that).
                raise SystemExit(1 if gave_up() else 128 + signum)

            signal.signal(signal.SIGTERM, on_sigterm)
            if api is not None:
                uvicorn.run(
                    api, host=bind_host, port=bind_port, log_level=log_level, proxy_headers=False
                )
            else:
                status = run_workers(bind_host, bind_port, workers, log_level)
                if settings.database_url is None:  # this process stops the embedded server
                    forget_dead_processes(settings.data_dir / "pg")
                if gave_up():
                    status = 1
                if status:
                    raise typer.Exit(status)
    finally:
        if application is not None:
            application.close()


def run_workers(host: str, port: int, workers: int, log_level: str) -> int:
    """The API in ``workers`` uvicorn workers under gunicorn, until SIGTERM/SIGINT.

    gunicorn runs as a child process (this one has threads, and gunicorn forks); it starts,
    watches and replaces the workers (settings: ``sukuma.gunicorn_conf``).
    """
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    # The workers bind their own sockets (sukuma.gunicorn_conf), each retrying a taken port
    # forever: hold it here first, so a taken port fails at once, and nobody else may take it
    # while a worker restarts. Never listened on, it takes no connections.
    reserved = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        reserved.bind((host, port))
    except OSError as exc:
        reserved.close()
        console.print(f"[red]cannot listen on {bind}: {exc.strerror}[/]")
        return 1
    command = [
        sys.executable, "-m", "gunicorn", "--config", "python:sukuma.gunicorn_conf",
        "--workers", str(workers), "--bind", bind, "--log-level", log_level,
    ]  # fmt: skip
    if log_level in ("debug", "info"):  # requests logged as uvicorn logs them alone
        command += ["--access-logfile", "-"]
    gunicorn = subprocess.Popen([*command, f"{ASGI_FACTORY}()"])

    def stop(signum: int, _frame: FrameType | None) -> None:
        gunicorn.send_signal(signal.SIGTERM)  # graceful: requests in flight finish

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        return gunicorn.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        reserved.close()


@contextmanager
def _single_node(
    settings: Settings, application: Sukuma | None, *, projector: bool, scheduler: bool
) -> Iterator[Callable[[], bool]]:
    """The projector and the scheduler in threads of this process, while the API serves.

    Yields whether one of them gave up: such a thread stops the process (SIGTERM), which
    then exits 1 so that a supervisor restarts it, instead of serving views that no longer
    move."""
    from scheduler.main import SchedulerThread, build_sweeper
    from sukuma.projector import ProjectorThread, stop_process

    projecting = sweeps = None
    if projector and application is not None:
        runner = build_projector(application)
        # Catch up first, so the first early-warning sweep at start sees the whole log.
        runner.run_once()
        projecting = ProjectorThread(runner)
        projecting.start()
    if scheduler and application is not None:
        sweeps = SchedulerThread(settings, build_sweeper(settings, application), stop_process)
        sweeps.start()

    def gave_up() -> bool:
        return bool((projecting and projecting.failed) or (sweeps and sweeps.failed))

    try:
        yield gave_up
    finally:
        if projecting is not None:
            projecting.stop()  # before the (maybe embedded) server goes away
        if sweeps is not None:
            sweeps.stop()
