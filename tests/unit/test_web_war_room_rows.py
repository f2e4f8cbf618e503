"""A war room's lists written in Python (``web.war_room_rows``): its open action items, the
households its meeting form offers, its seated members (their rows, attendance checkboxes and
owner options), its meetings (cards and options) and its items done are the HTML
``war_room.html``'s loops wrote, in every language, for a reader who may act on the room and
one who may not, at a fraction of their cost."""

from __future__ import annotations

import time
from datetime import date
from functools import cache
from typing import Any

import pytest
from jinja2 import Template

from web.i18n import LANGUAGES, environment
from web.war_room_rows import (
    done_rows,
    meeting_rows,
    offered_checks,
    open_item_rows,
    seated_rows,
)

# The two loops as war_room.html wrote them before (its words set once a page, as there).
TEMPLATE_ITEMS = """\
{% set l_done, l_no_owner = _("Done"), _("No owner") %}
{% set l_was_due, l_due = _("was due %(day)s", day="%(day)s"), _("due %(day)s", day="%(day)s") %}
{% set l_no_due, l_mark_done = _("no due date"), _("Mark done: %(text)s", text="%(text)s") %}
  {% for i in open_items %}
  {% set due = i['due_on'] %}
  <li class="{{ 'overdue' if i['late'] else '' }}">
    <span>{{ i['text'] }} <span class="hint">· {{ i['owner'] or l_no_owner }} · \
{%- if due %}{% if i['late'] %} <span class="clock late">{{ l_was_due|on_day(due) }}</span>\
{%- else %} {{ l_due|on_day(due) }}{% endif %}{% else %} {{ l_no_due }}{% endif %}</span></span>
    {% if may['action_item'] %}
    <form method="post" action="{{ room_url }}/action-items/{{ i['item_id'] }}/done" \
class="inline">
      <input type="hidden" name="csrf" value="{{ csrf }}">
      <button aria-label="{{ l_mark_done|format(text=i['text']) }}">{{ l_done }}</button>
    </form>
    {% endif %}
  </li>
  {% endfor %}
"""
TEMPLATE_OFFERED = """\
{% set l_ref = _("Household %(ref)s", ref="%(ref)s") %}
    {% for h in offered %}
    {% set id = h['id'] %}
    <div class="check"><input type="checkbox" id="disc-{{ id }}" name="discussed" \
value="{{ id }}"><label for="disc-{{ id }}">{{ h['household_name'] or \
l_ref|format(ref=h['ref']) }}</label></div>
    {% endfor %}
"""
# The members', meetings' and done items' loops as war_room.html wrote them before.
TEMPLATE_MEMBERS = """\
{% set l_unseat = _("Unseat") %}
{% set l_unseat_name, l_since = _('Unseat %(name)s', name="%(name)s"), \
_("since %(day)s", day="%(day)s") %}
  {% for m in seated %}
  <li>
    <span><strong>{{ m['name'] }}</strong> · {{ m['seat']|label("seat") }}\
{% if m['department'] %} · {{ m['department'] }}{% endif %} <span class="hint">\
{{ l_since|on_day(m['joined_on']) }}</span></span>
    {% if may['member'] %}
    <form method="post" action="{{ room_url }}/members/{{ m['member_id'] }}/remove" \
class="inline">
      <input type="hidden" name="csrf" value="{{ csrf }}">
      <button aria-label="{{ l_unseat_name|format(name=m['name']) }}">{{ l_unseat }}</button>
    </form>
    {% endif %}
  </li>
  {% endfor %}
|
    {% for m in seated %}
    <div class="check"><input type="checkbox" id="att-{{ m['member_id'] }}" name="attended" \
value="{{ m['member_id'] }}"><label for="att-{{ m['member_id'] }}">{{ m['name'] }} · \
{{ m['seat']|label("seat") }}{% if m['department'] %} ({{ m['department'] }}){% endif %}\
</label></div>
    {% endfor %}
|
    {% for m in seated %}<option value="{{ m['member_id'] }}">{{ m['name'] }}\
{% if m['department'] %} ({{ m['department'] }}){% endif %}</option>{% endfor %}
"""
TEMPLATE_MEETINGS = """\
{% set l_meeting, l_ref = _("The meeting of %(day)s", day="%(day)s"), \
_("Household %(ref)s", ref="%(ref)s") %}
{% set l_attended, l_nobody = _("Attended:"), _("nobody recorded") %}
{% set l_discussed, l_absent = _("Households discussed:"), _("Departments absent:") %}
{% for m in meetings %}
<article class="card" aria-labelledby="m-{{ m['meeting_id'] }}">
  <h3 id="m-{{ m['meeting_id'] }}">{{ l_meeting|on_day(m['held_on']) }}</h3>
  <p>{{ l_attended }} {{ m['attended'] or l_nobody }}</p>
  {% if m['households_discussed'] %}<p>{{ l_discussed }} \
{% for h in m['households_discussed'] %}{% if may_read_households %}\
<a href="/households/{{ h }}">{{ l_ref|format(ref=h[:8]|upper) }}</a>\
{% else %}{{ l_ref|format(ref=h[:8]|upper) }}{% endif %}{% if not loop.last %}, {% endif %}\
{% endfor %}</p>{% endif %}
  {% if m['absent'] %}<p class="late">{{ l_absent }} {{ m['absent']|join(", ") }}</p>{% endif %}
  {% if m['notes'] %}<p class="hint">{{ m['notes'] }}</p>{% endif %}
</article>
{% endfor %}
|
    {% for m in meetings %}<option value="{{ m['meeting_id'] }}"\
{% if loop.first %} selected{% endif %}>{{ l_meeting|on_day(m['held_on']) }}</option>\
{% endfor %}
"""
TEMPLATE_DONE = """\
{% set l_done_on = _("done %(day)s", day="%(day)s") %}
{% for i in done_items %}<li>{{ i['text'] }} <span class="hint">· \
{{ l_done_on|on_day(i['done_on']) }}</span></li>{% endfor %}"""
ROOM = "/war-rooms/0a1b2c3d-0000-4000-8000-000000000001"
CSRF = "tok-en_123"
TODAY = date(2026, 11, 23)
TEXTS = ["Follow up", "Call <SASSA> & DHA", "Visit 'gogo' \"Nandi\"", "100% done"]


def items(count: int) -> list[dict[str, Any]]:
    return [
        {
            "item_id": f"00000000-0000-4000-8000-{n:012d}",
            "text": f"{TEXTS[n % len(TEXTS)]} {n}",
            "owner": None if n % 5 == 0 else f"Member {n % 12} & co",
            "due_on": None if n % 7 == 0 else date(2026, 11, 1 + n % 29),
            "late": n % 7 != 0 and 1 + n % 29 < TODAY.day,
        }
        for n in range(count)
    ]


def households(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"9f0e{n:04d}-0000-4000-8000-000000000000",
            "ref": f"9F0E{n:04d}",
            "household_name": None if n % 3 else f"Dlamini <{n}> & family",
        }
        for n in range(count)
    ]


def members(count: int) -> list[dict[str, Any]]:
    seats = ["convener", "department", "field_worker", "ngo"]
    return [
        {
            "member_id": f"5eed{n:04d}-0000-4000-8000-000000000000",
            "name": f"{TEXTS[n % len(TEXTS)]} {n}",
            "seat": seats[n % len(seats)],
            "department": "SASSA" if n % 4 == 1 else ("D&A" if n % 7 == 1 else None),
            "joined_on": date(2025, 1 + n % 12, 1 + n % 28),
        }
        for n in range(count)
    ]


def meetings(count: int) -> list[dict[str, Any]]:
    return [
        {
            "meeting_id": f"4ee7{n:04d}-0000-4000-8000-000000000000",
            "held_on": date(2026, 1 + n % 12, 1 + n % 28),
            "attended": "" if n % 4 == 0 else f"Member <{n}> & co, Nandi",
            "households_discussed": [
                f"9f0e{k:04d}-abcd-4000-8000-000000000000" for k in range(n % 3)
            ],
            "absent": [] if n % 2 else ["DHA", "S&S"][: 1 + n % 3],
            "notes": None if n % 5 == 0 else f"Notes {TEXTS[n % len(TEXTS)]}",
        }
        for n in range(count)
    ]


@cache
def template(language: str, source: str) -> Template:
    return environment(language).from_string(source)


def items_by_template(language: str, rows: list[dict[str, Any]], may_act: bool) -> str:
    may = {"action_item": may_act}
    return template(language, TEMPLATE_ITEMS).render(
        open_items=rows, room_url=ROOM, csrf=CSRF, may=may
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("may_act", [True, False])
def test_the_open_items_are_the_html_the_template_wrote(language: str, may_act: bool) -> None:
    rows = items(30)
    written = open_item_rows(language, rows, ROOM, CSRF, may_act)
    assert str(written) == items_by_template(language, rows, may_act)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_offered_households_are_the_html_the_template_wrote(language: str) -> None:
    rows = households(12)
    written = offered_checks(language, rows)
    assert str(written) == template(language, TEMPLATE_OFFERED).render(offered=rows)


def test_fifty_open_items_cost_a_fraction_of_the_templates_loop() -> None:
    rows = items(50)
    best = [float("inf"), float("inf")]
    for _ in range(20):
        for i, write in enumerate(
            (
                lambda: open_item_rows("en", rows, ROOM, CSRF, True),
                lambda: items_by_template("en", rows, True),
            )
        ):
            started = time.thread_time()
            write()
            best[i] = min(best[i], time.thread_time() - started)
    # About a third here
    python, loop = best
    assert python < loop / 2, best


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("may_seat", [True, False])
def test_the_seated_members_are_the_html_the_template_wrote(language: str, may_seat: bool) -> None:
    rows = members(14)
    written = seated_rows(language, rows, ROOM, CSRF, may_seat)
    by_template = template(language, TEMPLATE_MEMBERS).render(
        seated=rows, room_url=ROOM, csrf=CSRF, may={"member": may_seat}
    )
    assert "|\n".join(map(str, written)) == by_template


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("may_read", [True, False])
def test_the_meetings_are_the_html_the_template_wrote(language: str, may_read: bool) -> None:
    rows = meetings(13)
    written = meeting_rows(language, rows, may_read)
    by_template = template(language, TEMPLATE_MEETINGS).render(
        meetings=rows, may_read_households=may_read
    )
    assert f"{written.cards}|\n{written.options}" == by_template


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_items_done_are_the_html_the_template_wrote(language: str) -> None:
    rows = [
        {"text": f"{TEXTS[n % len(TEXTS)]} {n}", "done_on": date(2026, 10, 1 + n)}
        for n in range(20)
    ]
    assert str(done_rows(language, rows)) == template(language, TEMPLATE_DONE).render(
        done_items=rows
    )
