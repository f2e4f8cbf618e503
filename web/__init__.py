"""The web workspace: server-rendered pages (Jinja2, a little HTMX) over the same application,
queries and access policy as the API, in English and isiZulu. Sits between ``api`` and the
composition root: it imports the API's dependencies, and ``sukuma.wiring`` installs it."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from web import actions, entry, errors, pages

STATIC_DIR = Path(__file__).parent / "static"


def install(app: FastAPI) -> FastAPI:
    """Add the pages, their static files and their error pages to the API's ``app``."""
    for module in (entry, pages, actions):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    errors.install(app)
    return app
