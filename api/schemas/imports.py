"""The answer to a register import: the file's import record and what the run found."""

from __future__ import annotations

from pydantic import BaseModel

from api.schemas.common import WrittenRead


class RowProblemRead(BaseModel):
    row: int
    column: str
    value: str
    reason: str


class ImportRead(WrittenRead):
    """``id``/``version``: the file's import record (its ETag); the counts of this run."""

    sha256: str
    dry_run: bool
    rows: int
    households: int
    invalid_households: int
    applied: int
    already_present: int
    problems: list[RowProblemRead]
