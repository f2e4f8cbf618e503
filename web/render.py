"""Every page and redirect the workspace answers with: in the reader's language, with the
session cookie renewed, never cached, and under a strict content security policy."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api.read_log import ReadLog
from web.i18n import environment, gettext_for, language_of
from web.session import attach, session_of, take_notice

#: Only this package's own files; no inline script or style, no framing, forms to us only.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """``template`` rendered for this request's reader."""
    language = language_of(request)
    session = session_of(request)
    html = (
        environment(language)
        .get_template(template)
        .render(
            request=request,
            csrf=session.csrf,
            me=session.principal(),
            notice=take_notice(request),
            **context,
        )
    )
    headers = {**HEADERS, "Content-Language": language}
    return attach(request, HTMLResponse(html, status_code=status_code, headers=headers))


async def logged_page(request: Request, log: ReadLog, template: str, **context: Any) -> Response:
    """``page``, rendered while ``log`` (the personal data it shows) is written: the page is
    sent only once its reads are logged, never if the write failed."""
    if not log.pending:
        return page(request, template, **context)
    # Both off the event loop, at once: the write mostly waits for its commit's WAL flush.
    rendered, _ = await asyncio.gather(
        run_in_threadpool(page, request, template, **context), log.written()
    )
    return rendered


def redirect(request: Request, url: str, notice: str | None = None) -> Response:
    """See other (303) ``url``, with ``notice`` (English: translated when shown) on it."""
    if notice is not None:
        session_of(request).notice = notice
    return attach(request, RedirectResponse(url, status_code=303, headers=HEADERS))


def local_path(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path of this site (``next=`` must not send anyone elsewhere)."""
    if not target:
        return default
    parts = urlsplit(target)
    # Browsers read "/\\host" as "//host": a backslash anywhere is refused, as are controls.
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) < 0x20 for c in target):
        return default
    return target


def translate(request: Request, message: str) -> str:
    return gettext_for(language_of(request))(message)
