"""The rows of the long work lists (the referral board, the officer's inbox, households at
risk) as HTML, one format string a list: the same cells as ``macros.html``'s
``referral_rows`` and ``household_rows``, which the shorter lists keep.

Why not the macros here: Jinja2 escapes each value it writes into a new ``Markup`` object,
a dozen a row, and a list of 200 rows cost more to render (10-30 ms) than the API's read
and JSON of the same rows. Here every wording is translated and escaped once a list (a page
shows a few categories, statuses, days and departments hundreds of times) and only what
differs row by row (names, ids) is escaped per row, with the standard library's ``escape``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from html import escape
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from web.i18n import environment, gettext_for
from web.labels import N_

# The wording written here (the column names are the tables' headers too, in work_list.html).
_LEVEL, _REF, _NOT_ASSESSED = N_("Level %(level)s"), N_("Household %(ref)s"), N_("Not assessed")

_REFERRAL = (
    '<tr class="{overdue}">{household}'
    '<td data-label="{l_need}"><a href="/referrals/{referral_id}">{category}</a> '
    '<span class="sev">{severity}</span></td>{status}'
    '<td data-label="{l_department}">{department}</td>'
    '<td data-label="{l_standard}">{clock}</td>'
    '<td data-label="{l_escalated}">{escalated}</td>'
    '<td data-label="{l_referred}">{referred}</td></tr>\n'
)
_HOUSEHOLD = (
    '<tr><td data-label="{l_household}"><a href="/households/{household_id}">{name}</a></td>'
    '<td data-label="{l_risk}">{risk}</td>'
    '<td data-label="{l_needs}">{needs}</td></tr>\n'
)


class _Wording:
    """A list's wording in one language, each distinct value translated and escaped once."""

    def __init__(self, language: str) -> None:
        self.env: Environment = environment(language)
        self.gettext = gettext_for(language)
        self.seen: dict[Hashable, str] = {}

    def once(self, key: Hashable, make: Callable[[], str]) -> str:
        found = self.seen.get(key)
        if found is None:
            found = self.seen[key] = make()
        return found

    def text(self, message: str) -> str:
        return self.once(("text", message), lambda: escape(self.gettext(message)))

    def department(self, code: str) -> str:
        return self.once(("department", code), lambda: escape(code))

    def label(self, value: Any, kind: str) -> str:
        label = self.env.filters["label"]
        return self.once((kind, value), lambda: escape(label(value, kind)))

    def clock(self, days_past: int | None) -> str:
        return self.once(("clock", days_past), lambda: str(self.env.filters["clock"](days_past)))

    def day(self, value: datetime) -> str:
        on = value.date()  # a list's referrals were made on a few days
        return self.once(("day", on), lambda: escape(self.env.filters["day"](on)))

    def level(self, level: int) -> str:
        """An escalation's level, or a dash if the referral is not escalated."""
        if not level:
            return "—"
        return self.once(("level", level), lambda: escape(self.gettext(_LEVEL) % {"level": level}))

    def reference(self, household_id: Any) -> str:
        """A household without a name the reader may see: its reference."""
        ref = self.gettext(_REF) % {"ref": str(household_id)[:8].upper()}
        return escape(ref)


def referral_rows(
    language: str,
    rows: Iterable[dict[str, Any]],
    *,
    show_status: bool = False,
    show_household: bool = False,
) -> Markup:
    """The ``<tr>`` of each referral row, as ``referral_rows`` in ``macros.html``."""
    w = _Wording(language)
    l_household, l_status = w.text("Household"), w.text("Status")
    cells = {
        "l_need": w.text("Need"),
        "l_department": w.text("Department"),
        "l_standard": w.text("Service standard"),
        "l_escalated": w.text("Escalated"),
        "l_referred": w.text("Referred on"),
    }
    out = []
    for r in rows:
        household = ""
        if show_household:
            name = r.get("household_name")
            shown = escape(name) if name else w.reference(r["household_id"])
            household = f'<td data-label="{l_household}">{shown}</td>'
        status = ""
        if show_status:
            status = f'<td data-label="{l_status}">{w.label(r["status"], "referral_status")}</td>'
        out.append(
            _REFERRAL.format(
                overdue="overdue" if (r["days_past"] or 0) > 0 else "",
                household=household,
                referral_id=escape(str(r["referral_id"])),
                category=w.label(r["category"], "need_category"),
                severity=w.label(r["severity"], "severity"),
                status=status,
                department=w.department(r["department"]),
                clock=w.clock(r["days_past"]),
                escalated=w.level(r["escalation_level"]),
                referred=w.day(r["made_at"]),
                **cells,
            )
        )
    return Markup("".join(out))


def household_rows(language: str, rows: Iterable[dict[str, Any]]) -> Markup:
    """The ``<tr>`` of each household row, as ``household_rows`` in ``macros.html``."""
    w = _Wording(language)
    cells = {
        "l_household": w.text("Household"),
        "l_risk": w.text("Risk"),
        "l_needs": w.text("Open needs"),
    }
    unassessed = w.text(_NOT_ASSESSED)
    out = []
    for h in rows:
        name = h.get("household_name")
        needs = ", ".join(w.label(n["category"], "need_category") for n in h["open_needs"])
        out.append(
            _HOUSEHOLD.format(
                household_id=escape(str(h["household_id"])),
                name=escape(name) if name else w.reference(h["household_id"]),
                risk=w.label(h["risk_level"], "risk") if h["risk_level"] else unassessed,
                needs=needs or "—",
                **cells,
            )
        )
    return Markup("".join(out))
