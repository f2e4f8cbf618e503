"""Reading a register's rows (no database): grouping, isiZulu values, and where problems point."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from api.imports.rows import FileRefused, read_register

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
