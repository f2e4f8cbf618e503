"""A full early-warning sweep at the 3M-household demo scale vs. one sequential scan of the
referrals view, measured in the same run on the same PostgreSQL.

    python -m bench.rules [--households 3000000] [--repeat 5] [--churn 200]

The nerve-centre tables are bulk-filled by ``bench.queries.fill`` (1.5M referrals); the
early-warning tables are then derived from them in SQL as the projection would hold them
(every made, acknowledged, delivered and rejected referral has its clock; high-risk and
child-protection households, field workers, war rooms and seats theirs), and every current
match has its open alert and every overdue referral its escalation level, as earlier sweeps
would have left them. ``--churn`` of those alerts are deleted so that each measured sweep has
real raises to make through the application.

Measured: the median of ``--repeat`` sweeps of all rules (every rule's statement, the alerts'
escalation, the referral ladder, and the commands they issue; each incremental from the marks
a first full sweep left) against the median of as many
``SELECT count(*) FROM nerve_centre_referrals WHERE severity IS NOT NULL`` (a sequential
scan: no index has ``severity``). Target: sweep <= 2x the scan. Also printed: each part's
mean (``referrals`` is the ladder), the full reconciliation sweep, and the ladder's share of
the first and last full sweeps (every overdue referral checked).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg.sql import SQL

from adapters.database import create_database
from adapters.migrations import migrate
from bench._bulk import indexes_after
from bench.queries import TODAY, fill
from projections.alerts.view import ALERTS
from projections.delivery.view import STOCKTAKES, TARGETS
from projections.early_warning.view import CLOCKS, DEPARTMENT_DAYS, NEED_WEEKS
from projections.early_warning.view import TRACKING as EW_TRACKING
from projections.nerve_centre.tables import AREA_DAILY, HOUSEHOLDS, REFERRALS
from projections.nerve_centre.tables import TRACKING as NC_TRACKING
from projections.registry import open_projections
from projections.runner import BatchRunner
from scheduler.diff import diff_parameters
from scheduler.referral_ladder import BEHIND_THE_LADDER, ladder_parameters
from scheduler.rules.config import load_rules_file
from scheduler.rules.definitions import RULES
from scheduler.summary import Summary
from scheduler.sweeper import Sweeper
from sukuma.settings import Settings
from sukuma.wiring import build_application, ensure_database

NOW = datetime.combine(TODAY, datetime.min.time(), UTC) + timedelta(hours=8)
_FACTS = (
    "jsonb_build_object('referral_id', r.referral_id, 'category', r.category, "
    "'severity', r.severity, 'household_id', r.household_id)"
)
_AREAS = "ward_id, municipality, district"

EARLY_WARNING_FILL = [
    # referral clocks (EW-01..EW-03) and rejected needs (EW-04), from the referrals view
    f"""INSERT INTO {CLOCKS} SELECT 'referral_unacknowledged', r.referral_id::text,
        (r.ack_by + 1)::timestamptz, 0, {_AREAS}, department, {_FACTS}, true, 0
        FROM {REFERRALS} r WHERE status = 'made'""",
    f"""INSERT INTO {CLOCKS} SELECT 'referral_undelivered', r.referral_id::text,
        (r.deliver_by + 1)::timestamptz, 0, {_AREAS}, department, {_FACTS}, true, 0
        FROM {REFERRALS} r WHERE status = 'acknowledged'""",
    f"""INSERT INTO {CLOCKS} SELECT 'referral_unverified', r.referral_id::text,
        r.made_at + interval '10 days', 0, {_AREAS}, department, {_FACTS}, true, 0
        FROM {REFERRALS} r WHERE status = 'service_delivered'""",
    f"""INSERT INTO {CLOCKS} SELECT 'need_rejected', r.household_id || ':' || r.need_id,
        r.made_at + interval '5 days', 0, {_AREAS}, department, {_FACTS}, true, 0
        FROM {REFERRALS} r WHERE status = 'rejected'""",
    # household clocks (EW-05, EW-06, EW-11): last visits spread over 60 days
    f"""INSERT INTO {CLOCKS} SELECT 'high_risk_unvisited', household_id::text,
        %(now)s - (position %% 60) * interval '1 day', 0, {_AREAS}, NULL,
        jsonb_build_object('risk_level', risk_level), true, 0
        FROM {HOUSEHOLDS} WHERE risk_level IN ('high', 'critical') AND status = 'active'""",
    f"""INSERT INTO {CLOCKS} SELECT 'child_unattended', household_id::text,
        %(now)s - (position %% 40) * interval '1 day', 0, {_AREAS}, NULL, '{{}}'::jsonb, true, 0
        FROM {HOUSEHOLDS} WHERE position %% 20 = 0 AND status = 'active'""",
    f"""INSERT INTO {CLOCKS} SELECT 'graduate_regressed', household_id::text,
        %(now)s - (position %% 90) * interval '1 day', 0, {_AREAS}, NULL, '{{}}'::jsonb, true, 0
        FROM {HOUSEHOLDS} WHERE position %% 500 = 0 AND status = 'graduated'""",
    # one field worker per 300 households, one war room per ward with three seats
    f"""INSERT INTO {CLOCKS} SELECT 'field_worker_silent', md5(g::text || 'fw')::uuid::text,
        %(now)s - (g %% 30) * interval '1 day', 0, w.ward, w.muni, w.dist, NULL,
        '{{}}'::jsonb, true, 0
        FROM generate_series(1, %(households)s / 300) g JOIN w ON w.i = g %% %(n)s""",
    f"""INSERT INTO {CLOCKS} SELECT 'war_room_quiet', md5(w.ward || 'wr')::uuid::text,
        %(now)s - (w.i %% 40) * interval '1 day', 7, w.ward, w.muni, w.dist, NULL,
        '{{}}'::jsonb, true, 0 FROM w""",
    f"""INSERT INTO {CLOCKS} SELECT 'seat_absent', md5(w.ward || 'wr')::uuid::text || ':' || d,
        %(now)s - interval '30 days', (w.i + length(d)) %% 5, w.ward, w.muni, w.dist, d,
        '{{}}'::jsonb, true, 0 FROM w, unnest(ARRAY['SASSA', 'DHA', 'DSD']) d""",
    # EW-10's and the spike's daily series
    f"""INSERT INTO {DEPARTMENT_DAYS} SELECT ack_by, district, municipality, department,
        m, CASE m WHEN 'due' THEN count(*) ELSE count(*) * (1 + length(department)) / 8 END
        FROM {REFERRALS}, unnest(ARRAY['due', 'answered_within']) m
        GROUP BY ack_by, district, municipality, department, m""",
    f"""INSERT INTO {NEED_WEEKS} SELECT %(monday)s - 7 * k, w.dist, w.muni, w.ward, c,
        5 + (w.i + k) %% 9 + CASE WHEN k = 0 AND w.i %% 50 = 0 THEN 40 ELSE 0 END
        FROM w, generate_series(0, 9) k,
             unnest(ARRAY['water', 'food_security', 'social_grant', 'documents']) c""",
    "ANALYZE",
]


def fill_early_warning(url: str, households: int) -> int:
    """The early-warning tables and the steady state's open alerts; returns alerts filled."""
    monday = TODAY - timedelta(days=TODAY.weekday())
    params: dict[str, Any] = {
        "households": households,
        "now": NOW,
        "today": TODAY,
        "monday": monday,
    }
    config = load_rules_file()
    with psycopg.connect(url, autocommit=True) as conn:
        # the wards as bench.queries filled them, numbered for cheap picks
        conn.execute(
            "CREATE TEMP TABLE w AS SELECT row_number() OVER (ORDER BY ward) - 1 AS i, * FROM "
            f"(SELECT DISTINCT ward_id, municipality, district FROM {HOUSEHOLDS}) "
            "AS t(ward, muni, dist)"
        )
        row = conn.execute("SELECT count(*) FROM w").fetchone()
        params["n"] = int(row[0]) if row else 1
        with indexes_after(conn, [CLOCKS]):  # the rules read them by their indexes
            for statement in EARLY_WARNING_FILL:
                conn.execute(statement, params)
        tables = {
            "clocks": SQL(CLOCKS),
            "department_days": SQL(DEPARTMENT_DAYS),
            "need_weeks": SQL(NEED_WEEKS),
            # Results and Delivery's rules (EW-12, EW-14) read targets and stocktakes: none
            # filled here, so they match nothing.
            "area_daily": SQL(AREA_DAILY),
            "targets": SQL(TARGETS),
            "stocktakes": SQL(STOCKTAKES),
        }
        with indexes_after(conn, [ALERTS]):
            for rule in RULES:
                cfg = config.rules[rule.id]
                matches = SQL(rule.matches).format(**tables)
                conn.execute(
                    SQL(
                        f"INSERT INTO {ALERTS} SELECT md5(%(rule)s || m.subject)::uuid, %(rule)s, "
                        "%(version)s, m.subject, CASE WHEN %(rises)s "
                        "AND m.since <= %(rise_cutoff)s THEN %(top)s ELSE %(level)s END, 'open', "
                        "1, m.ward_id, m.municipality, m.district, m.department, m.facts, "
                        "%(raised)s, %(raised)s, NULL, NULL, NULL, NULL, NULL, false, 0 "
                        "FROM ({0}) m"
                    ).format(matches),
                    {
                        **diff_parameters(rule, NOW, cfg),
                        "version": cfg.version,
                        "level": cfg.level,
                        "raised": NOW - timedelta(days=1),
                    },
                )
        # Each overdue referral at the level its delay has reached, as earlier sweeps would
        # have left it: these referrals are rows without events, so one found behind the
        # ladder could not be loaded to climb it (an error a referral, 360,000 at 3M).
        conn.execute(
            SQL(
                "UPDATE {referrals} r SET escalation_level = b.reached FROM ({behind}) b "
                "WHERE r.referral_id = b.referral_id::uuid"
            ).format(
                referrals=SQL(REFERRALS),
                behind=SQL(BEHIND_THE_LADDER).format(clocks=SQL(CLOCKS), referrals=SQL(REFERRALS)),
            ),
            ladder_parameters(config.escalation.ladder, NOW),
        )
        conn.execute("ANALYZE")
        row = conn.execute(f"SELECT count(*) FROM {ALERTS}").fetchone()
        return int(row[0]) if row else 0


def scan_seconds(url: str) -> float:
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        conn.execute(f"SELECT count(*) FROM {REFERRALS} WHERE severity IS NOT NULL").fetchone()
        return time.perf_counter() - started


CHURN = [
    # as the projector would after new events: clocks stopped (referrals acknowledged) and
    # restarted (referrals reassigned), each with a new position
    # stopped: the clocks restarted a round before, whose alerts that sweep raised
    f"""UPDATE {CLOCKS} SET position = %(round)s, active = false
        WHERE kind = 'referral_unacknowledged' AND position = %(round)s - 1 AND %(round)s > 1""",
    f"""UPDATE {CLOCKS} SET position = %(round)s, since = since - interval '1 hour'
        WHERE (kind, subject) IN (SELECT kind, subject FROM {CLOCKS}
        WHERE kind = 'referral_unacknowledged' AND active ORDER BY subject
        OFFSET %(offset)s LIMIT %(churn)s)""",
    f"""DELETE FROM {ALERTS} WHERE rule = 'EW-01' AND subject IN (SELECT subject FROM {CLOCKS}
        WHERE kind = 'referral_unacknowledged' AND active AND position = %(round)s)""",
    *(
        f"""INSERT INTO {tracking} VALUES ('sukuma', %(round)s) ON CONFLICT (application_name)
        DO UPDATE SET notification_id = EXCLUDED.notification_id"""
        for tracking in (EW_TRACKING, NC_TRACKING)
    ),
]


def churn(url: str, n: int, size: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in CHURN:
            conn.execute(statement, {"round": n, "offset": n * size, "churn": size})


def timed(run: Callable[[], Summary]) -> tuple[float, Summary]:
    started = time.perf_counter()
    summary = run()
    return time.perf_counter() - started, summary


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=3_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--churn", type=int, default=100, help="clocks started and stopped")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="sukuma-bench-"))
    settings = Settings(database_url=os.environ.get("BENCH_DATABASE_URL"), data_dir=data_dir)
    admin = ensure_database(settings)
    url = create_database(admin, f"bench_rules_{uuid.uuid4().hex[:6]}")
    migrate(url, "public")
    seconds = fill(url, args.households)
    alerts = fill_early_warning(url, args.households)
    print(
        f"filled {args.households:,} households, {args.households // 2:,} referrals "
        f"and {alerts:,} open alerts in {seconds:.0f} s (+ early-warning tables)"
    )
    app = build_application(settings.model_copy(update={"database_url": url}), url)
    datastore = app.factory.datastore  # type: ignore[attr-defined]
    projector = BatchRunner(app.recorder, app.name, open_projections(datastore, ["alerts"]))  # type: ignore[arg-type]
    sweeper = Sweeper(app, load_rules_file(), lambda: NOW)
    try:
        scan_seconds(url)  # warm the cache for both alike
        full, first = timed(lambda: sweeper.run(full=True))  # leaves each rule's mark
        sweeps, fulls, scans, counts = [], [full], [], Counter[str]()
        parts: Counter[str] = Counter()
        for n in range(1, args.repeat + 1):
            churn(url, n, args.churn)
            scans.append(scan_seconds(url))
            seconds, summary = timed(sweeper.run)
            sweeps.append(seconds)
            parts.update({k: v / args.repeat for k, v in summary.seconds.items()})
            counts.update(summary.total())
            projector.run_once()  # the alerts view follows the sweep's commands
        full, last = timed(lambda: sweeper.run(full=True))
        fulls.append(full)
    finally:
        app.close()
    sweep, scan = statistics.median(sweeps), statistics.median(scans)
    print(f"machine: {os.cpu_count()} cores; medians over {args.repeat} rounds")
    print(f"sequential scan of {REFERRALS}:          {scan * 1000:8.0f} ms")
    print(
        f"sweep, all {len(RULES)} rules + escalation:        {sweep * 1000:8.0f} ms  "
        f"({counts['raised'] / args.repeat:.0f} raised, "
        f"{counts['resolved'] / args.repeat:.0f} resolved a round, through commands)"
    )
    print(
        f"full reconciliation sweep (--full):         {statistics.median(fulls) * 1000:8.0f} ms"
        "  (every match against every open alert)"
    )
    print("  of which (mean ms): " + ", ".join(f"{k} {v * 1000:.0f}" for k, v in parts.items()))
    print(
        "  the full sweeps' referral ladder (every overdue referral): "
        + ", ".join(f"{s.seconds['referrals'] * 1000:.0f}" for s in (first, last))
        + " ms"
    )
    print(f"ratio sweep / scan: {sweep / scan:.2f}  (target <= 2)")


if __name__ == "__main__":
    main()
