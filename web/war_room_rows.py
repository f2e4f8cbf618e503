"""The war room page's longest lists, written in Python (``web.rows``): its open action items,
each with its Done form, and the households its meeting form offers. A room has 50 of each at
the benchmark's scale, and the template wrote a dozen escaped values a row into a ``Markup``
each: more than the API's read and JSON of the whole room. The same HTML as the template's
loops wrote (``war_room.html`` keeps the rest of the page)."""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

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


_MEMBER = (
    "  <li>\n"
    '    <span><strong>%(name)s</strong> · %(seat)s%(in_department)s <span class="hint">'
    "%(since)s</span></span>\n"
    "{form}"
    "  </li>\n"
)
_UNSEAT_FORM = (
    '    <form method="post" action="{room_url}/members/%(member_id)s/remove" class="inline">\n'
    '      <input type="hidden" name="csrf" value="{csrf}">\n'
    '      <button aria-label="{unseat_name}">{unseat}</button>\n'
    "    </form>\n"
)
_ATTENDED = (
    '    <div class="check"><input type="checkbox" id="att-%(member_id)s" name="attended" '
    'value="%(member_id)s"><label for="att-%(member_id)s">%(name)s · %(seat)s%(department)s'
    "</label></div>\n"
)
_OWNER = '<option value="%(member_id)s">%(name)s%(department)s</option>'


class SeatedRows(NamedTuple):
    """What the page writes for each seated member: its row in the members' list (with its
    Unseat form for a reader who may seat), its checkbox in the meeting form and its option
    among an action item's owners."""

    members: Markup
    attendance: Markup
    owners: Markup


def seated_rows(
    language: str, seated: list[dict[str, Any]], room_url: str, csrf: str, may_seat: bool
) -> SeatedRows:
    gettext = gettext_for(language)
    env = environment(language)
    label, on_day = env.filters["label"], env.filters["on_day"]
    since = translated(gettext, N_("since %(day)s"), day="%(day)s")
    form = ""
    if may_seat:
        form = _UNSEAT_FORM.format(
            room_url=fixed(written(room_url)),
            csrf=fixed(written(csrf)),
            unseat_name=fixed(translated(gettext, N_("Unseat %(name)s"), name="%(name)s")).replace(
                "%%(name)s", "%(name)s"
            ),
            unseat=fixed(translated(gettext, N_("Unseat"))),
        )
    member = _MEMBER.format(form=form)
    members, attendance, owners = [], [], []
    for m in seated:
        department = written(m["department"]) if m["department"] else ""
        values = {
            "member_id": written(m["member_id"]),
            "name": written(m["name"]),
            "seat": written(label(m["seat"], "seat")),
            "since": on_day(since, m["joined_on"]),
            "in_department": f" · {department}" if department else "",
            "department": f" ({department})" if department else "",
        }
        members.append(member % values)
        attendance.append(_ATTENDED % values)
        owners.append(_OWNER % values)
    return SeatedRows(*(Markup("".join(rows)) for rows in (members, attendance, owners)))


_MEETING = (
    '<article class="card" aria-labelledby="m-%(id)s">\n'
    '  <h3 id="m-%(id)s">%(held)s</h3>\n'
    "  <p>%(attended)s</p>\n"
    "%(discussed)s%(absent)s%(notes)s</article>\n"
)
_MEETING_OPTION = '<option value="%(id)s"%(selected)s>%(held)s</option>'


class MeetingRows(NamedTuple):
    """The meetings shown, each as its card, and as an option of the action-item form's
    "Agreed at" (the latest selected)."""

    cards: Markup
    options: Markup


def meeting_rows(
    language: str, meetings: list[dict[str, Any]], may_read_households: bool
) -> MeetingRows:
    """Each meeting: its day, who attended (or nobody recorded), the households discussed (as
    links for a reader who may read them), the departments absent and its notes."""
    gettext = gettext_for(language)
    on_day = environment(language).filters["on_day"]
    held_on = translated(gettext, N_("The meeting of %(day)s"), day="%(day)s")
    reference = translated(gettext, N_("Household %(ref)s"), ref="%(ref)s")
    attended = translated(gettext, N_("Attended:"))
    nobody = translated(gettext, N_("nobody recorded"))
    discussed = translated(gettext, N_("Households discussed:"))
    absent = translated(gettext, N_("Departments absent:"))
    cards, options = [], []
    for n, m in enumerate(meetings):
        values = {
            "id": written(m["meeting_id"]),
            "held": on_day(held_on, m["held_on"]),
            "selected": "" if n else " selected",
            "attended": f"{attended} {written(m['attended']) if m['attended'] else nobody}",
            "discussed": "",
            "absent": "",
            "notes": f'<p class="hint">{written(m["notes"])}</p>' if m["notes"] else "",
        }
        if m["households_discussed"]:
            links = ", ".join(
                _discussed(h, reference, may_read_households) for h in m["households_discussed"]
            )
            values["discussed"] = f"<p>{discussed} {links}</p>"
        if m["absent"]:
            values["absent"] = f'<p class="late">{absent} {escape(", ").join(m["absent"])}</p>'
        cards.append(_MEETING % values)
        options.append(_MEETING_OPTION % values)
    return MeetingRows(Markup("".join(cards)), Markup("".join(options)))


def _discussed(household: str, reference: Markup, linked: bool) -> str:
    shown = str(reference % {"ref": household[:8].upper()})
    return f'<a href="/households/{written(household)}">{shown}</a>' if linked else shown


def done_rows(language: str, done: list[dict[str, Any]]) -> Markup:
    """The action items done that are shown (the latest), each with the day it was done."""
    on_day = environment(language).filters["on_day"]
    done_on = translated(gettext_for(language), N_("done %(day)s"), day="%(day)s")
    return Markup(
        "".join(
            f'<li>{written(i["text"])} <span class="hint">· {on_day(done_on, i["done_on"])}'
            "</span></li>"
            for i in done
        )
    )
