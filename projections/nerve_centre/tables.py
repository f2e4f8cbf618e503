"""The nerve-centre view's table names, row columns and roll-up keys.

Every query outside the view imports the names from here; the view derives the same names
from its projection's name and the suffixes of ``NerveCentreView.tables``.
"""

from __future__ import annotations

from projections.nerve_centre.history import (
    HISTORIES,
    HISTORY_SUFFIX,
    LATE_SUFFIX,
    SNAPSHOT_SUFFIX,
)
from projections.nerve_centre.late_months import LATE_MONTHS_SUFFIX
from projections.nerve_centre.occurred import OCCURRED_SUFFIX

# The live tables' names, for every query outside this module (the view derives the same names
# from its projection's name and the suffixes of ``NerveCentreView.tables``).
NAME = "nerve_centre"
TRACKING = f"{NAME}_tracking"
HOUSEHOLDS = f"{NAME}_households"
REFERRALS = f"{NAME}_referrals"
HOUSEHOLDS_VERSIONS = f"{NAME}_households_versions"
CASE_DAYS = f"{NAME}_case_days"
REFERRALS_VERSIONS = f"{NAME}_referrals_versions"
AREA_COUNTS = f"{NAME}_area_counts"
AREA_DAILY = f"{NAME}_area_daily"
OPEN_DUE = f"{NAME}_open_due"
OPEN_MADE = f"{NAME}_open_made"
WARD_NEEDS = f"{NAME}_ward_needs"
DEPARTMENT_AREA = f"{NAME}_department_area"
DEPARTMENT_DUE = f"{NAME}_department_due"
FIELD_WORKERS = f"{NAME}_field_workers"
FW_HOUSEHOLDS = f"{NAME}_fw_households"
AREA_DAILY_RECORDED = f"{NAME}_area_daily_recorded"
WARD_WEEKS = f"{NAME}_ward_weeks"
AREA_COUNTS_SNAPSHOTS = AREA_COUNTS + SNAPSHOT_SUFFIX
OPEN_DUE_SNAPSHOTS = OPEN_DUE + SNAPSHOT_SUFFIX
OPEN_MADE_SNAPSHOTS = OPEN_MADE + SNAPSHOT_SUFFIX
WARD_NEEDS_SNAPSHOTS = WARD_NEEDS + SNAPSHOT_SUFFIX
DEPARTMENT_AREA_SNAPSHOTS = DEPARTMENT_AREA + SNAPSHOT_SUFFIX
DEPARTMENT_DUE_SNAPSHOTS = DEPARTMENT_DUE + SNAPSHOT_SUFFIX
AREA_COUNTS_LATE = AREA_COUNTS + LATE_SUFFIX
OPEN_DUE_LATE = OPEN_DUE + LATE_SUFFIX
OPEN_MADE_LATE = OPEN_MADE + LATE_SUFFIX
WARD_NEEDS_LATE = WARD_NEEDS + LATE_SUFFIX
AREA_COUNTS_LATE_SNAPSHOTS = AREA_COUNTS_LATE + SNAPSHOT_SUFFIX
OPEN_DUE_LATE_SNAPSHOTS = OPEN_DUE_LATE + SNAPSHOT_SUFFIX
OPEN_MADE_LATE_SNAPSHOTS = OPEN_MADE_LATE + SNAPSHOT_SUFFIX
WARD_NEEDS_LATE_SNAPSHOTS = WARD_NEEDS_LATE + SNAPSHOT_SUFFIX
AREA_COUNTS_LATE_DAYS = AREA_COUNTS + HISTORY_SUFFIX
OPEN_DUE_LATE_DAYS = OPEN_DUE + HISTORY_SUFFIX
OPEN_MADE_LATE_DAYS = OPEN_MADE + HISTORY_SUFFIX
WARD_NEEDS_LATE_DAYS = WARD_NEEDS + HISTORY_SUFFIX
AREA_COUNTS_LATE_MONTHS = AREA_COUNTS + LATE_MONTHS_SUFFIX
OPEN_DUE_LATE_MONTHS = OPEN_DUE + LATE_MONTHS_SUFFIX
OPEN_MADE_LATE_MONTHS = OPEN_MADE + LATE_MONTHS_SUFFIX
WARD_NEEDS_LATE_MONTHS = WARD_NEEDS + LATE_MONTHS_SUFFIX
DEPARTMENT_AREA_OCCURRED = DEPARTMENT_AREA + OCCURRED_SUFFIX
DEPARTMENT_DUE_OCCURRED = DEPARTMENT_DUE + OCCURRED_SUFFIX

HOUSEHOLD_COLUMNS = (
    "household_id",
    "ward_id",
    "municipality",
    "district",
    "status",
    "risk_level",
    "risk_score",
    "open_needs",
    "open_categories",
    "high_needs",
    "registered_at",
    "profiled_at",
    "last_contact_at",
    "field_worker_id",
    "graduated_at",
    "position",
    "merged_into",
)
REFERRAL_COLUMNS = (
    "referral_id",
    "household_id",
    "need_id",
    "category",
    "severity",
    "ward_id",
    "municipality",
    "district",
    "department",
    "status",
    "escalation_level",
    "made_at",
    "acknowledged_at",
    "delivered_at",
    "verified_at",
    "closed_at",
    "ack_by",
    "deliver_by",
    "standard_version",
    "position",
    "merged_from",
)

FIELD_WORKER_COLUMNS = ("field_worker_id", "ward_ids", "active", "last_submission_at", "position")
ROW_COLUMNS = {
    "households": HOUSEHOLD_COLUMNS,
    "referrals": REFERRAL_COLUMNS,
    "field_workers": FIELD_WORKER_COLUMNS,
}
RECORDED_ON = "recorded_on"  # the recorded day of a case row's latest change (``case_days``)
VERSIONED = ("households", "referrals")  # the case rows whose earlier versions are kept
VERSIONS_SUFFIX = "_versions"
# each roll-up table's key columns (in its buffer's key order), and its conflict target if other
TOTAL_KEYS: dict[str, tuple[str, ...]] = {
    "area_counts": ("level", "code", "metric"),
    "area_daily": ("level", "code", "metric", "day"),
    "open_due": ("level", "code", "due"),
    "open_made": ("level", "code", "made"),
    "ward_needs": ("ward_id", "category", "district", "municipality"),
    "department_area": ("department", "level", "code", "metric"),
    "department_due": ("department", "level", "code", "due"),
}
TOTAL_CONFLICTS: dict[str, tuple[str, ...]] = {"ward_needs": ("ward_id", "category")}
for _table in HISTORIES:  # a commit's late deltas as staged (``late_days.stage_late``)
    TOTAL_KEYS[_table + HISTORY_SUFFIX] = (*TOTAL_KEYS[_table], "day")
TOTAL_KEYS["area_daily_recorded"] = ("level", "code", "metric", "day", "recorded")


# The late changes' running totals (recorded on another day than they occurred), kept and
# snapshotted by recorded day as the totals are: by occurred time, a total as of D is its
# snapshot less its late one, plus the late deltas that occurred by D (``queries.asof``).
for _table in HISTORIES:
    TOTAL_KEYS[_table + LATE_SUFFIX] = TOTAL_KEYS[_table]
    if _table in TOTAL_CONFLICTS:
        TOTAL_CONFLICTS[_table + LATE_SUFFIX] = TOTAL_CONFLICTS[_table]
