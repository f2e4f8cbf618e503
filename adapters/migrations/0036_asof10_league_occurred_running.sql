-- The department league as of a day by occurred time (basis=occurred) read, for each of the
-- catalogue's departments, its snapshot, its late snapshot, its late running totals by month,
-- then the month's weeks and the week's days: five index accesses a department, 2.7x today's
-- league at 3M households. In their place, for the league's two totals only:
-- <total>_occurred holds each group's totals as known now by occurred day (every change, on
-- time or late, counted on the day it occurred), one row a day the group changed on: its
-- members and their counts as two arrays, as a snapshot holds them. A read as of D takes the
-- group's latest row up to D: one index probe a group. A late change rewrites its group's
-- rows from the day it occurred on (``projections.nerve_centre.occurred``).
--
-- Filled here from what the database holds (no rebuild): a group's totals by occurred time at
-- D are its snapshot at D, less its late snapshot at D, plus its late deltas that occurred by
-- D (the read this replaces). Each of the three changes only on its own rows' days: summed
-- as deltas on those days, carried forward member by member, one row a day, kept where it
-- differs from the day before (so the rows are those the projector makes).
CREATE TABLE IF NOT EXISTS nerve_centre_department_area_occurred (
    department text, level text, code text, day date, members text[] NOT NULL,
    counts bigint[] NOT NULL, PRIMARY KEY (department, level, code, day)
);
CREATE TABLE IF NOT EXISTS nerve_centre_department_due_occurred (
    department text, level text, code text, day date, members date[] NOT NULL,
    counts bigint[] NOT NULL, PRIMARY KEY (department, level, code, day)
);

DO $$
DECLARE
    total record;
BEGIN
    FOR total IN
        SELECT * FROM (VALUES ('department_area', 'metric'), ('department_due', 'due'))
            AS t(name, member)
    LOOP
        EXECUTE format(
            'WITH snapshots AS ('
            '  SELECT department, level, code, day, 1 AS sign, members, counts, '
            '    lag(members) OVER w AS before_members, lag(counts) OVER w AS before_counts '
            '  FROM %2$I WINDOW w AS (PARTITION BY department, level, code ORDER BY day) '
            '  UNION ALL '
            '  SELECT department, level, code, day, -1, members, counts, '
            '    lag(members) OVER w, lag(counts) OVER w '
            '  FROM %3$I WINDOW w AS (PARTITION BY department, level, code ORDER BY day)), '
            'deltas AS ('
            '  SELECT department, level, code, day, u.member, s.sign * u.value AS value '
            '  FROM snapshots s, unnest(s.members, s.counts) u(member, value) '
            '  UNION ALL '
            '  SELECT department, level, code, day, u.member, -s.sign * u.value '
            '  FROM snapshots s, unnest(s.before_members, s.before_counts) u(member, value) '
            '  UNION ALL '
            '  SELECT department, level, code, day, %5$I, value FROM %4$I WHERE basis = ''o''), '
            'summed AS (SELECT department, level, code, day, member, sum(value) AS value '
            '  FROM deltas GROUP BY department, level, code, day, member), '
            'days AS (SELECT DISTINCT department, level, code, day FROM summed), '
            'members AS (SELECT DISTINCT department, level, code, member FROM summed), '
            'running AS (SELECT department, level, code, day, member, '
            '  (sum(coalesce(s.value, 0)) OVER (PARTITION BY department, level, code, member '
            '    ORDER BY day))::bigint AS value '
            '  FROM days JOIN members USING (department, level, code) '
            '  LEFT JOIN summed s USING (department, level, code, day, member)), '
            'made AS (SELECT department, level, code, day, '
            '  coalesce(array_agg(member ORDER BY member) FILTER (WHERE value <> 0), ''{}'') '
            '    AS members, '
            '  coalesce(array_agg(value ORDER BY member) FILTER (WHERE value <> 0), ''{}'') '
            '    AS counts '
            '  FROM running GROUP BY department, level, code, day), '
            'compared AS (SELECT *, lag(members) OVER w AS before_members, '
            '  lag(counts) OVER w AS before_counts '
            '  FROM made WINDOW w AS (PARTITION BY department, level, code ORDER BY day)) '
            'INSERT INTO %1$I (department, level, code, day, members, counts) '
            'SELECT department, level, code, day, members, counts FROM compared '
            'WHERE CASE WHEN before_members IS NULL THEN cardinality(members) > 0 '
            '  ELSE (members, counts) IS DISTINCT FROM (before_members, before_counts) END '
            'ORDER BY department, level, code, day ON CONFLICT DO NOTHING',
            'nerve_centre_' || total.name || '_occurred',
            'nerve_centre_' || total.name || '_snapshots',
            'nerve_centre_' || total.name || '_late_snapshots',
            'nerve_centre_' || total.name || '_history',
            total.member
        );
    END LOOP;
END
$$;
