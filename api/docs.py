"""/docs (Swagger UI) with its assets served by the app itself, not a public CDN: a war
room's laptop without internet still shows it (FastAPI's "custom docs UI static assets").

The assets are vendored release files in ``api/static`` (versions in its README.md). ReDoc is
not served: its bundle loads its footer logo from a public CDN, and one docs page is enough;
``/redoc`` redirects to ``/docs`` for old bookmarks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
#: Apart from the web workspace's /assets: one mount each, so neither hides the other.
STATIC_URL = "/docs-assets"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
#: The pages may load only from the app. Inline scripts and styles are FastAPI's page templates.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'"
)


def install(api: FastAPI) -> None:
    """Serve the documentation page and its assets (build the app with docs_url and
    redoc_url set to None, so FastAPI's CDN-backed pages are not added too)."""
    api.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="docs-assets")

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

    async def redoc(request: Request) -> RedirectResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return RedirectResponse(f"{root}/docs", status_code=308)

    for path, page in (("/docs", swagger_ui), (OAUTH2_REDIRECT_URL, swagger_ui_redirect)):
        api.add_route(path, _self_only(page), include_in_schema=False)
    api.add_route("/redoc", redoc, include_in_schema=False)


def _self_only(
    page: Callable[[Request], Awaitable[HTMLResponse]],
) -> Callable[[Request], Awaitable[HTMLResponse]]:
    async def served(request: Request) -> HTMLResponse:
        response = await page(request)
        response.headers["Content-Security-Policy"] = DOCS_POLICY
        return response

    return served
