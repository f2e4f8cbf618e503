"""The field-capture read model: kept submissions, stored attachments, and what left a scope.

Tables (prefixed ``field_capture_``):
- ``quarantine``: each kept (quarantined) submission's state, in the order it was kept, and
  ``quarantine_places``, a row per ward whose conveners see it (scoped like every list), so
  the quarantine list is one indexed query instead of a scan of the event log;
- ``attachments``: the files each applied submission stored, by household (names only: the
  contents stay sealed in the event, under the household's key); dropped when it is erased;
- ``departures``: each time a household or referral left the place (ward, or a referral's
  department) it was seen in: moved, reassigned, erased. The sync feed tells a phone that kept
  it offline to drop it (``projections.changes``);
- ``households`` and ``referrals``: where each is now, which a departure records (a
  referral's household, whether it is open, and the survivor holding it while its household
  is merged: a merge, a move of the survivor and an unmerge move it, see ``projection``);
- ``access_losses``: each time a user lost a role or a scope, with the user's version before
  it: the sync feed tells that user's phone to drop what it saw then and sees no more.
"""

from __future__ import annotations

from typing import ClassVar

from projections.statements import HOUSEHOLD_PLACE, PLACE, RowKeys, StatementView, Upsert

NAME = "field_capture"
TRACKING = f"{NAME}_tracking"
QUARANTINE = f"{NAME}_quarantine"
QUARANTINE_PLACES = f"{NAME}_quarantine_places"
ATTACHMENTS = f"{NAME}_attachments"
DEPARTURES = f"{NAME}_departures"
ACCESS_LOSSES = f"{NAME}_access_losses"

_PLACE = "ward_id, municipality, district"


# In the order the events came: a page may keep, correct and re-apply one submission.
_STATEMENTS: dict[str, str | Upsert] = {
    "household": HOUSEHOLD_PLACE,
    "referral": Upsert(
        "referrals",
        ("referral_id", *PLACE, "department", "household_id"),
        key=("referral_id",),
        update=(*PLACE, "department"),
    ),
    "referral_ended": "UPDATE {t_referrals} SET open = false WHERE referral_id = %s",
    "referral_moved": "UPDATE {t_referrals} SET ward_id = %s, municipality = %s, district = %s "
    "WHERE referral_id = %s",
    "reassigned": "UPDATE {t_referrals} SET department = %s WHERE referral_id = %s",
    # A household that left a ward: the ward it left (the event names it).
    "household_moved": f"INSERT INTO {{t_departures}} (kind, id, position, {_PLACE}, department, "
    "reason) VALUES ('household', %s, %s, %s, %s, %s, NULL, 'moved') ON CONFLICT DO NOTHING",
    # A referral that left a ward or a department: where it was until now.
    "referral_left": f"INSERT INTO {{t_departures}} (kind, id, position, {_PLACE}, department, "
    f"reason) SELECT 'referral', referral_id, %s, {_PLACE}, department, %s FROM {{t_referrals}} "
    "WHERE referral_id = ANY(%s) ON CONFLICT DO NOTHING",
    # A merge's handover (``Referral.HandedOver``: the merge, a move of the survivor, the
    # unmerge): the ward it goes to, and the survivor holding it (``held_by``: none once it is
    # its own household's again), with a departure from the ward it leaves, if it leaves one
    # (one statement: both parts read the row as it was).
    "handed": f"WITH r AS (SELECT referral_id, {_PLACE}, department FROM {{t_referrals}} "
    "WHERE referral_id = %s), "
    f"d AS (INSERT INTO {{t_departures}} (kind, id, position, {_PLACE}, department, reason) "
    f"SELECT 'referral', referral_id, %s, {_PLACE}, department, %s FROM r "
    "WHERE ward_id <> %s ON CONFLICT DO NOTHING) "
    "UPDATE {t_referrals} SET ward_id = %s, municipality = %s, district = %s, "
    "held_by = NULLIF(%s::uuid, household_id) WHERE referral_id = %s",
    "household_erased": f"INSERT INTO {{t_departures}} (kind, id, position, {_PLACE}, "
    f"department, reason) SELECT 'household', household_id, %s, {_PLACE}, NULL, 'erased' "
    "FROM {t_households} WHERE household_id = %s ON CONFLICT DO NOTHING",
    "attachments_erased": "DELETE FROM {t_attachments} WHERE household_id = %s",
    "access_lost": "INSERT INTO {t_access_losses} (user_id, position, version) "
    "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
    "quarantined": "INSERT INTO {t_quarantine} (quarantine_id, position, version, instance_id, "
    "form_id, submitted_by, household_id, wards, field, reason, status, quarantined_at) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'open', %s) "
    "ON CONFLICT (quarantine_id) DO NOTHING",
    # Each place carries its entry's position and status: a convener's page is read from
    # the place rows of its area in position order (an index range), never the whole list.
    "quarantine_place": f"INSERT INTO {{t_quarantine_places}} (quarantine_id, {_PLACE}, "
    "position, status) VALUES (%s, %s, %s, %s, %s, 'open') ON CONFLICT DO NOTHING",
    "quarantine_place_ended": "UPDATE {t_quarantine_places} SET status = %s "
    "WHERE quarantine_id = %s",
    "quarantine_version": "UPDATE {t_quarantine} SET version = %s WHERE quarantine_id = %s",
    "quarantine_ended": "UPDATE {t_quarantine} SET version = %s, status = %s, "
    "household_id = coalesce(%s, household_id) WHERE quarantine_id = %s",
    "attachments": "INSERT INTO {t_attachments} (attachments_id, household_id, instance_id, "
    "names, stored_at, position) VALUES (%s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (attachments_id) DO NOTHING",
}


# The rows each statement reads or changes (``layered``). A departure or an access loss is a
# row of its event's own (keyed by its position): only what it reads orders it.
_ROW_KEYS: dict[str, RowKeys] = {
    "household": ("households", 0),
    "referral": ("referrals", 0),
    "referral_ended": ("referrals", 0),
    "referral_moved": ("referrals", 3),
    "reassigned": ("referrals", 1),
    "household_moved": ("departures", 1),
    "referral_left": lambda p: [("referrals", r) for r in p[2]],
    "handed": ("referrals", 0),
    "household_erased": ("households", 1),
    # every stored file of a household: its attachments as a whole, and each by its id
    "attachments_erased": ("attachments", 0),
    "attachments": lambda p: [("attachments", p[1]), ("attachments_id", p[0])],
    "access_lost": ("access_losses", 1),
    "quarantined": ("quarantine", 0),
    "quarantine_place": ("quarantine", 0),
    "quarantine_place_ended": ("quarantine", 1),
    "quarantine_version": ("quarantine", 1),
    "quarantine_ended": ("quarantine", 3),
}


class FieldCaptureView(StatementView):
    tables: ClassVar[tuple[str, ...]] = (
        "households",
        "referrals",
        "quarantine",
        "quarantine_places",
        "attachments",
        "departures",
        "access_losses",
    )
    statements = _STATEMENTS
    row_keys = _ROW_KEYS
