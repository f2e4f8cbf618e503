"""Words and values put into the rows a page writes in Python rather than in its template (a
long list's rows: ``web.alert_queue``, ``web.war_room_rows``), exactly as the template wrote
them, so the HTML stays the same.

Jinja escapes each value it writes into a new ``Markup``, a dozen a row, and a page's hundred
rows cost more than its API twin's read and JSON of them. Here a row's words are translated
once a page and only what differs row by row is escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

Gettext = Callable[[str], str]


def translated(gettext: Gettext, message: str, **variables: str) -> Markup:
    """``message`` as ``_(message, **variables)`` writes it in a template: the catalog's text
    as it is (not escaped), its variables escaped into it (``%%`` read as ``%``)."""
    return Markup(gettext(message)) % variables


def written(value: Any) -> str:
    """``value`` as ``{{ value }}`` writes it (escaped; ``None`` as "None")."""
    return str(escape(value))


def fixed(text: str) -> str:
    """``text`` as a fixed part of a row's ``%`` format (its own ``%`` kept as it is)."""
    return text.replace("%", "%%")
