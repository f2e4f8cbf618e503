"""How an import's events are stored (migration 0039): each profile in its event's row."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.event_store import SukumaRecorder
from api.imports.run import import_register
from domain.context import CommandContext
from domain.imports.application import imported_household_id
from domain.sukuma import Sukuma

pytestmark = pytest.mark.integration

TEMPLATE = Path(__file__).resolve().parents[2] / "docs" / "import" / "template.csv"


def _register(households: int) -> bytes:
    rows = list(csv.DictReader(io.StringIO(TEMPLATE.read_text())))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for n in range(households):
        writer.writerows({**row, "household_key": f"ROW-{n:03}"} for row in rows)
    return out.getvalue().encode()


def test_an_imported_profile_stays_in_its_events_row_not_in_the_toast_table(
    application: Sukuma,
) -> None:
    recorder = application.recorder
    assert isinstance(recorder, SukumaRecorder)
    table = recorder.events_table_name

    def toast_rows() -> int:
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(
                "SELECT reltoastrelid::regclass::text AS toast FROM pg_class"
                " WHERE oid = %s::regclass",
                (table,),
            )
            row = curs.fetchone()
            assert row is not None
            curs.execute(f"SELECT count(*) AS n FROM {row['toast']}")
            counted = curs.fetchone()
            assert counted is not None
            return int(counted["n"])

    before = toast_rows()
    # When a register's households are imported (each profile sealed past the ~2 KB at
    # which PostgreSQL would compress it and move it out of line by default)
    ctx = CommandContext(actor="importer", occurred_at=datetime.now(UTC))
    report, _ = import_register(application, _register(3), "r.csv", ctx)
    assert report.applied == 3
    ids = [imported_household_id("KZN225-W001", f"ROW-{n:03}") for n in range(3)]
    with recorder.datastore.transaction(commit=False) as curs:
        curs.execute(
            f"SELECT max(octet_length(state)) AS stored, max(pg_column_size(state)) AS kept"
            f" FROM {table} WHERE originator_id = ANY(%s)",
            (ids,),
        )
        sizes = curs.fetchone()
    # Then the largest state is kept whole in its row, as it is (no compression attempt)
    assert sizes is not None and sizes["stored"] > 2100
    assert sizes["kept"] >= sizes["stored"]
    assert toast_rows() == before
