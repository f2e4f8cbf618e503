"""``sukuma project``: the projectors on their own (one compose service a projection).

Held apart from the rest of the CLI so that ``sukuma project`` starts without it:
``sukuma.cli.main`` runs this module's app alone for that command. The whole CLI (its
other commands' imports: the API's models, the reports' WeasyPrint and matplotlib, the
application) was about 3 s of CPU before each projector started; ``python -m
sukuma.projector``'s own start-up is a few tenths of that. So imports here stay inside the
command, and the log is read through the event store's recorder (``sukuma.projector``'s
``open_log``), not through the application.
"""

from __future__ import annotations

import signal
from typing import Annotated

import typer
from rich.console import Console

from sukuma.settings import Settings, load_settings

console = Console(stderr=True)


def project(
    names: Annotated[
        list[str] | None, typer.Argument(help="Projections to run (default: all)")
    ] = None,
    projection: Annotated[
        list[str] | None,
        typer.Option(help="A projection to run (repeatable; the same as naming it)"),
    ] = None,
    once: Annotated[bool, typer.Option(help="Catch up to the head of the log, then exit")] = False,
    page_size: Annotated[int, typer.Option(min=1, help="Events per transaction")] = 20_000,
) -> None:
    """Run the projector: keep the read models up to date (LISTEN/NOTIFY, batched pages).

    One process may run every projection, a few, or one (``--projection nerve_centre``):
    one process per projection spreads catch-up over the cores.
    """
    from projections.registry import PROJECTIONS

    chosen = [*(names or ()), *(projection or ())]
    unknown = sorted(set(chosen) - PROJECTIONS.keys())
    if unknown:
        raise typer.BadParameter(
            f"unknown projection(s) {', '.join(unknown)}; known: {', '.join(PROJECTIONS)}",
            param_hint="--projection",
        )
    from projections.liveness import WorkerGaveUp
    from projections.registry import open_runner
    from sukuma.projector import APPLICATION_NAME, open_log, projector_settings

    settings = projector_settings(load_settings())
    factory, recorder = open_log(settings, _event_store(settings))
    try:
        runner = open_runner(recorder, APPLICATION_NAME, chosen, page_size=page_size)
        signal.signal(signal.SIGTERM, lambda *_: runner.stop())
        if once:
            console.print(f"processed {runner.run_once():,} events")
        else:
            console.print("projector running (Ctrl-C to stop)")
            runner.run_forever()
    except KeyboardInterrupt:
        pass
    except WorkerGaveUp:
        raise typer.Exit(1) from None  # logged; a supervisor restarts the process
    finally:
        factory.close()


def _event_store(settings: Settings) -> str:
    """The event store's URL, as every command finds it (``sukuma.wiring.ensure_database``;
    a configured database's schema is checked by ``open_log``). Only the embedded server,
    which migrates itself, needs the wiring's imports."""
    from adapters.database import ensure_database

    if settings.database_url is None:
        from sukuma.wiring import ensure_database as ensure_embedded

        return ensure_embedded(settings)
    return ensure_database(
        settings.database_url, data_dir=settings.data_dir, default_schema=settings.database_schema
    )


def run(args: list[str]) -> None:
    """``sukuma project ARGS``: this command alone, as the whole CLI would run it."""
    app = typer.Typer(add_completion=False)
    app.command()(project)
    app(args=args, prog_name="sukuma project")
