"""The open-data read model: one row per countable event, and what its handlers look up.

Tables (prefixed ``open_data_``): ``households`` (each household's ward now, whether it
has been profiled, and its survivor while merged), ``referrals`` (what a delivery needs of
its referral, and the duplicate it came from while merged) and ``facts`` (one
row per first profile, need, referral made or delivered, meeting and rating, with the ward
and month it happened in; written once, never updated). No personal field is kept: the
releases count facts, and ``household_id`` is there only to count households, never shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar
from uuid import UUID

from projections.statements import Runs, StatementView, Upsert

NAME = "open_data"
TRACKING = f"{NAME}_tracking"
HOUSEHOLDS = f"{NAME}_households"
REFERRALS = f"{NAME}_referrals"
FACTS = f"{NAME}_facts"

FACT_COLUMNS = (
    "fact_id", "measure", "dim", "household_id", "ward_id", "month",
    "days", "standard_days", "rating",
)  # fmt: skip
REFERRAL_COLUMNS = (
    "referral_id", "household_id", "ward_id", "department", "made_on", "deliver_by",
    "merged_from",
)  # fmt: skip

# In the order the events came (a page may register a household and profile it).
_STATEMENTS: dict[str, str | Upsert] = {
    "household": Upsert(
        "households",
        ("household_id", "ward_id", "profiled", "merged_into"),
        key=("household_id",),
        update=("ward_id", "profiled", "merged_into"),
    ),
    "referral": Upsert(
        "referrals",
        REFERRAL_COLUMNS,
        key=("referral_id",),
        update=("ward_id", "department", "deliver_by", "merged_from"),
    ),
    "fact": Upsert("facts", FACT_COLUMNS, key=("fact_id",)),  # written once
}


class OpenDataView(StatementView):
    tables: ClassVar[tuple[str, ...]] = ("households", "referrals", "facts")
    statements = _STATEMENTS

    def load(self, suffix: str, key: str, ids: Iterable[UUID]) -> dict[UUID, dict[str, Any]]:
        """Stored rows of ``households`` or ``referrals`` by id."""
        wanted = list(ids)
        if not wanted:
            return {}
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.sql(f"SELECT * FROM {{t_{suffix}}} WHERE {key} = ANY(%s)"), (wanted,))
            return {row[key]: dict(row) for row in curs.fetchall()}

    def take(self) -> Runs:
        """Each kind's rows in one run, in the order they came: a kind writes a table of its
        own and reads no other, so only the order within a kind matters (a statement each,
        sent one by one, was most of a catch-up)."""
        by_kind: dict[str, list[tuple[Any, ...]]] = {}
        for kind, params in self.changes:
            by_kind.setdefault(kind, []).append(params)
        self.reset()
        return self.shaped(list(by_kind.items()))
