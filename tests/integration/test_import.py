"""Bulk import of a household register (issue 20), against a real PostgreSQL: the dry-run
report, a real run, a re-run, an interrupted run resumed, and the upload endpoint's access."""

from __future__ import annotations

import csv
import gc
import io
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import openpyxl
import pytest
from eventsourcing.utils import get_topic
from typer.testing import CliRunner

from adapters.event_store import SukumaRecorder
from adapters.matching import batches as matching_batches
from adapters.matching.cards import Carded, CardKeys
from api.imports.batches import ImportWorkers
from api.imports.rows import check_households, group_rows, read_rows
from api.imports.run import BATCH_HOUSEHOLDS, import_register
from domain.access.principal import Role
from domain.context import CommandContext
from domain.duplicates.model import DuplicateCandidate
from domain.households.model import Household
from domain.imports.application import import_id, imported_household_id
from domain.imports.model import RegisterImport
from domain.sukuma import Sukuma
from sukuma.cli import cli
from sukuma.settings import Settings
from sukuma.wiring import build_import_worker
from tests.conftest import TEST_MASTER_KEY, TEST_SECRET_KEY
from tests.integration.conftest import ClientAs

pytestmark = pytest.mark.integration

DOCS = Path(__file__).resolve().parents[2] / "docs" / "import"
SAMPLE = (DOCS / "sample_register.csv").read_bytes()
#: What the dry run of the shipped sample must report, row by row (a person fixes these).
SAMPLE_PROBLEMS = [
    ["10", "sex", "unknown", "Input should be 'female' or 'male'"],
    [
        "11",
        "date_of_birth",
        "1992-13-01",
        "Input should be a valid date or datetime, month value is outside expected range of 1-12",
    ],
    ["12", "relation", "child", "exactly one member must have relation 'head', found 0"],
    ["14", "consent_given", "maybe", "must be yes or no (yebo or cha)"],
    ["14", "ward_id", "KZN225-W999", "unknown ward (see GET /v1/geography)"],
    ["15", "days_skipped_meal_last_7", "9", "Input should be less than or equal to 7"],
    ["15", "rooms", "many", "must be a whole number"],
]
VALID_KEYS = ("MPO-001", "MPO-002", "MPO-017")  # MPO-017: the deliberate duplicate of MPO-001


def ctx(actor: str = "importer") -> CommandContext:
    return CommandContext(actor=actor, occurred_at=datetime.now(UTC))


def register_of(households: int) -> bytes:
    """A valid register of ``households`` households, from the template's example rows."""
    template = list(csv.DictReader(io.StringIO((DOCS / "template.csv").read_text())))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(template[0]))
    writer.writeheader()
    for n in range(households):
        writer.writerows({**row, "household_key": f"BIG-{n:05}"} for row in template)
    return out.getvalue().encode()


def household_events(application: Sukuma, key: str, ward: str = "KZN225-W001") -> list[str]:
    events = application.repository.event_store.get(imported_household_id(ward, key))
    return [type(e).__qualname__ for e in events]


@pytest.fixture
def workers(settings: Settings) -> Iterator[ImportWorkers]:
    """Two worker processes over the test's database, as the CLI makes them (here from a
    forkserver: this process has threads)."""
    assert settings.database_url is not None
    with ImportWorkers(partial(build_import_worker, settings, settings.database_url), 2) as made:
        yield made


def use_test_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("SUKUMA_DATABASE_URL", url)
    monkeypatch.setenv("SUKUMA_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("SUKUMA_MASTER_KEY", TEST_MASTER_KEY)


def test_dry_run_reports_every_problem_as_csv_and_writes_nothing(
    fresh_db_url: str, application: Sukuma, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_test_database(monkeypatch, fresh_db_url)
    before = application.recorder.max_notification_id()
    report = tmp_path / "problems.csv"

    result = CliRunner().invoke(
        cli,
        ["import", "households", str(DOCS / "sample_register.csv"), "--dry-run",
         "--report", str(report)],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    rows = list(csv.reader(report.open()))
    assert rows[0] == ["row", "column", "value", "reason"]
    assert rows[1:] == SAMPLE_PROBLEMS
    assert "households 3" in result.output and "invalid_households 4" in result.output
    assert application.recorder.max_notification_id() == before


def test_xlsx_register_reports_the_same_problems_as_csv(application: Sukuma) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in csv.reader(io.StringIO(SAMPLE.decode())):
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)

    report, _ = import_register(application, data.getvalue(), "r.xlsx", ctx(), dry_run=True)

    assert [[str(p.row), p.column, p.value, p.reason] for p in report.problems] == SAMPLE_PROBLEMS
    assert report.households == 3


def test_real_run_applies_valid_households_and_records_who_imported_the_file(
    fresh_db_url: str, application: Sukuma, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_test_database(monkeypatch, fresh_db_url)
    frozen_before = gc.get_freeze_count()

    result = CliRunner().invoke(
        cli, ["import", "households", str(DOCS / "sample_register.csv"), "--actor", "thandi"]
    )

    assert result.exit_code == 0, result.output
    # The import froze its process's heap while it ran, and gave it back: a caller living on
    # is not left with objects the collector never frees.
    assert gc.get_freeze_count() <= frozen_before
    for key in VALID_KEYS:
        household = application.get(Household, imported_household_id("KZN225-W001", key))
        assert household.profile is not None and household.risk is not None
        assert household.registered_at is not None
    zanele = application.get(Household, imported_household_id("KZN225-W001", "MPO-001"))
    assert [m["first_name"] for m in zanele.profile["members"]] == ["Zanele", "Sipho", "Lindiwe"]
    thabo = application.get(Household, imported_household_id("KZN225-W001", "MPO-002"))
    assert thabo.profile is not None
    assert [(m["sex"], m["relation"]) for m in thabo.profile["members"]] == [
        ("male", "head"),  # from isiZulu: owesilisa, inhloko
        ("female", "spouse"),  # owesifazane, umlingani
    ]
    # The invalid households were not written at all.
    assert household_events(application, "MPO-003") == []
    record = application.get(RegisterImport, import_id(_sha(SAMPLE)))
    assert record.runs == [
        {
            "actor": "thandi",
            "filename": "sample_register.csv",
            "counts": {
                "rows": 14, "households": 3, "invalid_households": 4, "applied": 3,
                "already_present": 0, "problems": 7,
            },
        }
    ]  # fmt: skip


def test_rerun_appends_nothing(application: Sukuma) -> None:
    import_register(application, SAMPLE, "sample_register.csv", ctx())
    head = application.recorder.max_notification_id()

    report, written = import_register(application, SAMPLE, "sample_register.csv", ctx("other"))

    assert application.recorder.max_notification_id() == head
    assert (report.applied, report.already_present) == (0, 3)
    assert written.position is None


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("in_workers", [False, True], ids=["one-process", "worker-processes"])
def test_interrupted_run_resumes_and_writes_each_household_once(
    application: Sukuma, request: pytest.FixtureRequest, in_workers: bool
) -> None:
    total = 2 * BATCH_HOUSEHOLDS + 5
    data = register_of(total)
    done: list[int] = []
    workers = request.getfixturevalue("workers") if in_workers else None

    def stop_after_two_batches(households: int, total: int) -> None:
        done.append(households)
        if households >= 2 * BATCH_HOUSEHOLDS:
            raise Interrupted

    with pytest.raises(Interrupted):
        import_register(
            application, data, "big.csv", ctx(), on_progress=stop_after_two_batches, workers=workers
        )
    assert done == [BATCH_HOUSEHOLDS, 2 * BATCH_HOUSEHOLDS]
    written_first = sum(1 for n in range(total) if household_events(application, f"BIG-{n:05}"))

    report, _ = import_register(application, data, "big.csv", ctx(), workers=workers)

    assert written_first == 2 * BATCH_HOUSEHOLDS
    assert (report.applied, report.already_present) == (5, 2 * BATCH_HOUSEHOLDS)
    for n in range(total):
        events = household_events(application, f"BIG-{n:05}")
        assert events.count("Household.Registered") == 1
        assert events.count("Household.ProfileSubmitted") == 1
    record = application.get(RegisterImport, import_id(_sha(data)))
    assert [run["counts"]["applied"] for run in record.runs] == [5]


def test_a_resumed_run_looks_up_what_is_there_instead_of_failing_inserts(
    application: Sukuma,
) -> None:
    """A batch first asks the log which of its households it holds (one query): a resumed
    run writes the missing ones without an insert that fails on those present (a failed
    insert would use up notification ids: a gap in the log's positions)."""
    data = register_of(BATCH_HOUSEHOLDS + 5)
    first = data.decode().splitlines(keepends=True)
    # An earlier run of a file holding every other household of this one.
    earlier = "".join(first[:1] + [r for r in first[1:] if int(r[4:9]) % 2 == 0]).encode()
    import_register(application, earlier, "earlier.csv", ctx())
    head = application.recorder.max_notification_id() or 0

    report, _ = import_register(application, data, "big.csv", ctx())

    written = sum(
        len(household_events(application, f"BIG-{n:05}"))
        for n in range(BATCH_HOUSEHOLDS + 5)
        if n % 2 == 1
    )
    record = list(application.repository.event_store.get(import_id(_sha(data))))
    # (the register repeats one household: the matcher proposes pairs of them)
    topic = get_topic(DuplicateCandidate.Proposed)
    proposed = len(application.recorder.select_notifications(head + 1, 10_000, topics=[topic]))
    assert (report.applied, report.already_present) == (42, 43)
    assert proposed > 0
    # The new households' events, their pairs and the run's record, at consecutive positions.
    assert application.recorder.max_notification_id() == head + written + proposed + len(record)


def test_worker_processes_save_the_batches_in_file_order_with_their_duplicates(
    application: Sukuma, workers: ImportWorkers
) -> None:
    """Batches checked, built and sealed in worker processes (the CLI's way) are saved by the
    importing process in the file's order, each with its duplicate candidates (against the
    batches before it), and the log has no gap; the dry run reports the same problems."""
    total = 3 * BATCH_HOUSEHOLDS + 5
    head = application.recorder.max_notification_id() or 0

    report, written = import_register(
        application, register_of(total), "big.csv", ctx(), workers=workers
    )
    dry, _ = import_register(application, SAMPLE, "s.csv", ctx(), dry_run=True, workers=workers)

    assert (report.applied, report.already_present, report.households) == (total, 0, total)
    registered = [
        application.recorder.select_events(imported_household_id("KZN225-W001", f"BIG-{n:05}"))
        for n in range(total)
    ]
    assert all(len(events) >= 3 for events in registered)  # registered, profiled, risk (+ needs)
    # Every household of a batch before every one of the next (one append per batch, in order).
    ids = application.recorder.select_notifications(head + 1, 10_000)
    order: dict[object, int] = {}
    for notification in ids:
        order.setdefault(notification.originator_id, notification.id)
    positions = [order[imported_household_id("KZN225-W001", f"BIG-{n:05}")] for n in range(total)]
    assert positions == sorted(positions)
    # The register repeats one household: the last batch's households are proposed against
    # the earlier batches' (indexed when they were saved, before it).
    topic = get_topic(DuplicateCandidate.Proposed)
    proposed = application.recorder.select_notifications(head + 1, 10_000, topics=[topic])
    last_batch = {
        imported_household_id("KZN225-W001", f"BIG-{n:05}")
        for n in range(3 * BATCH_HOUSEHOLDS, total)
    }
    pairs = [
        {
            UUID(h)
            for h in application.get(DuplicateCandidate, UUID(str(p.originator_id))).household_ids
        }
        for p in proposed
    ]
    assert any(len(pair & last_batch) == 1 for pair in pairs)
    assert [n.id for n in ids] == list(range(head + 1, head + 1 + len(ids)))
    assert written.position == ids[-1].id  # the run's record, last
    household = application.get(Household, imported_household_id("KZN225-W001", "BIG-00000"))
    assert household.profile is not None and household.profile["members"][0]["first_name"]
    assert [[str(p.row), p.column, p.value, p.reason] for p in dry.problems] == SAMPLE_PROBLEMS
    assert (dry.households, dry.invalid_households) == (3, 4)


def test_the_matcher_index_follows_each_batch_without_reading_it_back(
    application: Sukuma, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An index that had followed the log up to a batch's append moves past it with the
    batch's cards: after the run it stands at the last batch, every household indexed, no
    profile was read back from the log (before, each batch's catch-up read 100 notifications
    of it, and the index ended several batches behind), and its position was never asked
    apart (the index's write, in the append's transaction, moves it only from where the
    append began: imp16b; before, it was asked once, before the first batch)."""
    total = 2 * BATCH_HOUSEHOLDS + 5
    index: Any = application.duplicate_index
    recorder = application.recorder
    reads: list[int] = []
    select = recorder.select_notifications

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(1)
        return select(*args, **kwargs)

    monkeypatch.setattr(recorder, "select_notifications", counted)
    assert index.position(application.name) == (recorder.max_notification_id() or 0)
    asked: list[str] = []
    position = index.position
    monkeypatch.setattr(index, "position", lambda name: asked.append(name) or position(name))

    data = register_of(total)
    import_register(application, data, "big.csv", ctx())

    assert reads == []
    assert asked == []
    ids = [imported_household_id("KZN225-W001", f"BIG-{n:05}") for n in range(total)]
    record = recorder.select_events(import_id(_sha(data)))  # the run's record, after them
    assert index.position(application.name) == (recorder.max_notification_id() or 0) - len(record)
    assert index.stale(dict.fromkeys(ids, 2)) == set()  # every card as new as its profile


def test_a_batch_is_one_transaction_with_its_data_keys_in_one_more(application: Sukuma) -> None:
    """Each batch's events commit together, and its households' keys in one insert before:
    two transactions per batch, not one per household's key (as each transaction has its own
    id, the rows' ``xmin`` counts them)."""
    total = BATCH_HOUSEHOLDS + 7
    report, _ = import_register(application, register_of(total), "big.csv", ctx())
    assert report.applied == total
    ids = [imported_household_id("KZN225-W001", f"BIG-{n:05}") for n in range(total)]
    recorder = application.recorder
    assert isinstance(recorder, SukumaRecorder)
    with recorder.datastore.transaction(commit=False) as curs:
        curs.execute(
            f"SELECT count(DISTINCT xmin::text) AS n FROM {recorder.events_table_name}"
            " WHERE originator_id = ANY(%s)",
            (ids,),
        )
        event_transactions = curs.fetchone()
        curs.execute(
            f"SELECT count(DISTINCT xmin::text) AS n, count(*) AS keys"
            f" FROM {recorder.data_keys_table_name} WHERE aggregate_id = ANY(%s)",
            (ids,),
        )
        key_transactions = curs.fetchone()
    assert event_transactions is not None and event_transactions["n"] == 2
    assert key_transactions is not None and (key_transactions["n"], key_transactions["keys"]) == (
        2,
        total,
    )
    household = application.get(Household, ids[-1])  # sealed under the bulk-made key, opened
    assert household.profile is not None and household.profile["members"][0]["first_name"]


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


UPLOAD = "/v1/imports/households"


def upload(data: bytes, name: str = "register.csv") -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, data, "text/csv")}


async def test_an_admin_imports_into_its_own_area_only(
    client_as: ClientAs, application: Sukuma
) -> None:
    admin = await client_as(Role.ADMIN, "municipality:KZN225")
    elsewhere = await client_as(Role.ADMIN, "municipality:KZN252")
    convener = await client_as(Role.CONVENER, "municipality:KZN225")
    head = application.recorder.max_notification_id()

    refused_elsewhere = await elsewhere.post(UPLOAD, files=upload(SAMPLE))
    refused_convener = await convener.post(UPLOAD, files=upload(SAMPLE))
    dry = await admin.post(UPLOAD, files=upload(SAMPLE), params={"dry_run": "true"})
    assert application.recorder.max_notification_id() == head
    real = await admin.post(UPLOAD, files=upload(SAMPLE))
    again = await admin.post(UPLOAD, files=upload(SAMPLE))

    assert refused_elsewhere.status_code == 403
    assert "KZN225-W001" in refused_elsewhere.json()["detail"]
    assert refused_convener.status_code == 403
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert (body["dry_run"], body["households"], body["applied"], body["version"]) == (
        True, 3, 0, 0,
    )  # fmt: skip
    assert [[str(p["row"]), p["column"], p["value"], p["reason"]] for p in body["problems"]] == (
        SAMPLE_PROBLEMS
    )
    assert real.status_code == 200, real.text
    assert (real.json()["applied"], real.json()["id"]) == (3, str(import_id(_sha(SAMPLE))))
    assert real.headers["ETag"] == '"2"'  # created, then this run recorded
    assert (again.json()["applied"], again.json()["already_present"]) == (0, 3)
    record = application.get(RegisterImport, import_id(_sha(SAMPLE)))
    assert [run["actor"] for run in record.runs] == ["admin-1"]


async def test_bad_files_are_refused_with_a_clear_reason(
    client_as: ClientAs, application: Sukuma
) -> None:
    admin = await client_as(Role.ADMIN, "province:KZN")
    head = application.recorder.max_notification_id()
    wrong_columns = b"household,ward\nA,KZN225-W001\n"
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    fake_xlsx = b"PK\x03\x04 not really a workbook"
    too_big = b"household_key," + b"x" * (2 * 1024 * 1024)

    answers: dict[str, httpx.Response] = {
        "columns": await admin.post(UPLOAD, files=upload(wrong_columns)),
        "png": await admin.post(UPLOAD, files=upload(png, "photo.png")),
        "xlsx": await admin.post(UPLOAD, files=upload(fake_xlsx, "r.xlsx")),
        "big": await admin.post(UPLOAD, files=upload(too_big)),
    }

    assert answers["columns"].status_code == 400
    detail = answers["columns"].json()["detail"]
    assert detail.startswith("wrong columns: missing household_key, ward_id, dwelling_type")
    assert "unknown household, ward" in detail
    assert answers["png"].status_code == 400
    assert "not a CSV file" in answers["png"].json()["detail"]
    assert answers["xlsx"].status_code == 400
    assert "not a readable XLSX workbook" in answers["xlsx"].json()["detail"]
    assert answers["big"].status_code == 413
    assert application.recorder.max_notification_id() == head


def test_cli_refuses_a_file_that_is_not_a_register(
    fresh_db_url: str, application: Sukuma, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_test_database(monkeypatch, fresh_db_url)
    bad = tmp_path / "notes.csv"
    bad.write_text("name,age\nZanele,40\n")

    result = CliRunner().invoke(cli, ["import", "households", str(bad)])

    assert result.exit_code == 1
    assert "notes.csv refused" in result.output and "missing household_key" in result.output


async def test_a_retried_upload_with_its_idempotency_key_gets_the_first_answer(
    client_as: ClientAs, application: Sukuma
) -> None:
    admin = await client_as(Role.ADMIN, "district:DC22")
    key = {"Idempotency-Key": "register-2026-12-06"}

    first = await admin.post(UPLOAD, files=upload(SAMPLE), headers=key)
    head = application.recorder.max_notification_id()
    retried = await admin.post(UPLOAD, files=upload(SAMPLE), headers=key)
    other_file = await admin.post(UPLOAD, files=upload(register_of(1)), headers=key)

    assert first.status_code == retried.status_code == 200, first.text
    assert retried.json() == first.json()  # applied 3, as the first said (not "0, 3 present")
    assert first.json()["applied"] == 3
    assert application.recorder.max_notification_id() == head
    assert other_file.status_code == 422  # the key was used for another request


def test_the_writer_matches_and_indexes_the_cards_made_where_the_batch_was_sealed(
    application: Sukuma, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sealed batch carries each household's card, blocking keys and sealed card (made
    where it was built: a worker process), not its profile: the writer makes no card."""
    data = register_of(BATCH_HOUSEHOLDS)  # the template's household again and again
    groups = group_rows(read_rows(data))[0]
    checked = check_households(groups, ctx().occurred_at.date())
    sealed = application.seal_import(application.build_import(checked.households, ctx()))
    assert all(e.profile is None and isinstance(e.card, Carded) for e in sealed.entries)
    head = application.recorder.max_notification_id() or 0

    def no_card(*args: object) -> None:
        raise AssertionError("the writer made a card")

    monkeypatch.setattr(matching_batches, "card_of", no_card)
    monkeypatch.setattr(CardKeys, "carded", no_card)
    written = application.save_sealed(sealed, ctx())

    assert len(written) == BATCH_HOUSEHOLDS
    index: Any = application.duplicate_index
    assert index.stale(dict.fromkeys(written, 2)) == set()  # every card indexed
    topic = get_topic(DuplicateCandidate.Proposed)
    assert application.recorder.select_notifications(head + 1, 10_000, topics=[topic])


def test_import_workers_fork_only_from_a_process_without_threads(tmp_path: Path) -> None:
    """Started first (the CLI, the bench), the workers are forked; started beside a pool's
    threads, from a forkserver (a fork would copy locks those threads hold)."""
    script = (
        "import threading\n"
        "from api.imports.batches import ImportWorkers\n"
        "with ImportWorkers(object, 1) as first:\n"
        "    print(first.start_method)\n"
        "threading.Thread(target=threading.Event().wait, daemon=True).start()\n"
        "with ImportWorkers(object, 1) as second:\n"
        "    print(second.start_method)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["fork", "forkserver"]


def test_a_batch_that_meets_households_written_meanwhile_is_written_without_them(
    application: Sukuma,
) -> None:
    """Two runs of one file at once: a batch sealed before another run wrote some of its
    households appends the rest, each household's events once."""
    groups = group_rows(read_rows(register_of(10)))[0]
    checked = check_households(groups, ctx().occurred_at.date()).households
    sealed = application.seal_import(application.build_import(checked, ctx()))
    meanwhile = application.save_import(application.build_import(checked[3:5], ctx()), ctx())

    written = application.save_sealed(sealed, ctx())

    assert len(meanwhile) == 2 and set(written) == {h.household_id for h in checked} - set(
        meanwhile
    )
    for n in range(10):
        assert household_events(application, f"BIG-{n:05}").count("Household.Registered") == 1
