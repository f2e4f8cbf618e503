"""The migration that lets field capture follow a merged duplicate's referrals fills each
referral's household, openness and holder in place from the nerve centre's rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import psycopg

from adapters.migrations import migrations

_NERVE_CENTRE = (
    "INSERT INTO nerve_centre_referrals (referral_id, household_id, need_id, category, "
    "severity, ward_id, municipality, district, department, status, escalation_level, "
    "made_at, ack_by, deliver_by, standard_version, position, merged_from) "
    "VALUES (%s, %s, 'n', 'water', 'high', %s, 'KZN225', 'DC22', 'MUNI', %s, 0, %s, %s, %s, "
    "'v1', 1, %s)"
)


def test_each_referral_gets_its_household_and_a_merged_ones_holder_from_the_nerve_centre(
    fresh_db_url: str,
) -> None:
    [migration] = [m for m in migrations() if m.name == "merge5_referrals_follow_survivor"]
    duplicate, survivor, other = uuid4(), uuid4(), uuid4()
    handed, closed, plain = uuid4(), uuid4(), uuid4()
    when, day = datetime(2026, 11, 2, tzinfo=UTC), date(2026, 11, 9)
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        # Given field capture's referrals as before the migration, all in their own ward, and
        # the nerve centre's: one of a merged duplicate handed to its survivor's ward, one of
        # it closed (left in its ward), one of another household
        conn.execute(
            "ALTER TABLE field_capture_referrals DROP COLUMN household_id, DROP COLUMN open, "
            "DROP COLUMN held_by"
        )
        for referral_id, ward in ((handed, "W2"), (closed, "W2"), (plain, "W3")):
            conn.execute(
                "INSERT INTO field_capture_referrals VALUES (%s, %s, 'KZN225', 'DC22', 'MUNI')",
                (referral_id, ward),
            )
        for row in (
            (handed, survivor, "W1", "acknowledged", duplicate),
            (closed, survivor, "W2", "closed", duplicate),
            (plain, other, "W3", "made", None),
        ):
            referral_id, household_id, ward, status, merged_from = row
            conn.execute(
                _NERVE_CENTRE,
                (referral_id, household_id, ward, status, when, day, day, merged_from),
            )
        # When the migration runs
        conn.execute(migration.sql.encode())
        rows = conn.execute(
            "SELECT referral_id, ward_id, household_id, open, held_by FROM field_capture_referrals"
        ).fetchall()
    # Then each names its own household, the closed one is not open, and the handed one is in
    # the survivor's ward, held by it (a move of the survivor or the unmerge moves it)
    found: dict[UUID, tuple[object, ...]] = {r[0]: r[1:] for r in rows}
    assert found == {
        handed: ("W1", duplicate, True, survivor),
        closed: ("W2", duplicate, False, None),
        plain: ("W3", other, True, None),
    }
