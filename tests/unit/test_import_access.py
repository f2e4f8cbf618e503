"""Who may import a register into which wards (no database)."""

from __future__ import annotations

import pytest

from domain.access.decision import Forbidden
from domain.access.principal import Principal, Role
from domain.imports.access import authorise_import


def person(role: Role, *scopes: str) -> Principal:
    return Principal("u", "u", frozenset({role}), frozenset(scopes))


def test_an_administrator_imports_into_the_wards_of_its_area() -> None:
    authorise_import(person(Role.ADMIN, "municipality:ETH"), ["ETH-W001", "ETH-W002"])


def test_a_known_ward_of_another_area_refuses_the_whole_file() -> None:
    with pytest.raises(Forbidden, match="KZN225-W001"):
        authorise_import(person(Role.ADMIN, "municipality:ETH"), ["ETH-W001", "KZN225-W001"])


def test_an_unknown_ward_is_left_to_the_rows_report() -> None:
    authorise_import(person(Role.ADMIN, "municipality:ETH"), ["NOPE-W999"])


def test_only_administrators_import() -> None:
    with pytest.raises(Forbidden, match="administrators only"):
        authorise_import(person(Role.CONVENER, "ward:ETH-W001"), [])
