"""The war room page's longest lists, written in Python (``web.rows``): its open action items,
each with its Done form, and the households its meeting form offers. A room has 50 of each at
the benchmark's scale, and the template wrote a dozen escaped values a row into a ``Markup``
each: more than the API's read and JSON of the whole room. The same HTML as the template's
loops wrote (``war_room.html`` keeps the rest of the page)."""

from __future__ import annotations

from datetime import date
from typing import Any

from markupsafe import Markup, escape

from web.i18n import environment, gettext_for
from web.labels import N_
from web.rows import fixed, translated, written

_OPEN_ITEM = (
    '  <li class="%(late)s">\n'
    '    <span>%(text)s <span class="hint">· %(owner)s · %(due)s</span></span>\n'
    "{form}"
    "  </li>\n"
)
_DONE_FORM = (
    '    <form method="post" action="{room_url}/action-items/%(item_id)s/done" class="inline">\n'
    '      <input type="hidden" name="csrf" value="{csrf}">\n'
    '      <button aria-label="{mark_done}">{done}</button>\n'
    "    </form>\n"
)
_OFFERED = (
    '    <div class="check"><input type="checkbox" id="disc-%(id)s" name="discussed" '
    'value="%(id)s"><label for="disc-%(id)s">%(name)s</label></div>\n'
)


def open_item_rows(
    language: str, items: list[dict[str, Any]], room_url: str, csrf: str, may_act: bool
) -> Markup:
    """Each open item (``<li>``): its text, owner and due day (late ones marked), and its Done
    form for a reader who may act on the room's items."""
    gettext, on_day = gettext_for(language), environment(language).filters["on_day"]
    no_owner = translated(gettext, N_("No owner"))
    was_due = translated(gettext, N_("was due %(day)s"), day="%(day)s")
    due_on = translated(gettext, N_("due %(day)s"), day="%(day)s")
    form = ""
    if may_act:
        # "Mark done: %(text)s", its text the row's (escaped as in the row's span)
        mark_done = translated(gettext, N_("Mark done: %(text)s"), text="%(text)s")
        form = _DONE_FORM.format(
            room_url=fixed(written(room_url)),
            csrf=fixed(written(csrf)),
            mark_done=fixed(mark_done).replace("%%(text)s", "%(text)s"),
            done=fixed(translated(gettext, N_("Done"))),
        )
    row = _OPEN_ITEM.format(form=form)
    no_due = translated(gettext, N_("no due date"))
    dues: dict[tuple[bool, date | None], str] = {(False, None): no_due, (True, None): no_due}
    owners: dict[str | None, str] = {}
    out = []
    for i in items:
        late, due, owner = bool(i["late"]), i["due_on"], i["owner"]
        if (late, due) not in dues:  # a room's items fall due on a few days
            wording = on_day(was_due if late else due_on, due)
            dues[late, due] = f'<span class="clock late">{wording}</span>' if late else wording
        if owner not in owners:  # and are owned by a few members
            owners[owner] = escape(owner) if owner else no_owner
        out.append(
            row
            % {
                "late": "overdue" if late else "",
                "text": escape(i["text"]),
                "owner": owners[owner],
                "due": dues[late, due],
                "item_id": escape(i["item_id"]),
            }
        )
    return Markup("".join(out))


def offered_checks(language: str, offered: list[dict[str, Any]]) -> Markup:
    """A checkbox for each household the meeting form offers: its name where the reader may
    see it, else its reference."""
    reference = translated(gettext_for(language), N_("Household %(ref)s"), ref="%(ref)s")
    return Markup(
        "".join(
            _OFFERED
            % {
                "id": written(h["id"]),
                "name": _name(h, reference),
            }
            for h in offered
        )
    )


def _name(household: dict[str, Any], reference: Markup) -> str:
    name = household.get("household_name")
    return written(name) if name else str(reference % {"ref": household["ref"]})
