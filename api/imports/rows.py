"""Reading a register file (CSV or XLSX) and checking its households with the same pydantic
models and domain checks the JSON API applies; every problem is kept with its row and column.

No HTTP here: the CLI and the upload endpoint both call ``read_register``.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import openpyxl
from pydantic import BaseModel, ValidationError

from api.imports.cells import HOUSEHOLD_PLACES, MEMBER_PLACES, Place, fill, placed, value
from api.imports.models import for_plain_cells, plain_cells
from api.imports.template import COLUMNS, HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, OPTIONAL_COLUMNS
from api.schemas.households import RegisterHousehold
from api.schemas.profile import Profile
from domain.errors import InvalidCommand, NotFoundError
from domain.households.derived_needs import uuid5_text
from domain.imports.application import ImportedHousehold, imported_household_id
from domain.reference.geography import geography

_MEMBER_FIELD = re.compile(r"^members\[(\d+)\]\.(.+)$")


class FileRefused(ValueError):
    """The file as a whole cannot be read as a register (not its rows' values)."""


@dataclass(frozen=True)
class Row:
    number: int  # as a spreadsheet shows it: the header is row 1
    cells: dict[str, str]


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    value: str
    reason: str


@dataclass
class Register:
    """What a file holds: its valid households, and every problem of the others."""

    rows: int = 0
    households: list[ImportedHousehold] = field(default_factory=list)
    invalid_households: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def wards(self) -> set[str]:
        return {h.ward_id for h in self.households}


def problems_csv(problems: list[RowProblem]) -> str:
    """The dry-run report: one line per problem, for a person to fix the file from."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "value", "reason"])
    for p in problems:
        writer.writerow([p.row, p.column, p.value, p.reason])
    return out.getvalue()


# ---- reading ----------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileRefused(f"not a readable XLSX workbook ({exc})") from None
    try:
        for values in book.worksheets[0].iter_rows(values_only=True):
            yield [_cell(v) for v in values]
    finally:
        book.close()


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused("not a CSV file (UTF-8 text) nor an XLSX workbook") from None
    if "\x00" in text:
        raise FileRefused("not a CSV file: it holds NUL characters (a binary file?)")
    try:
        for values in csv.reader(io.StringIO(text, newline="")):
            yield [v.strip() for v in values]
    except csv.Error as exc:
        raise FileRefused(f"not a readable CSV file ({exc})") from None


def read_rows(data: bytes) -> list[Row]:
    """The file's data rows under its header (an XLSX's first sheet, or CSV in UTF-8)."""
    table = _xlsx_rows(data) if data[:4] == b"PK\x03\x04" else _csv_rows(data)
    header = [h.strip().lower() for h in next(table, [])]
    missing = [c for c in COLUMNS if c not in header and c not in OPTIONAL_COLUMNS]
    unknown = [h for h in header if h and h not in COLUMNS]
    if missing or unknown:
        raise FileRefused(
            "wrong columns: "
            + "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unknown {', '.join(unknown)}" if unknown else "",
                )
                if part
            )
            + " (see docs/import/README.md for the template)"
        )
    rows = []
    named = all(header)  # no unnamed column to leave out: each row's dict made in one call
    for number, values in enumerate(table, start=2):
        if not any(values):
            continue
        if named:
            cells = dict(zip(header, values, strict=False))
        else:
            cells = {h: v for h, v in zip(header, values, strict=False) if h}
        rows.append(Row(number, cells))
    return rows


# ---- checking -----------------------------------------------------------------------------------


class _Household:
    """One household's rows being turned into the registration and profile bodies."""

    def __init__(self, key: str, rows: list[Row]) -> None:
        self.key, self.rows = key, rows
        self.problems: list[RowProblem] = []
        self.plain: bool | None = None  # every cell plain text (``plain_cells``), once asked

    def problem(self, row: Row, column: str, reason: str) -> None:
        self.problems.append(RowProblem(row.number, column, row.cells.get(column, ""), reason))

    def fill(self, body: dict[str, Any], row: Row, places: tuple[Place, ...]) -> None:
        for column, reason in fill(body, row.cells, places):
            self.problem(row, column, reason)

    def compare(self) -> None:
        """Report a household cell of a later row that says otherwise than the first's."""
        first = self.rows[0]
        mine = [first.cells.get(column, "") for column in HOUSEHOLD_COLUMNS]
        for row in self.rows[1:]:
            cells = row.cells
            if [cells.get(column, "") for column in HOUSEHOLD_COLUMNS] == mine:
                continue  # (the usual row: the same cells, read once more for nothing)
            for column in HOUSEHOLD_COLUMNS:
                theirs = cells.get(column, "")  # compared as read: "Yes" is "yebo"
                ours = first.cells.get(column, "")
                if theirs and theirs != ours and value(column, theirs) != value(column, ours):
                    self.problem(
                        row, column, f"differs from row {first.number} of the same household"
                    )

    def check(self, today: date) -> ImportedHousehold | None:
        self.compare()
        first = self.rows[0]
        profile: dict[str, Any] = {"members": []}
        self.fill(profile, first, HOUSEHOLD_PLACES)
        ward_id = first.cells.get("ward_id", "")
        register = self._validated(
            self._model(RegisterHousehold),
            {
                "ward_id": ward_id,
                "dwelling_type": placed(profile, "dwelling_type", HOUSEHOLD_PLACES),
                "village": placed(profile, "village", HOUSEHOLD_PLACES),
            },
            {"ward_id": "ward_id", "dwelling_type": "dwelling_type", "village": "village"},
        )
        if register is not None and not self._ward_known(register.ward_id):
            register = None
        household_id = imported_household_id(ward_id, self.key)
        members = profile["members"]
        for index, row in enumerate(self.rows):
            member: dict[str, Any] = {"member_id": uuid5_text(household_id, f"m{index}")}
            self.fill(member, row, MEMBER_PLACES)
            members.append(member)
        checked = self._validated(self._model(Profile), profile, None)
        if checked is None or register is None or self.problems:
            return None
        try:
            # Made, it is checked by the domain (heads, ID numbers, dates), once.
            return ImportedHousehold(
                household_id=household_id,
                ward_id=register.ward_id,
                dwelling_type=register.dwelling_type,
                village=register.village,
                profile=checked.model_dump(mode="json"),
                checked_on=today,
            )
        except InvalidCommand as exc:
            self._domain_problem(exc)
            return None

    def _model(self, model: type[BaseModel]) -> type[BaseModel]:
        """The API's ``model``, or its twin without the per-field text check when every
        cell of the household is plain text (the same answer, a call per household)."""
        if self.plain is None:
            self.plain = plain_cells([value for row in self.rows for value in row.cells.values()])
        return for_plain_cells(model) if self.plain else model

    def _ward_known(self, ward_id: str) -> bool:
        try:
            geography().ward(ward_id)
        except NotFoundError:
            self.problem(self.rows[0], "ward_id", "unknown ward (see GET /v1/geography)")
            return False
        return True

    def _validated(self, model: Any, body: dict[str, Any], columns: dict[str, str] | None) -> Any:
        try:
            return model.model_validate(body)
        except ValidationError as exc:
            seen = {(p.row, p.column) for p in self.problems}
            for error in exc.errors():
                row, column = self._locate(tuple(error["loc"]), columns)
                if (row.number, column) not in seen:  # already said why (not yes/no, ...)
                    self.problem(row, column, error["msg"])
            return None

    def _locate(self, loc: tuple[Any, ...], columns: dict[str, str] | None) -> tuple[Row, str]:
        """The row and column a validation error's location came from."""
        if columns is not None:
            return self.rows[0], columns.get(str(loc[0]), str(loc[0]))
        if len(loc) >= 3 and loc[0] == "members" and isinstance(loc[1], int):
            path = ".".join(str(p) for p in loc[2:] if not isinstance(p, int))
            return self.rows[loc[1]], _column_for(MEMBER_COLUMNS, path)
        path = ".".join(str(p) for p in loc)
        return self.rows[0], _column_for(HOUSEHOLD_COLUMNS, path)

    def _domain_problem(self, exc: InvalidCommand) -> None:
        match = _MEMBER_FIELD.match(exc.field)
        if match and int(match[1]) < len(self.rows):
            row = self.rows[int(match[1])]
            self.problem(row, _column_for(MEMBER_COLUMNS, match[2]), exc.message)
        else:  # about the members together (one head): said of the relation column
            column = "relation" if exc.field == "members" else exc.field
            self.problem(self.rows[0], column, exc.message)


def _column_for(columns: dict[str, str], path: str) -> str:
    """The template column whose body path is ``path`` or holds it (``grants.grant_type``)."""
    for column, target in columns.items():
        if target and (
            path == target or path.startswith(f"{target}.") or target.startswith(f"{path}.")
        ):
            return column
    return path


#: A household's rows under its ``household_key``, in the file's order.
Group = tuple[str, list[Row]]


def group_rows(rows: list[Row]) -> tuple[list[Group], list[RowProblem]]:
    """The rows grouped by household (in order of first appearance), and the problems of
    rows without a household key."""
    grouped: dict[str, list[Row]] = {}
    problems = []
    for row in rows:
        key = row.cells.get("household_key", "")
        if not key:
            problems.append(RowProblem(row.number, "household_key", "", "is required"))
            continue
        grouped.setdefault(key, []).append(row)
    return list(grouped.items()), problems


def check_households(groups: Sequence[Group], today: date) -> Register:
    """Check these households (a whole file's, or a batch of them); ``rows`` counts theirs."""
    register = Register(rows=sum(len(rows) for _, rows in groups))
    for key, household_rows in groups:
        household = _Household(key, household_rows)
        checked = household.check(today)
        register.problems += household.problems
        if checked is None:
            register.invalid_households += 1
        else:
            register.households.append(checked)
    return register


def read_register(data: bytes, today: date) -> Register:
    """Read and check a whole file; raises ``FileRefused`` when it is not a register at all."""
    rows = read_rows(data)
    groups, problems = group_rows(rows)
    register = check_households(groups, today)
    register.rows = len(rows)
    register.problems = sorted([*problems, *register.problems], key=lambda p: (p.row, p.column))
    return register
