"""The alert queue's parts that are the same for every reader of one language and filters (its
filter form, the area in view, its table's head), rendered once each and kept
(``web.alert_queue.filter_form``, ``.table_head``), are the HTML alerts.html wrote for every
request before, in every language and for any filters."""

from __future__ import annotations

import pytest

from projections.alerts.queries import AlertFilters
from web.alert_queue import filter_form, table_head
from web.i18n import LANGUAGES, environment
from web.labels import LABELS

# alerts.html's lines as they were, from the form to the table's head (the rows aside).
TEMPLATE = """\
<form method="get" action="/alerts" class="filters" role="search" aria-label="{{ _('Filter the alerts') }}">
  <label>{{ _("Rule") }}
    <select name="rule"><option value="">{{ _("All rules") }}</option>
    {% for code, text in rules %}<option value="{{ code }}"{% if filters.rule == code %} selected{% endif %}>{{ code }} {{ _(text) }}</option>{% endfor %}
    </select></label>
  <label>{{ _("Level") }}
    <select name="level"><option value="">{{ _("All levels") }}</option>
    {% for n in range(1, 5) %}<option value="{{ n }}"{% if filters.level == n %} selected{% endif %}>{{ n }}</option>{% endfor %}
    </select></label>
  {% for key in ("district", "municipality", "ward") %}{% if filters[key] %}<input type="hidden" name="{{ key }}" value="{{ filters[key] }}">{% endif %}{% endfor %}
  <button>{{ _("Show") }}</button>
</form>
{% if filters.district or filters.municipality or filters.ward %}
<p>{{ _("In %(area)s.", area=filters.ward or filters.municipality or filters.district) }} <a href="/alerts">{{ _("Every area") }}</a></p>
{% endif %}
<table class="cards">
  <caption>{{ _("Open alerts by rule, level and area") }}</caption>
  <thead><tr><th scope="col">{{ _("Rule") }}</th><th scope="col">{{ _("Level") }}</th><th scope="col">{{ area_key|label("area_level") }}</th><th scope="col">{{ _("Open") }}</th><th scope="col">{{ _("Not acknowledged") }}</th><th scope="col">{{ _("Oldest") }}</th></tr></thead>
"""  # noqa: E501
FILTERS = [
    (AlertFilters("open"), "district"),
    (AlertFilters("open", district="DC22"), "municipality"),
    (AlertFilters("open", 2, "EW-04", municipality="KZN225"), "ward"),
    (AlertFilters("open", 4, "EW-99", ward="KZN22501"), "ward"),  # a rule with no label
    (AlertFilters("open", None, "EW-01", municipality='KZN2&6 <x> "1"'), "ward"),  # escaped
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("filters", "area_key"), FILTERS)
def test_the_queues_form_and_head_are_the_html_the_page_wrote(
    language: str, filters: AlertFilters, area_key: str
) -> None:
    before = environment(language).from_string(TEMPLATE)
    rules = list(LABELS["rule"][1].items())
    expected = before.render(filters=filters, rules=rules, area_key=area_key)
    # As alerts.html puts them together now
    written = (
        f'{filter_form(language, filters)}<table class="cards">\n{table_head(language, area_key)}'
    )
    assert written == expected
