"""The alert queue's rows, written in Python (``web.alert_queue.group_rows``), are the HTML the
template's loop wrote, in every language, for any filters and values, at a fraction of its
cost: Jinja escaped a dozen values a row into a ``Markup`` each, and a queue's 100 rows cost
the page more than the API's read and JSON of them."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlencode

import pytest
from jinja2 import Template

from web.alert_queue import group_rows
from web.i18n import LANGUAGES, environment

# The rows as alerts.html wrote them before (its loop; the links made by the handler).
TEMPLATE_ROWS = """\
{% set l_rule, l_level, l_area = _("Rule"), _("Level"), area_key|label("area_level") %}
{% set l_open, l_unack, l_oldest = _("Open"), _("Not acknowledged"), _("Oldest") %}
{% for g in groups %}
  <tr class="{{ 'overdue' if g['unacknowledged'] else '' }}">
    <td data-label="{{ l_rule }}"><a href="{{ g['group_href'] }}">{{ g['rule'] }} \
{{- ' ' }}{{ g['rule']|label("rule") }}</a></td>
    <td data-label="{{ l_level }}">{{ g['level'] }}</td>
    <td data-label="{{ l_area }}"><a href="{{ g['area_href'] }}">{{ g['area'] }}</a></td>
    <td data-label="{{ l_open }}">{{ g['alerts'] }}</td>
    <td data-label="{{ l_unack }}">{{ g['unacknowledged'] }}</td>
    <td data-label="{{ l_oldest }}">{{ g['oldest']|day }}</td>
  </tr>
{% endfor %}
"""
RULES = ["EW-01", "EW-04", "EW-10", "EW-99"]  # EW-99: no label, shown as it is stored
AREAS = ["KZN225", "KZN2&6 <x>", "Ward 'one' \"1\"", None]  # odd values are escaped alike
SINCE = datetime(2026, 11, 2, 8, tzinfo=UTC)


def groups(count: int) -> list[dict[str, Any]]:
    return [
        {
            "rule": RULES[n % len(RULES)],
            "level": 1 + n % 4,
            "area": AREAS[n % len(AREAS)],
            "alerts": 1000 + n,
            "unacknowledged": n % 3,
            "oldest": SINCE - timedelta(days=n % 5),
            "level_since": SINCE,
        }
        for n in range(count)
    ]


@cache
def rows_template(language: str) -> Template:
    return environment(language).from_string(TEMPLATE_ROWS)


def by_template(
    language: str, rows: list[dict[str, Any]], kept: dict[str, Any], area_key: str
) -> str:
    template = rows_template(language)
    linked = [
        {
            **g,
            "group_href": "/alerts/group?"
            + urlencode({**kept, "rule": g["rule"], "level": g["level"], area_key: g["area"]}),
            "area_href": "/alerts?" + urlencode({area_key: g["area"]}),
        }
        for g in rows
    ]
    return template.render(groups=linked, area_key=area_key)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("kept", "area_key"),
    [
        ({}, "district"),
        ({"district": "DC22"}, "municipality"),
        ({"level": 2, "rule": "EW-04", "municipality": "KZN 2%5"}, "ward"),
    ],
)
def test_the_queues_rows_are_the_html_the_template_wrote(
    language: str, kept: dict[str, Any], area_key: str
) -> None:
    rows = groups(24)
    written = group_rows(language, rows, kept, area_key)
    assert str(written) == by_template(language, rows, kept, area_key)
    # And each link reads as urlencode writes it (escaped for the attribute)
    query = {**kept, "rule": "EW-04", "level": 2, area_key: "KZN2&6 <x>"}
    assert f'href="/alerts/group?{urlencode(query)}"'.replace("&", "&amp;") in written


def test_a_queue_of_100_groups_costs_a_fraction_of_the_templates_rows() -> None:
    rows = groups(100)
    kept = {"district": "DC22"}
    best = [float("inf"), float("inf")]
    for _ in range(20):
        for i, write in enumerate(
            (
                lambda: group_rows("en", rows, kept, "municipality"),
                lambda: by_template("en", rows, kept, "municipality"),
            )
        ):
            started = time.thread_time()
            write()
            best[i] = min(best[i], time.thread_time() - started)
    # About an eighth here
    python, template = best
    assert python < template / 3, best
