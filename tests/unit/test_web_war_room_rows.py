"""A war room's open action items and the households its meeting form offers, written in Python
(``web.war_room_rows``), are the HTML ``war_room.html``'s loops wrote, in every language, for a
reader who may act on the room and one who may not, at a fraction of their cost."""

from __future__ import annotations

import time
from datetime import date
from functools import cache
from typing import Any

import pytest
from jinja2 import Template

from web.i18n import LANGUAGES, environment
from web.war_room_rows import offered_checks, open_item_rows

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
