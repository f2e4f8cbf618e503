"""Reading a register's rows (no database): grouping, isiZulu values, and where problems point."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from api.imports import cells as import_cells
from api.imports.cells import TEXT_COLUMNS
from api.imports.models import for_plain_cells
from api.imports.rows import (
    FileRefused,
    Row,
    check_households,
    group_rows,
    read_register,
    read_rows,
)
from api.schemas import common
from api.schemas.households import RegisterHousehold
from api.schemas.profile import Profile as ApiProfile
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


def test_personal_cells_are_not_kept_in_the_closed_values_cache() -> None:
    """Names, ID numbers and phones go through as given and are never remembered by the
    process (the upload endpoint's lives on after the import); closed cells are."""
    closed = import_cells.closed_value
    closed.cache_clear()
    for column in TEXT_COLUMNS:
        assert import_cells.value(column, "Thabo 5811055831080") == ("Thabo 5811055831080", None)
    # A date of birth is read as a closed value is (its words in lower case), not cached.
    assert import_cells.value("date_of_birth", " 1958-11-05 ") == ("1958-11-05", None)
    assert closed.cache_info().currsize == 0
    assert import_cells.value("child_went_hungry", "yebo") == (True, None)
    assert closed.cache_info().currsize == 1


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


def test_a_row_reads_the_same_under_a_header_with_or_without_an_unnamed_column() -> None:
    text = TEMPLATE.read_text()
    header, *lines = text.splitlines()
    # An unnamed last column (a spreadsheet's stray cells), and a row cut short.
    padded = "\n".join(
        [f"{header},", *(f"{line},stray" for line in lines), lines[0].rsplit(",", 3)[0]]
    )
    plain, with_stray = read_rows(text.encode()), read_rows(padded.encode())
    assert [r.cells for r in with_stray[: len(plain)]] == [r.cells for r in plain]
    assert "" not in with_stray[-1].cells
    assert with_stray[-1].cells == dict(list(plain[0].cells.items())[:-3])


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


def test_a_register_of_plain_text_is_checked_without_a_text_check_per_field(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cells are checked once per household; the API's per-field check (about 100 calls
    a household of two) is not run again for text already known to be plain."""
    calls: list[object] = []
    plain_text = common.plain_text

    def counted(value: object) -> object:
        calls.append(value)
        return plain_text(value)

    monkeypatch.setattr(common, "plain_text", counted)
    checked = read_register(TEMPLATE.read_bytes(), TODAY)

    assert (len(checked.households), checked.problems) == (1, [])
    assert calls == []  # not the registration's 9 fields and the profile's ~100


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("first_name", "Tha\x00ndi", "Value error, must not contain a NUL character (U+0000)"),
        (
            "surname",
            "Dla\ud800",
            "Input should be a valid string, unable to parse raw data as a unicode string",
        ),
    ],
)
def test_a_cell_that_is_not_plain_text_is_refused_as_the_api_refuses_it(
    column: str, value: str, reason: str
) -> None:
    """A CSV cannot hold these (its NULs refuse the file, UTF-8 has no lone surrogate), a
    workbook's text might: such a household is checked by the API's own model."""
    [(key, [head, spouse])] = group_rows(read_rows(TEMPLATE.read_bytes()))[0]
    spoiled = Row(head.number, {**head.cells, column: value})

    checked = check_households([(key, [spoiled, spouse])], TODAY)

    assert checked.households == []
    assert [(p.row, p.column, p.reason) for p in checked.problems] == [(2, column, reason)]


def _answer(model: type[BaseModel], body: dict[str, Any]) -> object:
    try:
        return model.model_validate(body).model_dump(mode="json")
    except ValidationError as exc:
        return [(e["type"], e["loc"], e["msg"]) for e in exc.errors()]


def test_the_profile_for_plain_cells_answers_as_the_api_profile() -> None:
    """Same fields, bounds, defaults and refusals as ``api.schemas.profile.Profile``."""
    profile = dict(read_register(TEMPLATE.read_bytes(), TODAY).households[0].profile)
    head, spouse = profile["members"]
    bodies: list[dict[str, Any]] = [
        profile,
        {**profile, "members": []},
        {**profile, "unknown": 1},
        {**profile, "dwelling": {**profile["dwelling"], "rooms": 51, "gps": {"lat": 0, "lon": 0}}},
        {**profile, "food_security": {"days_skipped_meal_last_7": "x"}},
        {**profile, "members": [{**head, "sex": "other", "first_name": " "}, spouse]},
        {**profile, "members": [{**head, "grants": [{"grant_type": "srd"}]}, {"x": 1}]},
        {**profile, "members": [{**head, "date_of_birth": "1980-02-30", "phone": "12"}]},
        {k: v for k, v in profile.items() if k not in ("consent", "social_ills")},
    ]

    for body in bodies:
        assert _answer(for_plain_cells(ApiProfile), body) == _answer(ApiProfile, body), body


def test_the_registration_for_plain_cells_answers_as_the_api_registration() -> None:
    bodies: list[dict[str, Any]] = [
        {"ward_id": "KZN225-W001", "dwelling_type": "formal", "village": "Mpophomeni"},
        {"ward_id": "KZN225-W001", "dwelling_type": "formal", "village": " "},
        {"ward_id": "W1", "dwelling_type": "hut", "gps": {"lat": 1, "lon": 30}, "x": 1},
        {"dwelling_type": None, "village": "v" * 201, "occurred_at": "2026-12-06T10:00:00"},
    ]

    for body in bodies:
        twin = for_plain_cells(RegisterHousehold)
        assert _answer(twin, body) == _answer(RegisterHousehold, body), body
