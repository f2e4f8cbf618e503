"""/docs and /redoc with their assets served by the app itself, not a public CDN: a war
room's laptop without internet still shows them (FastAPI's "custom docs UI static assets").

The assets are vendored release files in ``api/static`` (versions in its README.md).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
STATIC_URL = "/static"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"


def install(api: FastAPI) -> None:
    """Serve the documentation pages and their assets (build the app with docs_url and
    redoc_url set to None, so FastAPI's CDN-backed pages are not added too)."""
    api.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="static")

    def asset(request: Request, path: str) -> str:
        return f"{request.scope.get('root_path', '').rstrip('/')}{STATIC_URL}/{path}"

    # Plain routes (add_route), as FastAPI adds its own docs: public pages, not API operations.
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{api.openapi_url}",
            title=f"{api.title} - Swagger UI",
            oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT_URL}",
            swagger_js_url=asset(request, "swagger-ui/swagger-ui-bundle.js"),
            swagger_css_url=asset(request, "swagger-ui/swagger-ui.css"),
            swagger_favicon_url=asset(request, "swagger-ui/favicon-32x32.png"),
            # Swagger UI would otherwise send the schema to its public online validator.
            swagger_ui_parameters={"validatorUrl": None},
        )

    async def swagger_ui_redirect(request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_redoc_html(
            openapi_url=f"{root}{api.openapi_url}",
            title=f"{api.title} - ReDoc",
            redoc_js_url=asset(request, "redoc/redoc.standalone.js"),
            redoc_favicon_url=asset(request, "swagger-ui/favicon-32x32.png"),
            with_google_fonts=False,
        )

    api.add_route("/docs", swagger_ui, include_in_schema=False)
    api.add_route(OAUTH2_REDIRECT_URL, swagger_ui_redirect, include_in_schema=False)
    api.add_route("/redoc", redoc, include_in_schema=False)
