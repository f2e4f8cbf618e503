"""The pages' small decisions that need no server: where ``next=`` may lead, which language
a browser asks for, and how a value without a label is shown."""

from __future__ import annotations

import pytest

from web.i18n import accepted_languages
from web.labels import label_of
from web.render import local_path


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/board",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "board",
        "/board\r\nSet-Cookie: x=1",
        "",
    ],
)
def test_next_never_leads_off_the_site(target: str) -> None:
    assert local_path(target) == "/"


def test_next_keeps_a_local_path_and_its_query() -> None:
    assert local_path("/referrals/abc?min_position=3") == "/referrals/abc?min_position=3"


def test_accept_language_is_read_most_wanted_first() -> None:
    assert accepted_languages("en;q=0.5, zu-ZA, xh;q=0.8, fr;q=0") == ["zu_ZA", "xh", "en"]
    assert accepted_languages("zu;q=oops") == []


def test_a_value_without_a_label_is_shown_as_stored() -> None:
    assert label_of("referral_status", "made") == "Referred"
    assert label_of("event", "Household.SomethingNew") == "Household.SomethingNew"
