"""The nerve-centre read models in PostgreSQL, written a page at a time with their position.

Tables (prefixed ``nerve_centre_``):

- ``households`` / ``referrals``: one row per case, with its area codes for scoped filtering.
- ``area_counts``: running totals per (level, code, metric) for ward, municipality, district
  and province, so a dashboard reads a handful of rows whatever the number of households.
- ``area_daily``: events per (level, code, day, metric), for "last 30 days" and weekly trends.
- ``open_due``: open referrals per (level, code, due date): overdue = due before today;
  ``open_made``: open referrals per (level, code, day made): the backlog's ageing.
- ``ward_needs``: open needs per (ward, category): the heat map.
- ``department_area``: per (department, level, code) referral counts and days-to-act histograms;
  ``department_due``: its open referrals by due date.
- ``field_workers``: last submission and ward per field worker; ``fw_households``: the last
  visit day per (field worker, household).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from projections.base import BufferedView

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
)


class NerveCentreView(BufferedView):
    tables: ClassVar[dict[str, str]] = {
        "households": (
            "household_id uuid PRIMARY KEY, ward_id text NOT NULL, municipality text NOT NULL, "
            "district text NOT NULL, status text NOT NULL, risk_level text, risk_score int, "
            "open_needs jsonb NOT NULL, open_categories text[] NOT NULL, high_needs int NOT NULL, "
            "registered_at timestamptz NOT NULL, profiled_at timestamptz, "
            "last_contact_at timestamptz, field_worker_id text, graduated_at timestamptz, "
            "position bigint NOT NULL"
        ),
        "referrals": (
            "referral_id uuid PRIMARY KEY, household_id uuid NOT NULL, need_id text NOT NULL, "
            "category text NOT NULL, severity text NOT NULL, ward_id text NOT NULL, "
            "municipality text NOT NULL, district text NOT NULL, department text NOT NULL, "
            "status text NOT NULL, escalation_level int NOT NULL, made_at timestamptz NOT NULL, "
            "acknowledged_at timestamptz, delivered_at timestamptz, verified_at timestamptz, "
            "closed_at timestamptz, ack_by date NOT NULL, deliver_by date NOT NULL, "
            "standard_version text NOT NULL, position bigint NOT NULL"
        ),
        "area_counts": (
            "level text, code text, metric text, value bigint NOT NULL, "
            "PRIMARY KEY (level, code, metric)"
        ),
        "area_daily": (
            "level text, code text, day date, metric text, value bigint NOT NULL, "
            "PRIMARY KEY (level, code, metric, day)"
        ),
        "open_due": (
            "level text, code text, due date, value bigint NOT NULL, PRIMARY KEY (level, code, due)"
        ),
        "open_made": (
            "level text, code text, made date, value bigint NOT NULL, "
            "PRIMARY KEY (level, code, made)"
        ),
        "ward_needs": (
            "ward_id text, category text, district text NOT NULL, municipality text NOT NULL, "
            "value bigint NOT NULL, PRIMARY KEY (ward_id, category)"
        ),
        "department_area": (
            "department text, level text, code text, metric text, value bigint NOT NULL, "
            "PRIMARY KEY (department, level, code, metric)"
        ),
        "department_due": (
            "department text, level text, code text, due date, value bigint NOT NULL, "
            "PRIMARY KEY (department, level, code, due)"
        ),
        "field_workers": (
            "field_worker_id text PRIMARY KEY, ward_ids text[] NOT NULL, active boolean NOT NULL, "
            "last_submission_at timestamptz, position bigint NOT NULL"
        ),
        "fw_households": (
            "field_worker_id text, household_id uuid, last_visit_on date NOT NULL, "
            "PRIMARY KEY (field_worker_id, household_id)"
        ),
    }
    indexes: ClassVar[tuple[str, ...]] = (
        # keyset pagination (registered_at, id) within each scope, and the usual filters
        "CREATE INDEX IF NOT EXISTS {ix_h_ward} ON {t_households} (ward_id, household_id)",
        "CREATE INDEX IF NOT EXISTS {ix_h_muni} ON {t_households} (municipality, household_id)",
        "CREATE INDEX IF NOT EXISTS {ix_h_dist} ON {t_households} (district, household_id)",
        "CREATE INDEX IF NOT EXISTS {ix_h_cat} ON {t_households} USING gin (open_categories)",
        "CREATE INDEX IF NOT EXISTS {ix_r_ward} ON {t_referrals} (ward_id, referral_id)",
        "CREATE INDEX IF NOT EXISTS {ix_r_muni} ON {t_referrals} (municipality, referral_id)",
        "CREATE INDEX IF NOT EXISTS {ix_r_dist} ON {t_referrals} (district, referral_id)",
        "CREATE INDEX IF NOT EXISTS {ix_r_dept} ON {t_referrals} (department, referral_id)",
        "CREATE INDEX IF NOT EXISTS {ix_r_status} ON {t_referrals} (status, referral_id)",
        "CREATE INDEX IF NOT EXISTS {ix_fw} ON {t_fw_households} (field_worker_id, last_visit_on)",
    )

    def reset(self) -> None:
        self.households: dict[UUID, dict[str, Any]] = {}
        self.referrals: dict[UUID, dict[str, Any]] = {}
        self.field_workers: dict[str, dict[str, Any]] = {}
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.daily: Counter[tuple[str, str, str, date]] = Counter()
        self.due: Counter[tuple[str, str, date]] = Counter()
        self.made: Counter[tuple[str, str, date]] = Counter()
        self.ward_needs: Counter[tuple[str, str, str, str]] = Counter()
        self.departments: Counter[tuple[str, str, str, str]] = Counter()
        self.department_due: Counter[tuple[str, str, str, date]] = Counter()
        self.fw_visits: dict[tuple[str, UUID], date] = {}

    # ---- reads used by the projection to resume from stored rows -----------------------------

    def load_households(self, ids: Iterable[UUID]) -> dict[UUID, dict[str, Any]]:
        return self._load("households", "household_id", list(ids))

    def load_referrals(self, ids: Iterable[UUID]) -> dict[UUID, dict[str, Any]]:
        return self._load("referrals", "referral_id", list(ids))

    def load_field_workers(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        return self._load("field_workers", "field_worker_id", list(ids))

    def _load(self, table: str, key: str, ids: list[Any]) -> dict[Any, dict[str, Any]]:
        if not ids:
            return {}
        query = self.sql(f"SELECT * FROM {{t_{table}}} WHERE {key} = ANY(%s)")
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(query, (ids,))
            return {row[key]: dict(row) for row in curs.fetchall()}

    # ---- the page's writes ---------------------------------------------------------------------

    def write(self, curs: Cursor[DictRow]) -> None:
        self._write_rows(curs, "households", HOUSEHOLD_COLUMNS, self.households.values())
        self._write_rows(curs, "referrals", REFERRAL_COLUMNS, self.referrals.values())
        self._write_rows(
            curs,
            "field_workers",
            ("field_worker_id", "ward_ids", "active", "last_submission_at", "position"),
            self.field_workers.values(),
        )
        self._add(curs, "area_counts", ("level", "code", "metric"), self.counts)
        self._add(curs, "area_daily", ("level", "code", "metric", "day"), self.daily)
        self._add(curs, "open_due", ("level", "code", "due"), self.due)
        self._add(curs, "open_made", ("level", "code", "made"), self.made)
        self._add(
            curs,
            "ward_needs",
            ("ward_id", "category", "district", "municipality"),
            self.ward_needs,
            conflict=("ward_id", "category"),
        )
        self._add(
            curs, "department_area", ("department", "level", "code", "metric"), self.departments
        )
        self._add(
            curs, "department_due", ("department", "level", "code", "due"), self.department_due
        )
        if self.fw_visits:
            stage = self.stage(
                curs,
                "fw_households",
                ("field_worker_id", "household_id", "last_visit_on"),
                ((fw, hh, day) for (fw, hh), day in self.fw_visits.items()),
            )
            curs.execute(
                self.sql(
                    "INSERT INTO {t_fw_households} SELECT * FROM {stage} "
                    "ON CONFLICT (field_worker_id, household_id) DO UPDATE SET last_visit_on = "
                    "greatest({t_fw_households}.last_visit_on, EXCLUDED.last_visit_on)",
                    stage=stage,
                )
            )

    def _write_rows(
        self,
        curs: Cursor[DictRow],
        table: str,
        columns: tuple[str, ...],
        rows: Iterable[dict[str, Any]],
    ) -> None:
        """Upsert whole rows (the page's latest state of each case touched)."""
        staged = [tuple(_adapt(row[c]) for c in columns) for row in rows]
        if not staged:
            return
        stage = self.stage(curs, table, columns, staged)
        cols = ", ".join(columns)
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns[1:])
        curs.execute(
            self.sql(
                f"INSERT INTO {{t_{table}}} ({cols}) SELECT {cols} FROM {{stage}} "
                f"ON CONFLICT ({columns[0]}) DO UPDATE SET {sets}",
                stage=stage,
            )
        )

    def _add(
        self,
        curs: Cursor[DictRow],
        table: str,
        key: tuple[str, ...],
        deltas: Counter[Any],
        conflict: tuple[str, ...] | None = None,
    ) -> None:
        """Add deltas to totals; a total that falls to zero is deleted (as if never written)."""
        rows = [(*k, v) for k, v in deltas.items() if v]
        if not rows:
            return
        stage = self.stage(curs, table, (*key, "value"), rows)
        cols = ", ".join((*key, "value"))
        on = conflict or key
        curs.execute(
            self.sql(
                f"INSERT INTO {{t_{table}}} ({cols}) SELECT {cols} FROM {{stage}} "
                f"ON CONFLICT ({', '.join(on)}) "
                f"DO UPDATE SET value = {{t_{table}}}.value + EXCLUDED.value",
                stage=stage,
            )
        )
        if any(v < 0 for v in deltas.values()):
            match = " AND ".join(f"t.{c} = s.{c}" for c in on)
            curs.execute(
                self.sql(
                    f"DELETE FROM {{t_{table}}} t USING {{stage}} s WHERE {match} "
                    "AND s.value < 0 AND t.value = 0",
                    stage=stage,
                )
            )


def _adapt(value: Any) -> Any:
    return Jsonb(value) if isinstance(value, dict) else value
