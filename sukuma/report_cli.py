"""``sukuma report KIND [LEVEL CODE]``: print a report to a PDF (or HTML) file.

The command reads as a province-wide analyst without ``pii:read`` (it prints figures and
lists, never a household's name: a meeting pack with names is for a signed-in reader, over
HTTP), after bringing the read models up to date. With ``--demo`` it first loads the demo
data into an empty log and reports on the demo's first ward (or its municipality, whose
task team keeps the demo's Results and Delivery routine).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Literal
from uuid import UUID

import asyncpg
import typer
from rich.console import Console

from adapters.database import asyncpg_connect_kwargs
from adapters.shredding import PersonalDataMapper
from domain.access.principal import Principal, Role
from domain.errors import NotFoundError
from domain.reference.geography import PROVINCE_CODE, geography
from domain.sukuma import Sukuma
from scheduler.rules.config import load_rules_file
from sukuma.settings import Settings, load_settings
from sukuma.wiring import build_application, build_projector, ensure_database
from web.reports import render
from web.reports.gather import (
    LEVELS,
    BadReportRequest,
    Report,
    ReportRequest,
    Sources,
    gather,
)
from web.reports.router import GATHERERS

console = Console(stderr=True)

#: Who the command reads as: every figure and list of the province, no personal data.
READER = Principal(
    user_id="system:report",
    username="sukuma-report",
    roles=frozenset({Role.ANALYST}),
    scopes=frozenset({f"province:{PROVINCE_CODE}"}),
)


async def _made(
    settings: Settings, url: str, application: Sukuma, wanted: ReportRequest, now: datetime
) -> Report:
    mapper = application.mapper
    keys = mapper.keys if isinstance(mapper, PersonalDataMapper) else None
    departments = {d.code: d.name for d in application.current_catalogue()[1].departments}
    pool = await asyncpg.create_pool(
        min_size=1, max_size=2, **asyncpg_connect_kwargs(url, settings.schema_for(url))
    )
    try:
        thresholds = load_rules_file(settings.rules_file).rating.thresholds
        sources = Sources(pool, application, keys, READER, departments, now, thresholds)
        return await gather(sources, wanted, GATHERERS)
    finally:
        await pool.close()


def _demo_area(kind: str, ward: str | None) -> tuple[str | None, str | None]:
    """The demo's first ward, or its municipality for a kind not made for a ward."""
    if ward is None or "ward" in LEVELS.get(kind, ("ward",)):
        return "ward", ward
    return "municipality", geography().ward(ward).municipality_code


def report(
    kind: Annotated[
        str,
        typer.Argument(help="imbizo, meeting-pack, monthly, stocktake-pack or monthly-note"),
    ],
    level: Annotated[
        str | None, typer.Argument(help="ward (imbizo, meeting-pack) or municipality, ...")
    ] = None,
    code: Annotated[str | None, typer.Argument(help="The area's code, e.g. KZN225-W001")] = None,
    lang: Annotated[Literal["en", "zu"], typer.Option(help="English or isiZulu")] = "en",
    format: Annotated[Literal["pdf", "html"], typer.Option(help="What to write")] = "pdf",
    output: Annotated[Path | None, typer.Option(help="The file (default: named after it)")] = None,
    as_of: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD: as recorded by the end of that day")
    ] = None,
    basis: Annotated[Literal["recorded", "occurred"], typer.Option()] = "recorded",
    demo: Annotated[
        bool, typer.Option(help="Load the demo data into an empty log; default to its ward")
    ] = False,
    demo_households: Annotated[int, typer.Option(min=1, help="With --demo")] = 300,
    priority: Annotated[
        str | None, typer.Option(help="A monthly note of this priority (its id) only")
    ] = None,
) -> None:
    """Print a report: an imbizo ward report, a war-room meeting pack, a monthly report, or a
    task team's stocktake pack or monthly note (LEVEL CODE: the team's area)."""
    from sukuma.demo.users import first_ward
    from sukuma.service_cli import load_demo

    # WeasyPrint logs each step of each page at INFO: the command says what it wrote itself.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    settings = load_settings()
    url = ensure_database(settings)
    if demo:
        load_demo(settings, url, demo_households, 7, if_empty=True)
    application = build_application(settings, url)
    try:
        build_projector(application).run_once()
        if code is None and demo:
            level, code = _demo_area(kind, first_ward(application))
        if level is None or code is None:
            raise typer.BadParameter("give LEVEL and CODE (or --demo)", param_hint="CODE")
        now = datetime.now(UTC)
        day = date.fromisoformat(as_of) if as_of else now.date()
        wanted = ReportRequest(kind, level, code, day, basis, UUID(priority) if priority else None)
        try:
            made = asyncio.run(_made(settings, url, application, wanted, now))
        except BadReportRequest as bad:
            raise typer.BadParameter(bad.message, param_hint=bad.field.upper()) from None
        except NotFoundError:
            raise typer.BadParameter(f"no {level} {code}", param_hint="CODE") from None
        page = render.html(made, lang)
        target = output or Path(f"{kind}-{code}-{day}-{lang}.{format}")
        if format == "pdf":
            target.write_bytes(render.pdf(page))
        else:
            target.write_text(page, encoding="utf-8")
        console.print(f"[green]{made.area}[/]: {target} (log position {made.position})")
    finally:
        application.close()
