"""The web workspace: server-rendered pages (Jinja2, a little HTMX) over the same application,
queries and access policy as the API, in English and isiZulu. Sits between ``api`` and the
composition root: it imports the API's dependencies, and ``sukuma.wiring`` installs it."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from web import actions, alert_queue, entry, errors, nerve, pages, results

STATIC_DIR = Path(__file__).parent / "static"
#: Where the pages' own files are served: not ``/static``, which the API's docs mount first
#: (for Swagger UI and ReDoc), so a second mount there is never reached.
ASSETS_URL = "/assets"


def install(app: FastAPI) -> FastAPI:
    """Add the pages, their static files and their error pages to the API's ``app``."""
    for module in (entry, pages, actions, nerve, alert_queue, results):
        app.include_router(module.router)
    app.mount(ASSETS_URL, StaticFiles(directory=STATIC_DIR), name="web-assets")
    errors.install(app)
    return app
