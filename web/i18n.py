"""English and isiZulu: Babel's gettext catalogs, the page's language, one Jinja2 env per language.

The catalogs are kept as ``.po`` files only (``locale/<lang>/LC_MESSAGES/messages.po``) and
compiled in memory when the app starts (two small catalogs: milliseconds), so no build step
and no committed binary can fall out of step with its source. English is the source language.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.core import UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, pass_eval_context, select_autoescape
from jinja2.nodes import EvalContext
from markupsafe import Markup
from starlette.requests import Request

from web.labels import label_of
from web.session import chosen_language

LANGUAGES = ("en", "zu")
DEFAULT_LANGUAGE = "en"
#: The language switch's cookie, for a browser not signed in (the sign-in page); a signed-in
#: user's choice is an event on the user (``User.LanguageChosen``), kept in the session.
LANGUAGE_COOKIE = "sukuma_lang"
PACKAGE = Path(__file__).parent
LOCALE_DIR = PACKAGE / "locale"
TEMPLATE_DIR = PACKAGE / "templates"


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of ``language`` (English: the messages as written)."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    with catalog_path(language).open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Translations(compiled)


def accepted_languages(header: str) -> list[str]:
    """Accept-Language's tags, most wanted first (``zu-ZA,en;q=0.5`` -> ``['zu_ZA', 'en']``)."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, index, tag.replace("-", "_")))
    return [tag for _, _, tag in sorted(weighted)]


def language_of(request: Request) -> str:
    """The page's language: the signed-in user's choice, else the switch's cookie, else the
    browser's Accept-Language."""
    for chosen in (chosen_language(request), request.cookies.get(LANGUAGE_COOKIE)):
        if chosen in LANGUAGES:
            return str(chosen)
    try:
        best = Locale.negotiate(
            accepted_languages(request.headers.get("accept-language", "")), LANGUAGES
        )
    except (UnknownLocaleError, ValueError):
        best = None
    return best.language if best is not None else DEFAULT_LANGUAGE


def _dates(language: str) -> dict[str, Callable[..., str]]:
    locale = Locale.parse(language)  # once: Babel parses a locale's name on every call

    @lru_cache(maxsize=4096)
    def one_day(value: date) -> str:
        return format_date(value, "medium", locale=locale)

    def day(value: date | None) -> str:
        # A work list shows the same few days hundreds of times (Babel formats a date's part).
        if value is None:
            return ""
        return one_day(value.date() if isinstance(value, datetime) else value)

    @lru_cache(maxsize=4096)
    def one_moment(value: datetime, zone: tzinfo | None) -> str:
        # ``zone`` keys the cache too: equal instants in two zones read differently.
        return format_datetime(value, "medium", locale=locale)

    def moment(value: datetime | None) -> str:
        # A sweep raises its alerts at one instant: a group's rows repeat a few moments, and
        # Babel formatting one cost more than the rest of its row.
        return "" if value is None else one_moment(value, value.tzinfo)

    def month(value: date | None) -> str:
        """A month by its name and year (``Mar 2026``), as trajectories count them."""
        return "" if value is None else format_date(value, "LLL y", locale=locale)

    @lru_cache(maxsize=4096)
    def on_day(wording: Markup, value: date) -> Markup:
        """``wording`` (translated, with ``%(day)s``) filled with ``value``, as
        ``wording|format(day=value|day)`` fills it: a list's rows repeat a few days and a few
        wordings, and filling one cost a row more than its other cells."""
        return wording % {"day": day(value)}

    return {"day": day, "moment": moment, "month": month, "on_day": on_day}


def _gettext(messages: gettext.NullTranslations) -> Callable[..., str]:
    """``_`` as the i18n extension's new-style one writes a message (the catalog's text as
    markup, ``%``-formatted with its variables: ``%%`` read as ``%``), a message without
    variables formatted once: a page calls it dozens of times, and each call cost two context
    calls, a ``Markup`` and a format (a war room's page, 40% of its template's time)."""

    @lru_cache(maxsize=4096)
    def constant(message: str) -> Markup:
        return Markup(messages.gettext(message)) % {}

    @pass_eval_context
    def translate(eval_ctx: EvalContext, message: str, **variables: Any) -> str:
        if not eval_ctx.autoescape:
            return messages.gettext(message) % variables
        if variables:
            return Markup(messages.gettext(message)) % variables
        return constant(message)

    return translate


@cache
def environment(language: str) -> Environment:
    """The templates with ``language``'s messages installed (``_``, ``ngettext``, ``label``)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    messages = translations(language)
    env.install_gettext_translations(messages, newstyle=True)  # type: ignore[attr-defined]
    env.globals["_"] = _gettext(messages)

    def label(value: Any, kind: str) -> str:
        return messages.gettext(label_of(kind, value))

    @lru_cache(maxsize=2048)
    def clock(days_past: int | None) -> Markup:
        """A referral's service-standard clock (days past its next step's deadline; negative:
        days left): a filter, cached, as a work list shows the same few values on hundreds of
        rows (a macro or ``ngettext`` a row cost more than the rest of the row)."""
        if days_past is None:
            text, css = messages.gettext("No deadline at this step"), "clock"
        elif days_past > 0:
            plural = messages.ngettext("%(num)d day overdue", "%(num)d days overdue", days_past)
            text, css = plural % {"num": days_past}, "clock late"
        elif days_past == 0:
            text, css = messages.gettext("Due today"), "clock soon"
        else:
            plural = messages.ngettext("Due in %(num)d day", "Due in %(num)d days", -days_past)
            text, css = plural % {"num": -days_past}, "clock"
        return Markup('<span class="{}">{}</span>').format(css, text)

    env.filters["label"] = label
    env.filters["clock"] = clock
    env.filters.update(_dates(language))
    env.globals["language"] = language
    env.globals["languages"] = LANGUAGES
    return env


def gettext_for(language: str) -> Callable[[str], str]:
    return translations(language).gettext
