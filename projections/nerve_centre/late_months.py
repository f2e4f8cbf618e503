"""The late changes' running totals by occurred month, for the totals as of a day by occurred
time (``queries.asof``).

``<total>_late_months`` holds, for each group of a total (``history.HISTORIES``: an area's
counts, a ward's needs...; not the league's, read from ``occurred``) and each month it has
late deltas in (its day rows in ``<total>_late_days``), the group's late deltas summed over
every day up to that month's end: its members and their sums as two arrays, as a snapshot
holds them. A read as of
D takes the group's latest row before D's month (one index probe, as a snapshot is taken),
then that month's weeks and days up to D: at most 4 weeks and 7 days a key, however long the
log and however dense its days (the months and years were summed before: up to 11 months
and a row a year a key, every one of them at 3M households).

A commit's late deltas rewrite their group's rows from the first month they occurred in: with
the 90-day window, a few rows a group. A month whose day rows all cancel out loses its row,
so the rows are those a rebuild makes whatever the commits were.
"""

from __future__ import annotations

from projections.nerve_centre.history import HISTORIES, HISTORY_SUFFIX, OCCURRED, SNAPSHOTS

LATE_MONTHS_SUFFIX = "_late_months"


def _on(left: str, right: str, columns: tuple[str, ...]) -> str:
    return " AND ".join(f"{left}.{c} = {right}.{c}" for c in columns)


def write_late_months(total: str) -> str:
    """The statement (for ``BufferedView.sql``, with its ``{stage}``: the commit's staged day
    rows of ``<total>_late_days``, already added to it) that rewrites the running totals of the
    months from each group's first staged month on.

    Each month's row is its old one, or the latest before it (no row: no day rows, nothing
    changed that month), plus the staged deltas of that month and before. Months left with no
    day row are deleted; the rest are upserted (empty arrays where every sum is back to zero,
    so a later month's read does not fall back to an earlier row).
    """
    shape = SNAPSHOTS[total]
    group = shape.group
    cols = ", ".join(group)
    months, history = f"{{t_{total}{LATE_MONTHS_SUFFIX}}}", f"{{t_{total}{HISTORY_SUFFIX}}}"

    def of(alias: str) -> str:
        return ", ".join(f"{alias}.{c}" for c in group)

    def day_rows(alias: str) -> str:
        return (
            f"EXISTS (SELECT FROM {history} h WHERE {_on('h', alias, group)} "
            f"AND h.basis = '{OCCURRED}' AND h.day >= {alias}.month "
            f"AND h.day < ({alias}.month + interval '1 month')::date)"
        )

    return (
        f"WITH d AS (SELECT {cols}, {shape.member} AS member, "
        "date_trunc('month', day)::date AS month, sum(value)::bigint AS value "
        f"FROM {{stage}} GROUP BY {cols}, {shape.member}, date_trunc('month', day)), "
        f"targets AS (SELECT DISTINCT {cols}, month FROM d "
        f"UNION SELECT {of('r')}, r.month FROM {months} r "
        f"JOIN (SELECT {cols}, min(month) AS month FROM d GROUP BY {cols}) f "
        f"ON {_on('r', 'f', group)} AND r.month > f.month), "
        f"summed AS (SELECT {cols}, month, member, sum(value)::bigint AS value FROM ("
        f"SELECT {of('t')}, t.month, u.member, u.value FROM targets t "
        f"CROSS JOIN LATERAL (SELECT r.members, r.counts FROM {months} r "
        f"WHERE {_on('r', 't', group)} AND r.month <= t.month ORDER BY r.month DESC LIMIT 1) r "
        "CROSS JOIN LATERAL unnest(r.members, r.counts) u(member, value) "
        f"UNION ALL SELECT {of('t')}, t.month, d.member, d.value FROM targets t "
        f"JOIN d ON {_on('d', 't', group)} AND d.month <= t.month"
        f") x GROUP BY {cols}, month, member HAVING sum(value) <> 0), "
        f"gone AS (DELETE FROM {months} r USING targets t WHERE {_on('r', 't', group)} "
        f"AND r.month = t.month AND NOT {day_rows('t')}) "
        f"INSERT INTO {months} ({cols}, month, members, counts) "
        f"SELECT {of('t')}, t.month, "
        "coalesce(array_agg(s.member ORDER BY s.member) FILTER (WHERE s.member IS NOT NULL), "
        "'{{}}'), "
        "coalesce(array_agg(s.value ORDER BY s.member) FILTER (WHERE s.member IS NOT NULL), "
        "'{{}}') "
        f"FROM targets t LEFT JOIN summed s ON {_on('s', 't', group)} AND s.month = t.month "
        f"WHERE {day_rows('t')} GROUP BY {of('t')}, t.month ORDER BY {of('t')}, t.month "
        f"ON CONFLICT ({cols}, month) DO UPDATE "
        "SET members = EXCLUDED.members, counts = EXCLUDED.counts"
    )


def write_late_months_fresh(total: str) -> str:
    """``write_late_months`` into an empty table after its history's first day rows (a
    catch-up from zero): the staged rows are then every day row, none 0 (``total_rows``), so
    each staged month keeps a row (its day rows are there) and no stored row is added to,
    carried or deleted. A member's running sum by month (a window, where the general
    statement sums every earlier month again for each month) holds until its next month."""
    shape = SNAPSHOTS[total]
    group = shape.group
    cols = ", ".join(group)
    of = ", ".join(f"t.{c}" for c in group)
    # the day's month by date arithmetic: date_trunc goes through a timestamp, row by row
    month = "(day - extract(day FROM day)::int + 1)"
    return (
        f"WITH d AS (SELECT {cols}, {shape.member} AS member, {month} AS month, "
        f"sum(value)::bigint AS value FROM {{stage}} GROUP BY {cols}, {shape.member}, {month}), "
        f"targets AS (SELECT DISTINCT {cols}, month FROM d), "
        f"r AS (SELECT {cols}, member, month, sum(value) OVER w AS value, "
        f"lead(month) OVER w AS next FROM d "
        f"WINDOW w AS (PARTITION BY {cols}, member ORDER BY month)), "
        f"summed AS (SELECT {of}, t.month, r.member, r.value::bigint AS value FROM targets t "
        f"JOIN r ON {_on('r', 't', group)} AND r.month <= t.month "
        "AND (r.next IS NULL OR t.month < r.next) WHERE r.value <> 0) "
        f"INSERT INTO {{t_{total}{LATE_MONTHS_SUFFIX}}} ({cols}, month, members, counts) "
        f"SELECT {of}, t.month, "
        "coalesce(array_agg(s.member ORDER BY s.member) FILTER (WHERE s.member IS NOT NULL), "
        "'{{}}'), "
        "coalesce(array_agg(s.value ORDER BY s.member) FILTER (WHERE s.member IS NOT NULL), "
        "'{{}}') "
        f"FROM targets t LEFT JOIN summed s ON {_on('s', 't', group)} AND s.month = t.month "
        f"GROUP BY {of}, t.month ORDER BY {of}, t.month"
    )


# each history table (its suffix) -> the statement rewriting its running totals by month,
# and the one writing them into an empty table (its history's first rows just written)
LATE_MONTHS = {table + HISTORY_SUFFIX: write_late_months(table) for table in HISTORIES}
LATE_MONTHS_FRESH = {table + HISTORY_SUFFIX: write_late_months_fresh(table) for table in HISTORIES}
