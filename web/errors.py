"""Errors as pages a person understands, in their language; the API's answers stay JSON.

Each exception the API's table (``api.errors.HANDLERS``) answers is answered here too: on an
API path by the API's own handler, on a page by an HTML page for the same status (and the same
headers, such as ``Retry-After``) that says what happened and what to do, never a stack trace.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse, Response

from api.errors import HANDLERS
from domain.errors import RuleViolation
from web.labels import LABELS, N_
from web.render import page, redirect
from web.session import CsrfRefused, SignInRequired

log = logging.getLogger(__name__)

#: Paths the API and the operators' endpoints answer (JSON or text); every other is a page.
API_PREFIX = "/v1/"
API_PATHS = frozenset(
    {
        "/v1",
        "/healthz",
        "/readyz",
        "/metrics",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
        "/openapi.json",
    }
)

#: (headline, what to do) per status; anything else is told as 400 or 500.
MESSAGES: dict[int, tuple[str, str]] = {
    400: (N_("This request could not be read"), N_("Go back and try again.")),
    403: (
        N_("You may not do this"),
        N_("Your role or your area does not allow it. Ask your administrator if it should."),
    ),
    404: (
        N_("Not found"),
        N_("This page does not exist, or it is outside the area you work in."),
    ),
    405: (N_("This page cannot be used that way"), N_("Go back and try again.")),
    409: (
        N_("This step cannot be taken now"),
        N_(
            "The case is not at a stage that allows it, or someone changed it meanwhile. "
            "Look at it again and choose the next step."
        ),
    ),
    412: (
        N_("Someone changed this meanwhile"),
        N_("Look at it again and choose the next step."),
    ),
    413: (N_("What you sent is too large"), N_("Send less at a time.")),
    422: (
        N_("Some of what you entered is not valid"),
        N_("Check the form and try again."),
    ),
    429: (
        N_("Too many attempts"),
        N_("Wait a few minutes and try again."),
    ),
    500: (
        N_("Something went wrong on our side"),
        N_(
            "It is not something you did. Try again; if it happens again, tell your "
            "administrator the time it happened."
        ),
    ),
    503: (
        N_("The system cannot be reached just now"),
        N_("Nothing was saved. Try again in a minute."),
    ),
}
CSRF_MESSAGE = (
    N_("This form has expired"),
    N_(
        "Forms work only in the session they were opened in. Open the page again and repeat "
        "what you did."
    ),
)


def is_page(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith(API_PREFIX) or path in API_PATHS)


def error_page(request: Request, status: int, headers: Any = None, **context: Any) -> Response:
    headline, advice = MESSAGES.get(status) or MESSAGES[500 if status >= 500 else 400]
    response = page(request, "error.html", status, headline=headline, advice=advice, **context)
    for name in ("retry-after",):
        if headers and name in headers:
            response.headers[name] = headers[name]
    return response


#: A form's case: its page is where a refused step leads back to.
CASE_PAGE = re.compile(r"^/(households|referrals)/[0-9a-f-]{36}")


def _case_page(request: Request) -> dict[str, Any]:
    found = CASE_PAGE.match(request.url.path) if request.method == "POST" else None
    return {"back": found.group(0)} if found else {}


def _detail(exc: Exception) -> dict[str, Any]:
    """What a person can act on: the rule the case broke (in the reader's words when the
    rule has a label), the fields that were refused."""
    if isinstance(exc, RuleViolation):
        reason = LABELS["case_rule"][1].get(exc.rule)
        return {"rule": exc.message, "reason": reason}
    if isinstance(exc, RequestValidationError):
        return {"fields": sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")})}
    return {}


Handler = Callable[[Request, Any], Any]


def _paged(api_handler: Handler) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handle(request: Request, exc: Exception) -> Response:
        answer = api_handler(request, exc)
        if isinstance(answer, Awaitable):
            answer = await answer
        if not is_page(request):
            response: Response = answer
            return response
        if answer.status_code == 401:
            return await _to_sign_in(request, exc)
        detail = {**_detail(exc), **_case_page(request)}
        return error_page(request, answer.status_code, answer.headers, **detail)

    return handle


async def _to_sign_in(request: Request, exc: Exception) -> Response:
    # After signing in, a GET comes back to where it was; a form's post cannot be replayed.
    back = request.url.path if request.method == "GET" else "/"
    return redirect(request, f"/sign-in?next={quote(back)}")


async def _csrf_refused(request: Request, exc: Exception) -> Response:
    headline, advice = CSRF_MESSAGE
    return page(request, "error.html", 403, headline=headline, advice=advice)


async def _crashed(request: Request, exc: Exception) -> Response:
    # Called by Starlette's outermost middleware, which re-raises for the server's log.
    if not is_page(request):
        return PlainTextResponse("Internal Server Error", status_code=500)
    return error_page(request, 500)


def install(app: FastAPI) -> None:
    for exc_type, handler in HANDLERS.items():
        app.add_exception_handler(exc_type, _paged(handler))
    app.add_exception_handler(HTTPException, _paged(http_exception_handler))
    app.add_exception_handler(SignInRequired, _to_sign_in)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
    app.add_exception_handler(Exception, _crashed)
