"""The long work lists' rows made by ``web.work_lists`` are the cells ``macros.html``'s
``referral_rows`` and ``household_rows`` render for the same rows (the shorter lists still
use the macros), in both languages, names escaped."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from uuid import UUID

import pytest

from web.i18n import LANGUAGES, environment
from web.work_lists import household_rows, referral_rows


class _Tokens(HTMLParser):
    """A fragment as (tag, attributes) and text tokens: entities decoded, whitespace
    between tags dropped (as a browser lays the table out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[Any] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append((tag, sorted(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"/{tag}")

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.out.append(" ".join(data.split()))


def tokens(html: str) -> list[Any]:
    parser = _Tokens()
    parser.feed(html)
    return parser.out


def _referral(n: int, **changed: Any) -> dict[str, Any]:
    return {
        "referral_id": UUID(int=n),
        "household_id": UUID(int=1000 + n),
        "category": ["food", "social_grant", "gbv"][n % 3],
        "severity": ["low", "high"][n % 2],
        "status": ["made", "acknowledged", "disputed"][n % 3],
        "department": "SASSA",
        "escalation_level": n % 3,
        "made_at": datetime(2026, 11, 1 + n % 20, 9, n, tzinfo=UTC),
        "days_past": [None, 0, 5, -3, 1][n % 5],
        **changed,
    }


REFERRALS = [
    *(_referral(n) for n in range(12)),
    _referral(20, household_name='Thandi "T" <Dlamini> & Co'),
    _referral(21, household_name="Sipho Mkhize", department="D&H"),
]
HOUSEHOLDS = [
    {"household_id": UUID(int=1), "risk_level": "high", "open_needs": [{"category": "food"}]},
    {"household_id": UUID(int=2), "risk_level": None, "open_needs": []},
    {
        "household_id": UUID(int=3),
        "risk_level": "medium",
        "open_needs": [{"category": "gbv"}, {"category": "documents"}],
        "household_name": "Nomsa <b>Zulu</b>",
    },
]


def _macro(language: str, call: str, **context: Any) -> str:
    source = '{% from "macros.html" import referral_rows, household_rows %}' + call
    return environment(language).from_string(source).render(**context)


def _body(html: str) -> list[Any]:
    found = tokens(html)
    return found[found.index(("tbody", [])) + 1 : found.index("/tbody")]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("show_status", [True, False])
def test_referral_rows_are_the_macros_cells(language: str, show_status: bool) -> None:
    # Given referral rows, some named (one with markup in its name)
    # When the work list makes their rows, and the macro renders them
    made = referral_rows(language, REFERRALS, show_status=show_status, show_household=True)
    rendered = _macro(
        language,
        "{{ referral_rows(rows, 'c', show_status=s, show_household=True) }}",
        rows=REFERRALS,
        s=show_status,
    )

    # Then the cells are the same, the names escaped
    assert tokens(str(made)) == _body(rendered)
    assert "&lt;Dlamini&gt; &amp; Co" in made and "<Dlamini>" not in made


@pytest.mark.parametrize("language", LANGUAGES)
def test_household_rows_are_the_macros_cells(language: str) -> None:
    made = household_rows(language, HOUSEHOLDS)
    rendered = _macro(language, "{{ household_rows(rows, 'c') }}", rows=HOUSEHOLDS)

    assert tokens(str(made)) == _body(rendered)
    assert "Nomsa &lt;b&gt;Zulu&lt;/b&gt;" in made
