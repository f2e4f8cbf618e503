"""The web workspace: server-rendered pages (Jinja2, a little HTMX) over the same application,
queries and access policy as the API, in English and isiZulu. Sits between ``api`` and the
composition root: it imports the API's dependencies, and ``sukuma.wiring`` installs it."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from starlette.staticfiles import StaticFiles

from api import route_groups
from api.deps import current_principal
from api.schemas.common import REFUSED
from web import (
    actions,
    alert_queue,
    case_actions,
    caseloads,
    duplicates,
    entry,
    errors,
    feedback,
    field,
    nerve,
    oidc,
    oidc_renewal,
    pages,
    results,
    solutions,
    stocktakes,
    task_teams,
    transparency,
    users,
    war_room,
    war_room_forms,
)
from web.reports import router as reports

STATIC_DIR = Path(__file__).parent / "static"
#: Where the pages' own files are served: not ``/static``, which the API's docs mount first
#: (for Swagger UI and ReDoc), so a second mount there is never reached.
ASSETS_URL = "/assets"


def install(app: FastAPI) -> FastAPI:
    """Add the pages, their static files and their error pages to the API's ``app`` (each
    router in a group of its own: ``api.route_groups``)."""
    for module in (
        entry,
        oidc,
        pages,
        actions,
        case_actions,
        field,
        caseloads,
        nerve,
        alert_queue,
        duplicates,
        feedback,
        transparency,
        war_room,
        results,
        task_teams,
        stocktakes,
        solutions,
        users,
    ):
        route_groups.include(app, module.router)
    for module in (war_room_forms, task_teams, stocktakes, solutions):
        route_groups.include(app, module.forms)
    # The printed reports are API resources: under /v1, with its bearer token.
    route_groups.include(
        app,
        reports.router,
        prefix="/v1",
        dependencies=[Depends(current_principal)],
        responses=REFUSED,
    )
    route_groups.include(app, reports.pages)  # the same, for the workspace's signed-in reader
    app.mount(ASSETS_URL, StaticFiles(directory=STATIC_DIR), name="web-assets")
    app.state.web_renew = oidc_renewal.renew  # a provider's page session refreshes its tokens
    errors.install(app)
    return app
