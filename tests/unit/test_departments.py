"""Departments and their service standards."""

from __future__ import annotations

import pytest

from domain.errors import InvalidCommand, NotFoundError
from domain.reference.departments import (
    default_department,
    department,
    departments,
    service_standard,
    standards_table,
)
from domain.vocabulary import NeedCategory


def test_departments_include_government_and_two_ngos() -> None:
    codes = {d.code for d in departments()}
    government = {"DSD", "SASSA", "DOH", "DHA", "DBE", "SAPS", "DARD", "DHS", "MUNI", "DEL", "NYDA"}
    assert government <= codes
    assert sorted(d.code for d in departments() if d.kind == "ngo") == [
        "NGO:CHILDLINE",
        "NGO:LIFELINE",
    ]


def test_department_lookup() -> None:
    assert department("DHA").name == "Home Affairs"
    with pytest.raises(NotFoundError):
        department("XYZ")


@pytest.mark.parametrize(
    ("code", "category", "ack", "deliver"),
    [
        ("DSD", NeedCategory.CHILD_PROTECTION, 2, 14),
        ("NGO:CHILDLINE", NeedCategory.CHILD_PROTECTION, 2, 14),
        ("DHA", NeedCategory.DOCUMENTS, 7, 30),
        ("SASSA", NeedCategory.SOCIAL_GRANT, 7, 30),
        ("DSD", NeedCategory.FOOD_SECURITY, 7, 7),
        ("MUNI", NeedCategory.WATER, 7, 60),
        ("MUNI", NeedCategory.HOUSING, 7, 60),
        ("DOH", NeedCategory.HEALTH_TB, 7, 30),
        ("NYDA", NeedCategory.LIVELIHOOD, 7, 30),
    ],
)
def test_service_standards(code: str, category: NeedCategory, ack: int, deliver: int) -> None:
    standard = service_standard(code, category)
    assert (standard.ack_within_days, standard.deliver_within_days) == (ack, deliver)
    assert (standard.department, standard.category, standard.version) == (
        code,
        category,
        "standards-v1",
    )


def test_service_standard_accepts_category_strings() -> None:
    assert service_standard("DSD", "food_security").deliver_within_days == 7


def test_service_standard_for_unknown_department_or_category() -> None:
    with pytest.raises(NotFoundError) as caught:
        service_standard("XYZ", NeedCategory.WATER)
    assert (caught.value.kind, caught.value.ident) == ("department", "XYZ")
    with pytest.raises(InvalidCommand):
        service_standard("DSD", "weather")


def test_every_category_has_a_known_default_department() -> None:
    for category in NeedCategory:
        assert department(default_department(category)).kind == "government"
    assert default_department("documents") == "DHA"
    assert default_department(NeedCategory.GBV) == "SAPS"


def test_standards_table_lists_only_explicit_standards_for_known_departments() -> None:
    table = standards_table()
    assert all(department(s.department) for s in table)
    assert len({(s.department, s.category) for s in table}) == len(table)
    assert service_standard("DHA", NeedCategory.DOCUMENTS) in table
