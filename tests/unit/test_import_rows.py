"""Reading a register's rows (no database): grouping, isiZulu values, and where problems point."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from api.imports.rows import FileRefused, read_register
from domain.context import CommandContext
from domain.errors import InvalidCommand
from domain.imports import application as imports_application
from domain.profile import Profile, validate_profile
from domain.sukuma import Sukuma

TEMPLATE = Path(__file__).resolve().parents[2] / "docs" / "import" / "template.csv"
TODAY = date(2026, 12, 6)


def register(*changes: dict[str, str]) -> bytes:
    """The template's household (two rows), each row updated by the change of its index."""
    rows = list(csv.DictReader(io.StringIO(TEMPLATE.read_text())))
    for row, change in zip(rows, changes, strict=False):
        row.update(change)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def test_the_template_is_one_valid_household_of_two_members() -> None:
    checked = read_register(TEMPLATE.read_bytes(), TODAY)

    assert (checked.rows, len(checked.households), checked.problems) == (2, 1, [])
    members = checked.households[0].profile["members"]
    assert [(m["sex"], m["relation"]) for m in members] == [("male", "head"), ("female", "spouse")]
    assert members[0]["grants"] == [{"grant_type": "older_persons", "status": "receiving"}]


def test_a_household_value_that_differs_on_a_later_row_is_reported_there() -> None:
    checked = read_register(register({}, {"rooms": "7"}), TODAY)

    assert checked.households == []
    [problem] = checked.problems
    assert (problem.row, problem.column, problem.value) == (3, "rooms", "7")
    assert problem.reason == "differs from row 2 of the same household"


def test_isizulu_and_english_values_mean_the_same() -> None:
    english = read_register(register({"child_went_hungry": "No", "tenure": "Owned"}), TODAY)
    isizulu = read_register(register({"child_went_hungry": "cha"}, {}), TODAY)

    assert english.households[0].profile == isizulu.households[0].profile


def test_a_file_without_a_header_row_of_the_template_is_refused() -> None:
    with pytest.raises(FileRefused, match="wrong columns: missing household_key"):
        read_register(b"", TODAY)


def test_an_imported_household_is_checked_by_the_domain_once_as_it_is_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``ImportedHousehold`` runs ``validate_profile`` when it is made (a profile with two
    heads cannot be made into one); building it into an aggregate the same day trusts that
    check, another day checks again."""
    household = read_register(TEMPLATE.read_bytes(), TODAY).households[0]
    two_heads = {
        **household.profile,
        "members": [{**m, "relation": "head"} for m in household.profile["members"]],
    }
    with pytest.raises(InvalidCommand):
        replace(household, profile=two_heads)
    checks: list[date] = []

    def counted(profile: Mapping[str, object], as_of: date) -> Profile:
        checks.append(as_of)
        return validate_profile(profile, as_of)

    monkeypatch.setattr(imports_application, "validate_profile", counted)
    app = Sukuma()
    today = datetime(2026, 12, 6, 9, tzinfo=UTC)
    app.build_import([household], CommandContext(actor="t", occurred_at=today))
    assert checks == []
    app.build_import([household], CommandContext(actor="t", occurred_at=today + timedelta(1)))
    assert checks == [TODAY + timedelta(1)]
