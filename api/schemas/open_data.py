"""Shapes of the public open-data answers (``/open/v1``) and the data dictionary."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

MonthText = Annotated[
    str,
    StringConstraints(pattern=r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])$"),
    Field(description="A released month, YYYY-MM (GET /open/v1/releases)"),
]


class OpenMeasure(StrEnum):
    HOUSEHOLDS_PROFILED = "households_profiled"
    NEEDS = "needs"
    REFERRALS_MADE = "referrals_made"
    REFERRALS_DELIVERED = "referrals_delivered"
    RATINGS = "ratings"
    NOT_RECEIVED = "not_received"
    MEETINGS = "meetings"


class OpenLevel(StrEnum):
    PROVINCE = "province"
    DISTRICT = "district"
    MUNICIPALITY = "municipality"
    WARD = "ward"


class OpenFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


class ReleaseRead(BaseModel):
    month: str
    k: int = Field(description="Cells counting fewer households than this are suppressed")
    built_at: datetime
    etag: str
    tables: dict[str, str] = Field(description="Each measure's URL in this release")


class ReleaseList(BaseModel):
    data: list[ReleaseRead]
    dictionary: str


class CellRead(BaseModel):
    level: OpenLevel
    code: str
    name: str
    dim: str = Field(description="The need category or department; empty when none")
    value: int | None = Field(description="The count; null when suppressed")
    suppressed: bool
    median_days: int | None = None
    standard_days: int | None = None
    median_rating: int | None = None


class TableRead(BaseModel):
    month: str
    measure: OpenMeasure
    k: int
    rows: list[CellRead]


class ColumnDoc(BaseModel):
    name: str
    meaning: str


class MeasureDoc(BaseModel):
    name: OpenMeasure
    meaning: str
    dim: str
    suppressed: bool


class DictionaryRead(BaseModel):
    about: str
    measures: list[MeasureDoc]
    columns: list[ColumnDoc]
    disclosure_control: list[str]


def month_start(text: str) -> date:
    year, month = text.split("-")
    return date(int(year), int(month), 1)
